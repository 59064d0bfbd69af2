/**
 * NodeRows as JSON text, fast. Serialising 5,000 rows (~11 MB) per full list or snapshot would dominate
 * their cost, so each record's row is serialised once — without the three fields that change without the
 * row's content changing (cluster, resourceVersion, podCount) — and reused until the record changes
 * significantly. Fragments live in WeakMaps keyed by the record, so a replaced or removed record takes its
 * fragment with it. They cost about as much memory as the record itself, so they are also aged out: two
 * generations, rotated by `ageRowJson()` (the cache manager calls it every minute), so a fragment unused for
 * two rotations is dropped and an idle server holds only the records.
 */
import { toRow } from './node-row.js';
import type { NodeRecord } from './types.js';

let fragments = new WeakMap<NodeRecord, string>();
let previous = new WeakMap<NodeRecord, string>();

/** Start a new generation: fragments not used since the last rotation are released. */
export function ageRowJson(): void {
  previous = fragments;
  fragments = new WeakMap();
}

function fragment(rec: NodeRecord): string {
  let f = fragments.get(rec);
  if (f === undefined) f = previous.get(rec);
  if (f !== undefined) {
    fragments.set(rec, f);
  } else {
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

/** Whether a serialised row is held for `rec` (tests). */
export function hasRowJson(rec: NodeRecord): boolean {
  return fragments.has(rec) || previous.has(rec);
}

/** `next` shows exactly what `prev` showed (the classifier found no change): reuse its fragment. */
export function carryRowJson(prev: NodeRecord, next: NodeRecord): void {
  const f = fragments.get(prev) ?? previous.get(prev);
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
