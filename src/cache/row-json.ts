/**
 * NodeRows as JSON text, fast. Serialising 5,000 rows (~11 MB) per full list or snapshot would dominate
 * their cost, so each record's row is serialised once — without the three fields that change without the
 * row's content changing (cluster, resourceVersion, podCount) — and reused until the record changes
 * significantly. Fragments live in a WeakMap keyed by the record, so a replaced or removed record takes its
 * fragment with it; heartbeat-only updates carry the fragment over to the new record (see carryRowJson).
 */
import { toRow } from './node-row.js';
import type { NodeRecord } from './types.js';

const fragments = new WeakMap<NodeRecord, string>();

function fragment(rec: NodeRecord): string {
  let f = fragments.get(rec);
  if (f === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { cluster, resourceVersion, podCount, ...rest } = toRow('', rec, null);
    f = JSON.stringify(rest);
    fragments.set(rec, f);
  }
  return f;
}

/** The row of `rec` as JSON (same content as JSON.stringify(toRow(...)), keys in another order). */
export function rowJson(clusterJson: string, rec: NodeRecord, podCount: number | null): string {
  const f = fragment(rec);
  return `{"cluster":${clusterJson},"resourceVersion":${JSON.stringify(rec.resourceVersion)},"podCount":${podCount === null ? 'null' : podCount},${f.slice(1)}`;
}

/** `next` shows exactly what `prev` showed (the classifier found no change): reuse its fragment. */
export function carryRowJson(prev: NodeRecord, next: NodeRecord): void {
  const f = fragments.get(prev);
  if (f !== undefined) fragments.set(next, f);
}

/** A JSON array of rows. */
export function rowsJson(
  rows: Iterable<{ cluster: string; rec: NodeRecord; podCount: number | null }>,
): string {
  const parts: string[] = [];
  let lastCluster: string | undefined;
  let cj = '';
  for (const r of rows) {
    if (r.cluster !== lastCluster) {
      lastCluster = r.cluster;
      cj = JSON.stringify(r.cluster);
    }
    parts.push(rowJson(cj, r.rec, r.podCount));
  }
  return `[${parts.join(',')}]`;
}
