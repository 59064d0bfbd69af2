/**
 * Raw Node → NodeRecord, run by the informer before anything is stored. Keeps exactly what NodeRow and
 * NodeDetail show (docs/API.md) and drops the rest: managedFields, status.images, volumes, daemon endpoints,
 * config, heartbeat times, taint timestamps, last-applied-configuration.
 */
import type { KubeObject } from '../informer/types.js';
import { compareResourceVersions } from '../informer/types.js';
import { EMPTY, intern, internObject, internValues, NONE } from './intern.js';
import type { NodeAddress, NodeCondition, NodeRecord, NodeStatus, Resources, Taint } from './types.js';

interface RawNode extends KubeObject {
  spec?: {
    unschedulable?: boolean;
    taints?: Taint[];
    podCIDRs?: string[];
    podCIDR?: string;
    providerID?: string;
  };
  status?: {
    conditions?: {
      type: string;
      status: string;
      reason?: string;
      message?: string;
      lastTransitionTime?: string;
      lastHeartbeatTime?: string;
    }[];
    addresses?: NodeAddress[];
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    nodeInfo?: Record<string, string>;
  };
}

const ROLE_PREFIX = 'node-role.kubernetes.io/';
const GPU_RESOURCES = ['nvidia.com/gpu', 'amd.com/gpu'];
/** Annotations never shown and often large. */
const DROPPED_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

export function statusOf(conditions: readonly NodeCondition[]): NodeStatus {
  const ready = conditions.find((c) => c.type === 'Ready');
  if (!ready) return 'Unknown';
  return ready.status === 'True' ? 'Ready' : ready.status === 'False' ? 'NotReady' : 'Unknown';
}

export function rolesOf(labels: Readonly<Record<string, string>>): readonly string[] {
  let roles: string[] | undefined;
  for (const k in labels) {
    let role: string | undefined;
    if (k.startsWith(ROLE_PREFIX)) role = k.slice(ROLE_PREFIX.length);
    else if (k === 'kubernetes.io/role') role = labels[k];
    if (!role) continue;
    roles ??= [];
    if (!roles.includes(role)) roles.push(role);
  }
  if (!roles) return NONE;
  roles.sort();
  return internObject(roles, roles.join('\u0000'));
}

function resources(r: Record<string, string> | undefined): Resources {
  if (!r) return EMPTY;
  internValues(r);
  const gpu = GPU_RESOURCES.find((g) => r[g] !== undefined);
  const out: Resources = gpu ? { ...r, gpu: r[gpu] } : r;
  return internObject(out);
}

function conditions(raw: NonNullable<RawNode['status']>['conditions']): readonly NodeCondition[] {
  if (!raw?.length) return NONE;
  return raw.map((c) => {
    const o: NodeCondition = { type: intern(c.type), status: intern(c.status) };
    if (c.reason !== undefined) o.reason = intern(c.reason);
    if (c.message !== undefined) o.message = intern(c.message);
    if (c.lastTransitionTime !== undefined) o.lastTransitionTime = intern(c.lastTransitionTime);
    return o;
  });
}

function taints(raw: NonNullable<RawNode['spec']>['taints']): readonly Taint[] {
  if (!raw?.length) return NONE;
  return raw.map((t) => {
    const o: Taint = { key: intern(t.key), effect: intern(t.effect) };
    if (t.value !== undefined && t.value !== '') o.value = intern(t.value);
    return o;
  });
}

function annotations(a: Record<string, string> | undefined): Record<string, string> {
  if (!a) return EMPTY;
  for (const k of DROPPED_ANNOTATIONS) if (k in a) delete a[k];
  return internValues(a);
}

function addresses(raw: NodeAddress[] | undefined): readonly NodeAddress[] {
  if (!raw?.length) return NONE;
  return raw.map((a) => ({ type: intern(a.type), address: a.address }));
}

