/**
 * Direct reads from the API server, for what the strategy table says is never cached (a node's pods, its
 * events), for pod counts when the pod index is off, and for node reads while a cluster's informer is not
 * synced (degraded mode). Every call is paged and timed out per the strategy table.
 */
import type { KubeClient } from '../kube/client.js';
import { strategyFor } from '../kube/strategy.js';
import type { KubeList, KubeObject } from '../informer/types.js';
import { transformNode } from './node-transform.js';
import type { EventSummary } from './event-types.js';
import type { NodeRecord } from './types.js';
import { podResources, type PodResources } from '../usage/pod-resources.js';
import { workloadOf, type PodWorkload } from './pod-workload.js';

/** LIST every page of a collection; `each` sees raw items (so callers keep only what they need). */
export async function listAll(
  client: KubeClient,
  path: string,
  resource: 'nodes' | 'pods' | 'events',
  each: (item: KubeObject) => void,
  extra: Record<string, string> = {},
  maxItems = Infinity,
): Promise<{ resourceVersion?: string; truncated: boolean }> {
  const s = strategyFor(resource);
  let cont: string | undefined;
  let seen = 0;
  let rv: string | undefined;
  do {
    const page = await client.request<KubeList>({
      path,
      query: { ...extra, limit: s.pageSize, continue: cont },
      timeoutMs: s.timeoutMs,
    });
    for (const it of page.items ?? []) {
      each(it);
      seen++;
    }
    rv ??= page.metadata?.resourceVersion;
    cont = page.metadata?.continue || undefined;
    if (seen >= maxItems && cont) return { resourceVersion: rv, truncated: true };
  } while (cont);
  return { resourceVersion: rv, truncated: false };
}

export async function listNodeRecords(client: KubeClient): Promise<NodeRecord[]> {
  const out: NodeRecord[] = [];
  await listAll(client, '/api/v1/nodes', 'nodes', (n) => out.push(transformNode(n)));
  return out;
}

export async function getNodeRecord(client: KubeClient, name: string): Promise<NodeRecord> {
  const raw = await client.request<KubeObject>({
    path: `/api/v1/nodes/${encodeURIComponent(name)}`,
    timeoutMs: strategyFor('nodes').timeoutMs,
  });
  return transformNode(raw);
}

/** Non-terminated pods per node from one paged LIST (the pod index's stand-in when it is switched off). */
export async function countPodsByNode(client: KubeClient): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  await listAll(
    client,
    '/api/v1/pods',
    'pods',
    (p) => {
      const pod = p as { spec?: { nodeName?: string }; status?: { phase?: string } };
      const node = pod.spec?.nodeName;
      const phase = pod.status?.phase;
      if (!node || phase === 'Succeeded' || phase === 'Failed') return;
      counts.set(node, (counts.get(node) ?? 0) + 1);
    },
    { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' },
  );
  return counts;
}

// ---- a node's pods --------------------------------------------------------------------------------------

export interface PodSummary {
  namespace: string;
  name: string;
  uid: string;
  phase: string;
  /** "ready/total" containers */
  ready: string;
  restarts: number;
  ownerKind?: string;
  ownerName?: string;
  /** The Deployment behind a ReplicaSet owner, when the pod's pod-template-hash says so (pod-workload.ts). */
  workload?: PodWorkload;
  podIP?: string;
  createdAt?: string;
  terminating: boolean;
  priorityClassName?: string;
  qosClass?: string;
  /** What the pod asks of its node: millicores and bytes (usage/pod-resources.ts). */
  resources: PodResources;
}

interface RawPod extends KubeObject {
  metadata?: KubeObject['metadata'] & {
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
  };
  spec?: {
    containers?: unknown[];
    initContainers?: unknown[];
    overhead?: unknown;
    priorityClassName?: string;
  };
  status?: {
    phase?: string;
    podIP?: string;
    qosClass?: string;
    containerStatuses?: { ready?: boolean; restartCount?: number }[];
  };
}

export function summarizePod(p: RawPod): PodSummary {
  const m = p.metadata ?? {};
  const cs = p.status?.containerStatuses ?? [];
  const owner = m.ownerReferences?.find((o) => o.controller) ?? m.ownerReferences?.[0];
  return {
    namespace: m.namespace ?? '',
    name: m.name ?? '',
    uid: m.uid ?? '',
    phase: p.status?.phase ?? 'Unknown',
    ready: `${cs.filter((c) => c.ready).length}/${p.spec?.containers?.length ?? cs.length}`,
    restarts: cs.reduce((n, c) => n + (c.restartCount ?? 0), 0),
    ownerKind: owner?.kind,
    ownerName: owner?.name,
    workload: workloadOf(owner, m.labels),
    podIP: p.status?.podIP,
    createdAt: m.creationTimestamp,
    terminating: !!m.deletionTimestamp,
    priorityClassName: p.spec?.priorityClassName,
    qosClass: p.status?.qosClass,
    resources: podResources(p.spec),
  };
}

export async function listNodePods(
  client: KubeClient,
  node: string,
  opts: { limit: number; continue?: string },
): Promise<{ items: PodSummary[]; continue?: string }> {
  const s = strategyFor('pods');
  const page = await client.request<KubeList<RawPod>>({
    path: '/api/v1/pods',
    query: { fieldSelector: `spec.nodeName=${node}`, limit: opts.limit, continue: opts.continue },
    timeoutMs: s.timeoutMs,
  });
  return { items: (page.items ?? []).map(summarizePod), continue: page.metadata?.continue || undefined };
}

// ---- a node's events ------------------------------------------------------------------------------------

interface RawEvent extends KubeObject {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  series?: { count?: number; lastObservedTime?: string };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
}

function eventTime(e: RawEvent): string {
  return (
    e.series?.lastObservedTime ??
    e.lastTimestamp ??
    e.eventTime ??
    e.firstTimestamp ??
    e.metadata?.creationTimestamp ??
    ''
  );
}

/** Most recent first. Reads at most `scan` events (a node rarely has many; a runaway emitter must not hurt us). */
export async function listNodeEvents(
  client: KubeClient,
  node: string,
  opts: { limit: number; scan?: number },
): Promise<{ items: EventSummary[]; truncated: boolean }> {
  const all: RawEvent[] = [];
  const { truncated } = await listAll(
    client,
    '/api/v1/events',
    'events',
    (e) => all.push(e as RawEvent),
    { fieldSelector: `involvedObject.kind=Node,involvedObject.name=${node}` },
    opts.scan ?? 1000,
  );
  all.sort((a, b) => (eventTime(a) < eventTime(b) ? 1 : eventTime(a) > eventTime(b) ? -1 : 0));
  return {
    items: all.slice(0, opts.limit).map((e) => ({
      type: e.type ?? 'Normal',
      reason: e.reason ?? '',
      message: e.message ?? '',
      count: e.series?.count ?? e.count ?? 1,
      firstTimestamp: e.firstTimestamp ?? e.eventTime,
      lastTimestamp: eventTime(e) || undefined,
      source: e.source?.component ?? e.reportingComponent,
      namespace: e.metadata?.namespace,
    })),
    truncated,
  };
}
