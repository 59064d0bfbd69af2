/**
 * The ordered, filtered list the node table shows, kept current from NodeStore batches. A batch that only
 * changes rows already in the list (and keeps their place in the order) is patched in place. If none of the
 * patched rows is rendered (the table reports its rendered range), the array is changed silently: the table
 * is not re-rendered at all, and reads the new objects when those rows scroll into view. Otherwise the table
 * gets a new array with the same row objects except the changed ones, so only those rows re-render. Anything
 * else re-filters and re-sorts, which costs a few milliseconds at 5,000 rows.
 */
import { shallowRef, type ShallowRef } from 'vue';
import type { NodeRow } from '../api/types';
import { compareRows, sortValue, type CompiledFilter, type Sort } from '../nodes/filter';
import { nodeKey } from '../nodes/format';
import type { ChangeBatch, NodeStore } from './nodeStore';

export interface NodeView {
  rows: ShallowRef<NodeRow[]>;
  /** Rows in scope before filtering (for "n of m"). */
  scopeTotal: ShallowRef<number>;
  setScope(clusters: Set<string> | null): void;
  setFilter(f: CompiledFilter): void;
  setSort(s: Sort | null): void;
  /** Re-render rows (e.g. to drop an expired highlight); with keys, only if one of them is rendered. */
  refresh(keys?: string[]): void;
  /** The index range the table currently renders (inclusive); unknown = everything counts as rendered. */
  setRendered(start: number, end: number): void;
  dispose(): void;
}

export function createNodeView(
  store: NodeStore,
  initial: { filter: CompiledFilter; sort: Sort | null },
): NodeView {
  const rows = shallowRef<NodeRow[]>([]);
  const scopeTotal = shallowRef(0);
  let scope: Set<string> | null = null;
  let filter = initial.filter;
  let sort = initial.sort;
  let index = new Map<string, number>();
  let rendered: [number, number] | null = null;
  const isRendered = (i: number) => rendered === null || (i >= rendered[0] && i <= rendered[1]);

  const inScope = (n: NodeRow) => scope === null || scope.has(n.cluster);

  function recompute(): void {
    const out: NodeRow[] = [];
    let total = 0;
    for (const n of store.rows.values()) {
      if (!inScope(n)) continue;
      total++;
      if (filter.match(n)) out.push(n);
    }
    if (sort) {
      const s = sort;
      out.sort((a, b) => compareRows(a, b, s));
    } else out.sort((a, b) => compareRows(a, b, { key: 'name', desc: false }));
    index = new Map(out.map((n, i) => [nodeKey(n.cluster, n.name), i]));
    scopeTotal.value = total;
    rows.value = out;
  }

  function onBatch(b: ChangeBatch): void {
    if (b.structural) return recompute();
    const patches: [number, NodeRow][] = [];
    for (const [key, { prev, next }] of b.updated) {
      if (!inScope(next)) continue;
      const i = index.get(key);
      const matches = filter.match(next);
      if (i === undefined) {
        if (matches) return recompute();
        continue;
      }
      if (!matches) return recompute();
      const sortKey = sort?.key ?? 'name';
      if (sortValue(prev, sortKey) !== sortValue(next, sortKey) && !bothNaN(prev, next, sortKey))
        return recompute();
      patches.push([i, next]);
    }
    if (!patches.length) return;
    if (!patches.some(([i]) => isRendered(i))) {
      // Off screen: update the rows where they are, without telling the table (nothing to redraw).
      const same = rows.value;
      for (const [i, n] of patches) same[i] = n;
      return;
    }
    const copy = rows.value.slice();
    for (const [i, n] of patches) copy[i] = n;
    rows.value = copy;
  }

  const off = store.onChange(onBatch);
  recompute();

  return {
    rows,
    scopeTotal,
    setScope(s) {
      scope = s;
      recompute();
    },
    setFilter(f) {
      filter = f;
      recompute();
    },
    setSort(s) {
      sort = s;
      recompute();
    },
    refresh(keys) {
      if (!keys) return recompute();
      // Same objects, new array: the table re-renders the visible rows and picks up highlight changes.
      if (keys.some((k) => index.has(k) && isRendered(index.get(k)!))) rows.value = rows.value.slice();
    },
    setRendered(start, end) {
      rendered = [start, end];
    },
    dispose: off,
  };
}

function bothNaN(a: NodeRow, b: NodeRow, key: Sort['key']): boolean {
  const va = sortValue(a, key);
  const vb = sortValue(b, key);
  return typeof va === 'number' && typeof vb === 'number' && Number.isNaN(va) && Number.isNaN(vb);
}