export function transformNode(raw: KubeObject): NodeRecord {
  const n = raw as RawNode;
  const m = n.metadata ?? {};
  const labels = internValues(m.labels);
  const conds = conditions(n.status?.conditions);
  const addrs = addresses(n.status?.addresses);
  const podCIDRs = n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : undefined);
  const rec: NodeRecord = {
    name: m.name ?? '',
    uid: m.uid ?? '',
    resourceVersion: m.resourceVersion ?? '',
    createdAt: intern(m.creationTimestamp ?? ''),
    labels,
    annotations: annotations(m.annotations),
    unschedulable: n.spec?.unschedulable === true,
    taints: taints(n.spec?.taints),
    conditions: conds,
    addresses: addrs,
    capacity: resources(n.status?.capacity),
    allocatable: resources(n.status?.allocatable),
    systemInfo: internValues(n.status?.nodeInfo),
    podCIDRs,
    providerID: n.spec?.providerID,
    status: statusOf(conds),
    roles: rolesOf(labels),
    internalIP: addrs.find((a) => a.type === 'InternalIP')?.address,
    externalIP: addrs.find((a) => a.type === 'ExternalIP')?.address,
    hostname: addrs.find((a) => a.type === 'Hostname')?.address,
  };
  return rec;
}

/**
 * A record built in another thread (an ingest worker) arrives as a structured copy: its strings and maps are
 * no longer shared with this thread's other nodes. Built again through the same transform, it is interned
 * here and derived fields are computed by the same code.
 */
export function adoptNode(r: NodeRecord): NodeRecord {
  return transformNode({
    metadata: {
      name: r.name,
      uid: r.uid,
      resourceVersion: r.resourceVersion,
      creationTimestamp: r.createdAt,
      labels: { ...r.labels },
      annotations: { ...r.annotations },
    },
    spec: {
      unschedulable: r.unschedulable || undefined,
      taints: [...r.taints],
      podCIDRs: r.podCIDRs ? [...r.podCIDRs] : undefined,
      providerID: r.providerID,
    },
    status: {
      conditions: [...r.conditions],
      addresses: [...r.addresses],
      capacity: { ...r.capacity } as Record<string, string>,
      allocatable: { ...r.allocatable } as Record<string, string>,
      nodeInfo: { ...r.systemInfo },
    },
  } as KubeObject);
}

/** The newest time the kubelet or a controller wrote the node (for the informer's sync-lag gauge). */
export function nodeChangeTime(raw: KubeObject): number | undefined {
  const n = raw as RawNode;
  let newest: string | undefined;
  for (const c of n.status?.conditions ?? []) {
    if (c.lastHeartbeatTime && (!newest || c.lastHeartbeatTime > newest)) newest = c.lastHeartbeatTime;
  }
  for (const f of n.metadata?.managedFields ?? [])
    if (f.time && (!newest || f.time > newest)) newest = f.time;
  if (!newest) return undefined;
  const t = Date.parse(newest);
  return Number.isFinite(t) ? t : undefined;
}

/** Never let an older version replace a newer one (our own PATCH answer may arrive before its watch event). */
export function acceptNode(stored: NodeRecord, incoming: NodeRecord): boolean {
  if (stored.uid !== incoming.uid) return true;
  const c = compareResourceVersions(incoming.resourceVersion, stored.resourceVersion);
  return c === undefined || c >= 0;
}

function sameMap(
  a: Readonly<Record<string, string | undefined>>,
  b: Readonly<Record<string, string | undefined>>,
): boolean {
  if (a === b) return true;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}

/** Fields NodeDetail shows that the change classifier does not look at (they are not in NodeRow). */
export function sameDetailExtras(a: NodeRecord, b: NodeRecord): boolean {
  return (
    a.providerID === b.providerID &&
    sameMap(a.annotations, b.annotations) &&
    sameMap(a.systemInfo, b.systemInfo) &&
    a.addresses.length === b.addresses.length &&
    a.addresses.every((x, i) => x.type === b.addresses[i]!.type && x.address === b.addresses[i]!.address) &&
    (a.podCIDRs ?? []).join() === (b.podCIDRs ?? []).join()
  );
}

export const sameNode = (a: NodeRecord, b: NodeRecord): boolean =>
  a.resourceVersion === b.resourceVersion && a.uid === b.uid;
