/**
 * The fleet view: unhealthy now, flapping, longest outages, and per cluster (or per node pool, a label key
 * chosen by the caller) MTTR and availability over a period. Outage figures count NotReady intervals only;
 * pools are read from the nodes' labels in the live cache (a node no longer cached lands in pool "").
 */
import type { NodeRow } from '../cache/types.js';
import { DAY_MS, toInterval, type HealthHistory, type PerNodeOutage } from './history.js';
import type { FleetHealth, HealthGroupStats, HealthKind, UnhealthyNode } from './types.js';

export const UNHEALTHY_MAX = 1000;
export const FLAPPING_MAX = 200;
export const LONGEST_MAX = 20;

export interface FleetQuery {
  fromMs: number;
  toMs: number;
  /** Transitions in the last 24 h that make a node "flapping". */
  flapThreshold: number;
  /** Label key whose value names a node's pool; absent = per cluster. */
  pool?: string;
}

export interface FleetInputs {
  history: HealthHistory;
  /** Clusters to report: the caller's visible ones that are configured now. */
  clusters: readonly string[];
  /** Cached rows of a cluster (for node counts and pool labels); undefined when not synced. */
  rows(cluster: string): readonly NodeRow[] | undefined;
  now: number;
}

/** Per-group figures from per-node outage aggregates; `nodes` maps group key → node names known now. */
export function groupStats(
  perNode: readonly PerNodeOutage[],
  known: ReadonlyMap<string, { cluster: string; pool?: string; nodes: Set<string> }>,
  groupOf: (cluster: string, node: string) => string,
  periodMs: number,
): HealthGroupStats[] {
  const acc = new Map<
    string,
    {
      cluster: string;
      pool?: string;
      nodes: Set<string>;
      outages: number;
      recovered: number;
      repairMs: number;
      downMs: number;
    }
  >();
  for (const [key, g] of known)
    acc.set(key, {
      cluster: g.cluster,
      pool: g.pool,
      nodes: new Set(g.nodes),
      outages: 0,
      recovered: 0,
      repairMs: 0,
      downMs: 0,
    });
  for (const r of perNode) {
    const key = groupOf(r.cluster, r.node);
    let a = acc.get(key);
    if (!a) {
      const pool = key.includes('\u0000') ? key.slice(key.indexOf('\u0000') + 1) : undefined;
      acc.set(
        key,
        (a = {
          cluster: r.cluster,
          pool,
          nodes: new Set(),
          outages: 0,
          recovered: 0,
          repairMs: 0,
          downMs: 0,
        }),
      );
    }
    a.nodes.add(r.node);
    a.outages += r.outages;
    a.recovered += r.recovered;
    a.repairMs += r.repairMs;
    a.downMs += r.downMs;
  }
  const out: HealthGroupStats[] = [];
  for (const a of acc.values()) {
    const total = a.nodes.size * periodMs;
    const g: HealthGroupStats = {
      cluster: a.cluster,
      nodes: a.nodes.size,
      outages: a.outages,
      recovered: a.recovered,
      downMs: a.downMs,
      availability: total > 0 ? Math.max(0, 1 - a.downMs / total) : 1,
    };
    if (a.pool !== undefined) g.pool = a.pool;
    if (a.recovered > 0) g.mttrMs = Math.round(a.repairMs / a.recovered);
    out.push(g);
  }
  return out.sort((x, y) => x.cluster.localeCompare(y.cluster) || (x.pool ?? '').localeCompare(y.pool ?? ''));
}

export async function fleetHealth(q: FleetQuery, inp: FleetInputs): Promise<FleetHealth> {
  const { history, clusters, now } = inp;
  const poolOf = new Map<string, string>();
  const known = new Map<string, { cluster: string; pool?: string; nodes: Set<string> }>();
  const keyOf = (cluster: string, pool?: string) =>
    pool === undefined ? cluster : `${cluster}\u0000${pool}`;
  for (const c of clusters) {
    for (const row of inp.rows(c) ?? []) {
      const pool = q.pool === undefined ? undefined : (row.labels[q.pool] ?? '');
      if (pool !== undefined) poolOf.set(`${c}\u0000${row.name}`, pool);
      const k = keyOf(c, pool);
      let g = known.get(k);
      if (!g) known.set(k, (g = { cluster: c, pool, nodes: new Set() }));
      g.nodes.add(row.name);
    }
  }
  const groupOf = (cluster: string, node: string) =>
    keyOf(cluster, q.pool === undefined ? undefined : (poolOf.get(`${cluster}\u0000${node}`) ?? ''));

  const [perNode, open, flapping, longest] = await Promise.all([
    history.outagesByNode(q.fromMs, q.toMs, clusters),
    history.open(clusters, UNHEALTHY_MAX * 4),
    history.flapping(now - DAY_MS, q.flapThreshold, clusters, FLAPPING_MAX),
    history.longest(q.fromMs, q.toMs, now, clusters, LONGEST_MAX),
  ]);

  const unhealthyBy = new Map<string, UnhealthyNode>();
  for (const r of open) {
    if (r.kind === 'Cordoned') continue;
    const k = `${r.cluster}\u0000${r.node}`;
    const u = unhealthyBy.get(k);
    if (u) u.kinds.push(r.kind as HealthKind);
    else if (unhealthyBy.size < UNHEALTHY_MAX)
      unhealthyBy.set(k, {
        cluster: r.cluster,
        node: r.node,
        kinds: [r.kind as HealthKind],
        since: r.started_at,
      });
  }

  const out: FleetHealth = {
    from: new Date(q.fromMs).toISOString(),
    to: new Date(q.toMs).toISOString(),
    unhealthy: [...unhealthyBy.values()],
    flapping: flapping.map((f) => ({ ...f, unhealthy: unhealthyBy.has(`${f.cluster}\u0000${f.node}`) })),
    flapThreshold: q.flapThreshold,
    longestOutages: longest.map((r) => toInterval(r, now)),
    groups: groupStats(perNode.rows, known, groupOf, q.toMs - q.fromMs),
    truncated: perNode.truncated,
  };
  if (q.pool !== undefined) out.pool = q.pool;
  return out;
}
