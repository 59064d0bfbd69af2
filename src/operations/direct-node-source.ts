/**
 * A NodeSource that reads the API server directly: used by tests against the simulator and usable as a
 * fallback when no live cache exists. A short-lived snapshot (one paged LIST) serves guard checks and target
 * resolution for a whole request; our own writes update it in place.
 */
import type { KubeClient } from '../kube/client.js';
import type { NodeRow } from '../cache/types.js';
import { CORDONED_AT_ANNOTATION, CORDONED_BY_ANNOTATION, CORDON_REASON_ANNOTATION } from './intent.js';
import { nodeReadyStatus } from '../kube/objects.js';
import type { KubeList, KubeNode } from '../kube/types.js';
import type { ClusterClients, NodeSource, NodeSummary, ReadyStats } from './ports.js';

/** The NodeRow fields node operations answer with; the live cache supplies the complete row. */
export function basicNodeRow(
  cluster: string,
  node: KubeNode,
): Partial<NodeRow> & Pick<NodeRow, 'cluster' | 'name'> {
  const ann = node.metadata.annotations ?? {};
  const unschedulable = node.spec?.unschedulable === true;
  const status = nodeReadyStatus(node);
  const cordon = unschedulable
    ? {
        ...(ann[CORDON_REASON_ANNOTATION] ? { reason: ann[CORDON_REASON_ANNOTATION] } : {}),
        ...(ann[CORDONED_BY_ANNOTATION] ? { by: ann[CORDONED_BY_ANNOTATION] } : {}),
        ...(ann[CORDONED_AT_ANNOTATION] ? { at: ann[CORDONED_AT_ANNOTATION] } : {}),
      }
    : undefined;
  return {
    cluster,
    name: node.metadata.name,
    uid: node.metadata.uid ?? '',
    resourceVersion: node.metadata.resourceVersion ?? '',
    status,
    unschedulable,
    schedulable: !unschedulable && status === 'Ready',
    ...(cordon ? { cordon } : {}),
    labels: { ...(node.metadata.labels ?? {}) },
    taints: (node.spec?.taints ?? []).map((t) => ({
      key: t.key,
      ...(t.value ? { value: t.value } : {}),
      effect: t.effect,
    })),
  };
}

export class DirectNodeSource implements NodeSource {
  private readonly snapshots = new Map<string, { at: number; nodes: Map<string, KubeNode> }>();

  /** Present only with `offerView`: the snapshot serves as the live view writes plan on. */
  readonly nodeObject?: (cluster: string, name: string) => Promise<KubeNode | undefined>;

  constructor(
    private readonly clients: ClusterClients,
    private readonly ttlMs = 1000,
    opts: { offerView?: boolean } = {},
  ) {
    if (opts.offerView) this.nodeObject = async (cluster, name) => (await this.snapshot(cluster)).get(name);
  }

  private async snapshot(cluster: string): Promise<Map<string, KubeNode>> {
    const s = this.snapshots.get(cluster);
    if (s && Date.now() - s.at < this.ttlMs) return s.nodes;
    const client = this.clients.client(cluster);
    if (!client) return new Map();
    const nodes = new Map<string, KubeNode>();
    for (const n of await listAll(client, undefined)) nodes.set(n.metadata.name, n);
    this.snapshots.set(cluster, { at: Date.now(), nodes });
    return nodes;
  }

  async getNode(cluster: string, name: string): Promise<NodeSummary | undefined> {
    const n = (await this.snapshot(cluster)).get(name);
    return n && { name, status: nodeReadyStatus(n), unschedulable: n.spec?.unschedulable === true };
  }

  async resolveSelector(cluster: string, selector: string): Promise<string[]> {
    const client = this.clients.client(cluster);
    if (!client) return [];
    return (await listAll(client, selector)).map((n) => n.metadata.name);
  }

  async readyStats(cluster: string): Promise<ReadyStats> {
    let ready = 0;
    let readySchedulable = 0;
    for (const n of (await this.snapshot(cluster)).values()) {
      if (nodeReadyStatus(n) !== 'Ready') continue;
      ready++;
      if (n.spec?.unschedulable !== true) readySchedulable++;
    }
    return { ready, readySchedulable };
  }

  applyLocalWrite(cluster: string, node: KubeNode): unknown {
    this.snapshots.get(cluster)?.nodes.set(node.metadata.name, node);
    return basicNodeRow(cluster, node);
  }

  /** Forget snapshots (tests that change nodes behind our back). */
  invalidate(): void {
    this.snapshots.clear();
  }
}

async function listAll(client: KubeClient, labelSelector: string | undefined): Promise<KubeNode[]> {
  const out: KubeNode[] = [];
  let cont: string | undefined;
  do {
    const page = await client.request<KubeList<KubeNode>>({
      path: '/api/v1/nodes',
      query: { labelSelector, limit: 500, continue: cont },
    });
    out.push(...(page.items ?? []));
    cont = page.metadata?.continue || undefined;
  } while (cont);
  return out;
}
