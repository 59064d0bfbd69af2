/** Per-cluster counts for the fleet overview, from cached rows only (never the Kubernetes API). */
import { underPressure } from '../cache/condition-filter.js';
import type { NodeRow } from '../cache/types.js';
import type { ClusterOverview } from './types.js';

export function countNodes(rows: readonly NodeRow[]): NonNullable<ClusterOverview['nodes']> {
  const c = { total: rows.length, ready: 0, notReady: 0, unknown: 0, cordoned: 0, underPressure: 0 };
  for (const r of rows) {
    if (r.status === 'Ready') c.ready++;
    else if (r.status === 'NotReady') c.notReady++;
    else c.unknown++;
    if (r.unschedulable) c.cordoned++;
    if (underPressure(r.conditions)) c.underPressure++;
  }
  return c;
}

/** Running jobs per cluster; a job spanning clusters counts once in each. */
export function runningJobsByCluster(jobs: readonly { targets: readonly { cluster: string }[] }[]) {
  const out = new Map<string, number>();
  for (const j of jobs)
    for (const c of new Set(j.targets.map((t) => t.cluster))) out.set(c, (out.get(c) ?? 0) + 1);
  return out;
}
