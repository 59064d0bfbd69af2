/**
 * NodeRows as UTF-8 JSON, fast. Serialising and encoding 5,000 rows (~11 MB) per full list or snapshot would
 * dominate their cost, so each record's row is serialised and encoded once — without the three fields that
 * change without the row's content changing (cluster, resourceVersion, podCount) — and reused until the
 * record changes significantly; a list is then a concatenation of bytes. The live resource shares (cpuUsed …
 * memLimits) travel in the row's head with podCount. Fragments live in WeakMaps keyed by
 * the record, so a replaced or removed record takes its fragment with it. They cost about as much memory as
 * the record itself, so they are also aged out: two generations, rotated by `ageRowJson()` (the cache
 * manager calls it every minute), so a fragment unused for two rotations is dropped and an idle server holds
 * only the records.
 */
import { toRow } from './node-row.js';
import type { NodeRecord } from './types.js';
import { NO_SHARES } from '../usage/shares.js';
import type { NodeResourceShares } from '../usage/types.js';

let fragments = new WeakMap<NodeRecord, Buffer>();
let previous = new WeakMap<NodeRecord, Buffer>();

/** Start a new generation: fragments not used since the last rotation are released. */
export function ageRowJson(): void {
  previous = fragments;
  fragments = new WeakMap();
}

function fragment(rec: NodeRecord): Buffer {
  let f = fragments.get(rec);
  if (f !== undefined) return f;
  f = previous.get(rec);
  if (f === undefined) {
    /* eslint-disable @typescript-eslint/no-unused-vars */
    const {
      cluster,
      resourceVersion,
      podCount,
      cpuUsed,
      memUsed,
      cpuRequested,
      memRequested,
      cpuLimits,
      memLimits,
      ...rest
    } = toRow('', rec, null);
    /* eslint-enable @typescript-eslint/no-unused-vars */
    // Without its opening brace; its own allocation (a slice of Node's shared pool would pin the whole slab).
    const text = JSON.stringify(rest).slice(1);
    f = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
    f.write(text);
  }
  fragments.set(rec, f);
  return f;
}

const OPEN = Buffer.from('[');
const CLOSE = Buffer.from(']');

const num = (v: number | null): string => (v === null ? 'null' : String(v));

function head(
  clusterJson: string,
  rec: NodeRecord,
  podCount: number | null,
  s: NodeResourceShares = NO_SHARES,
): string {
  return `{"cluster":${clusterJson},"resourceVersion":${JSON.stringify(rec.resourceVersion)},"podCount":${num(podCount)},"cpuUsed":${num(s.cpuUsed)},"memUsed":${num(s.memUsed)},"cpuRequested":${num(s.cpuRequested)},"memRequested":${num(s.memRequested)},"cpuLimits":${num(s.cpuLimits)},"memLimits":${num(s.memLimits)},`;
}

/** The row of `rec` as JSON text (same content as JSON.stringify(toRow(...)), keys in another order). */
export function rowJson(
  clusterJson: string,
  rec: NodeRecord,
  podCount: number | null,
  shares?: NodeResourceShares,
): string {
  return head(clusterJson, rec, podCount, shares) + fragment(rec).toString('utf8');
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

/** Pieces of a JSON array of rows (for Buffer.concat or a vectored write). */
type RowParts = { cluster: string; rec: NodeRecord; podCount: number | null; shares?: NodeResourceShares };

export function rowsJsonParts(rows: Iterable<RowParts>): Buffer[] {
  const parts: Buffer[] = [OPEN];
  let lastCluster: string | undefined;
  let cj = '';
  // Row heads are tiny: encode them in batches rather than one Buffer each.
  let heads: string[] = [];
  let pending: Buffer[] = [];
  const flushHeads = () => {
    if (!heads.length) return;
    const joined = Buffer.from(heads.join(''));
    let off = 0;
    for (let i = 0; i < heads.length; i++) {
      const len = Buffer.byteLength(heads[i]!);
      parts.push(joined.subarray(off, off + len), pending[i]!);
      off += len;
    }
    heads = [];
    pending = [];
  };
  let first = true;
  for (const r of rows) {
    if (r.cluster !== lastCluster) {
      lastCluster = r.cluster;
      cj = JSON.stringify(r.cluster);
    }
    heads.push((first ? '' : ',') + head(cj, r.rec, r.podCount, r.shares));
    pending.push(fragment(r.rec));
    first = false;
    if (heads.length === 256) flushHeads();
  }
  flushHeads();
  parts.push(CLOSE);
  return parts;
}

/** A JSON array of rows, as UTF-8. */
export function rowsJson(rows: Iterable<RowParts>): Buffer {
  return Buffer.concat(rowsJsonParts(rows));
}
