/** NodeRecord (+ cluster, + live pod count) → the API's NodeRow / NodeDetail. */
import {
  CORDON_REASON,
  CORDONED_AT,
  CORDONED_BY,
  type CordonInfo,
  type NodeDetail,
  type NodeRecord,
  type NodeRow,
} from './types.js';
import { NO_SHARES } from '../usage/shares.js';
import type { NodeResourceShares } from '../usage/types.js';

export function cordonOf(rec: NodeRecord): CordonInfo | undefined {
  if (!rec.unschedulable) return undefined;
  const a = rec.annotations;
  const c: CordonInfo = {};
  if (a[CORDON_REASON] !== undefined) c.reason = a[CORDON_REASON];
  if (a[CORDONED_BY] !== undefined) c.by = a[CORDONED_BY];
  if (a[CORDONED_AT] !== undefined) c.at = a[CORDONED_AT];
  return c;
}

export function toRow(
  cluster: string,
  rec: NodeRecord,
  podCount: number | null,
  shares: NodeResourceShares = NO_SHARES,
): NodeRow {
  const si = rec.systemInfo;
  return {
    cluster,
    name: rec.name,
    uid: rec.uid,
    resourceVersion: rec.resourceVersion,
    status: rec.status,
    schedulable: !rec.unschedulable,
    unschedulable: rec.unschedulable,
    cordon: cordonOf(rec),
    roles: rec.roles as string[],
    internalIP: rec.internalIP,
    externalIP: rec.externalIP,
    hostname: rec.hostname,
    labels: rec.labels as Record<string, string>,
    taints: rec.taints as NodeRow['taints'],
    capacity: rec.capacity,
    allocatable: rec.allocatable,
    podCount,
    kubeletVersion: si.kubeletVersion,
    osImage: si.osImage,
    kernelVersion: si.kernelVersion,
    containerRuntime: si.containerRuntimeVersion,
    architecture: si.architecture,
    createdAt: rec.createdAt,
    conditions: rec.conditions as NodeRow['conditions'],
    cpuUsed: shares.cpuUsed,
    memUsed: shares.memUsed,
    cpuRequested: shares.cpuRequested,
    memRequested: shares.memRequested,
    cpuLimits: shares.cpuLimits,
    memLimits: shares.memLimits,
  };
}

export function toDetail(
  cluster: string,
  rec: NodeRecord,
  podCount: number | null,
  shares?: NodeResourceShares,
): NodeDetail {
  return {
    ...toRow(cluster, rec, podCount, shares),
    annotations: rec.annotations as Record<string, string>,
    addresses: rec.addresses as NodeDetail['addresses'],
    systemInfo: rec.systemInfo as Record<string, string>,
    podCIDRs: rec.podCIDRs as string[] | undefined,
    providerID: rec.providerID,
  };
}
