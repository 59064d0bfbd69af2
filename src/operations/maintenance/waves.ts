/**
 * Wave planning: the order nodes go through maintenance and how many are out at once. Pure; the executor and
 * the dry run both call it with what they read of the nodes.
 */
import type { MaintenanceOrder } from './types.js';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export interface PlannedNode {
  cluster: string;
  name: string;
  /** topology.kubernetes.io/zone; nodes without one form their own group. */
  zone?: string;
  /** Pods on the node (for `fewest-pods`). */
  pods?: number;
}

/** Nodes per wave: a count, or a percentage of the pool rounded down, never below one. */
export function waveSize(maxUnavailable: number | string, pool: number): number {
  if (typeof maxUnavailable === 'number') return Math.max(1, maxUnavailable);
  const pct = Number(maxUnavailable.replace('%', ''));
  return Math.max(1, Math.floor((pool * pct) / 100));
}

/** Zone round-robin: one node of each zone in turn (zones in order of first appearance), so consecutive nodes
 * — and the nodes of one wave — come from different zones where the pool allows. */
function zoneRoundRobin<T extends PlannedNode>(nodes: readonly T[]): T[] {
  const zones = new Map<string, T[]>();
  for (const n of nodes) {
    const k = n.zone ?? '';
    zones.set(k, [...(zones.get(k) ?? []), n]);
  }
  const queues = [...zones.values()];
  const out: T[] = [];
  while (out.length < nodes.length) for (const q of queues) if (q.length) out.push(q.shift()!);
  return out;
}

export function orderNodes<T extends PlannedNode>(nodes: readonly T[], order: MaintenanceOrder): T[] {
  switch (order) {
    case 'given':
      return [...nodes];
    case 'zone':
      return zoneRoundRobin(nodes);
    case 'fewest-pods':
      // Stable: ties keep the order given.
      return nodes
        .map((n, i) => ({ n, i }))
        .sort((a, b) => (a.n.pods ?? 0) - (b.n.pods ?? 0) || a.i - b.i)
        .map((x) => x.n);
  }
}

export function planWaves<T extends PlannedNode>(
  nodes: readonly T[],
  order: MaintenanceOrder,
  maxUnavailable: number | string,
): T[][] {
  const size = waveSize(maxUnavailable, nodes.length);
  const ordered = orderNodes(nodes, order);
  const waves: T[][] = [];
  for (let i = 0; i < ordered.length; i += size) waves.push(ordered.slice(i, i + size));
  return waves;
}
