/**
 * The node cache seen through the operations' NodeSource port (operations/ports.ts): a node's summary, the
 * names a label selector picks, the Ready counts the guard protects, and read-your-writes. It exists so the
 * operations depend on that small port, and the query service knows nothing of what operations ask.
 */
import type { KubeNode } from '../kube/types.js';
import type { NodeSource } from '../operations/ports.js';
import type { KubeObject } from '../informer/types.js';
import { matchLabels, parseLabelSelector } from '../kube/selector.js';
import type { NodeQueries } from './node-queries.js';
import { naturalCompare } from './sort.js';
import type { NodeRecord } from './types.js';

export async function nodeSummary(
  queries: NodeQueries,
  cluster: string,
  name: string,
): Promise<{ name: string; status: NodeRecord['status']; unschedulable: boolean } | undefined> {
  const r = await queries.getNode(cluster, name);
  return r && { name: r.node.name, status: r.node.status, unschedulable: r.node.unschedulable };
}

/** Names (natural order) of the cluster's nodes matching a label selector text (throws SelectorError). */
export async function resolveSelector(
  queries: NodeQueries,
  cluster: string,
  selector: string,
): Promise<string[]> {
  const sel = parseLabelSelector(selector);
  const { cache, recs } = await queries.recordsFor(cluster);
  const all = cache ? [...cache.all()] : recs!;
  return all
    .filter((r) => matchLabels(sel, r.labels))
    .map((r) => r.name)
    .sort(naturalCompare);
}

export async function readyStats(
  queries: NodeQueries,
  cluster: string,
): Promise<{ ready: number; readySchedulable: number }> {
  const { cache, recs } = await queries.recordsFor(cluster);
  if (cache) return { ready: cache.readyCount, readySchedulable: cache.readySchedulableCount };
  let ready = 0;
  let readySchedulable = 0;
  for (const r of recs!) {
    if (r.status !== 'Ready') continue;
    ready++;
    if (!r.unschedulable) readySchedulable++;
  }
  return { ready, readySchedulable };
}

/** The port over a cache facade (anything holding the query service, e.g. CacheManager). */
export function cacheNodeSource(cache: { readonly queries: NodeQueries }): NodeSource {
  const q = cache.queries;
  return {
    getNode: (cluster, name) => nodeSummary(q, cluster, name),
    resolveSelector: (cluster, selector) => resolveSelector(q, cluster, selector),
    readyStats: (cluster) => readyStats(q, cluster),
    applyLocalWrite: (cluster, node: KubeNode) => q.applyLocalWrite(cluster, node as unknown as KubeObject),
  };
}
