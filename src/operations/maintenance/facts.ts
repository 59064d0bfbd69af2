/**
 * What wave planning needs to know of each target node — its zone and, for `fewest-pods`, how many pods it
 * runs — read from the API server with a few requests at a time, so a large pool cannot flood one cluster.
 */
import { listNodePods } from '../drain-filters.js';
import type { KubeNode } from '../../kube/types.js';
import type { NodeOperations } from '../node-operations.js';
import type { MaintenanceOrder } from './types.js';
import { ZONE_LABEL, type PlannedNode } from './waves.js';

const AT_ONCE = 8;

export async function mapLimited<T, U>(
  items: readonly T[],
  limit: number,
  fn: (t: T, i: number) => Promise<U>,
) {
  const out = new Array<U>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function readPlannedNodes(
  ops: NodeOperations,
  nodes: readonly { cluster: string; name: string }[],
  order: MaintenanceOrder,
  signal?: AbortSignal,
): Promise<PlannedNode[]> {
  if (order === 'given') return nodes.map((n) => ({ cluster: n.cluster, name: n.name }));
  return mapLimited(nodes, AT_ONCE, async (n): Promise<PlannedNode> => {
    const client = ops.client(n.cluster);
    if (order === 'zone') {
      const cached = await ops.nodes.nodeObject?.(n.cluster, n.name);
      const node =
        cached ??
        (await client.request<KubeNode>({ path: `/api/v1/nodes/${encodeURIComponent(n.name)}`, signal }));
      const zone = node.metadata.labels?.[ZONE_LABEL];
      return { cluster: n.cluster, name: n.name, ...(zone ? { zone } : {}) };
    }
    const pods = await listNodePods(client, n.name, undefined, signal);
    return { cluster: n.cluster, name: n.name, pods: pods.length };
  });
}
