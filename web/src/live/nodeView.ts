/**
 * The ordered, filtered list the node table shows, kept current from NodeStore batches. A batch that only
 * changes rows already in the list (and keeps their place in the order) is patched in place. If none of the
 * patched rows is rendered (the table reports its rendered range), the array is changed silently: the table
 * is not re-rendered at all, and reads the new objects when those rows scroll into view. Otherwise the table
 * gets a new array with the same row objects except the changed ones, so only those rows re-render. Anything
 * else re-filters and re-sorts. At thousands of rows that took 50–100 ms on a busy machine, so with a `slice`
 * scheduler a large list is sorted in runs of SORT_RUN rows, one task each, and the runs merged pairwise a task
 * per merge; the table keeps the previous order until the new one is complete (added or removed rows start it
 * again; rows changed in place meanwhile are patched in once it is shown).
 *
 * Until the live rows are in, the view may show a first page read from the API (`setPartial`): the table shows
 * what the store holds (those rows), and the count says how many the server found.
 */
import { shallowRef, type ShallowRef } from 'vue';
import type { NodeRow } from '../api/types';
import { compareRows, sortValue, type CompiledFilter, type Sort } from '../nodes/filter';
import { nodeKey } from '../nodes/format';
import type { ChangeBatch, NodeStore } from './nodeStore';

/** Rows sorted in one task; larger lists are sorted in runs of this size when the view can slice. */
export const SORT_RUN = 500;

export interface NodeView {
  rows: ShallowRef<NodeRow[]>;
  /** Rows in scope before filtering (for "n of m"). */
  scopeTotal: ShallowRef<number>;
  /** While only a first page is shown: how many rows the server matched (null once the rows are all in). */
  partialTotal: ShallowRef<number | null>;
  setPartial(matched: number | null): void;
  /** An order is being computed in slices; `rows` still holds the previous one. */
  readonly sorting: boolean;
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
  /** Runs the next step of a large sort in a new task; without it every sort is done at once. */
  slice?: (fn: () => void) => void,
): NodeView {
  const rows = shallowRef<NodeRow[]>([]);
  const scopeTotal = shallowRef(0);
  const partialTotal = shallowRef<number | null>(null);
  /** Bumped by every recompute, so a sliced one still under way knows it was superseded. */
  let generation = 0;
  let sorting = false;
  /** Batches that arrived while an order was being computed, applied once it is shown. */
  let missed: ChangeBatch[] = [];
  /** The rows are all in, but the order that includes them is still being computed. */
  let clearPartial = false;
  let scope: Set<string> | null = null;
  let filter = initial.filter;
  let sort = initial.sort;
  let index = new Map<string, number>();
  let rendered: [number, number] | null = null;
  const isRendered = (i: number) => rendered === null || (i >= rendered[0] && i <= rendered[1]);

  const inScope = (n: NodeRow) => scope === null || scope.has(n.cluster);

  function recompute(): void {
    const g = ++generation;
    missed = [];
    const out: NodeRow[] = [];
    let total = 0;
    for (const n of store.rows.values()) {
      if (!inScope(n)) continue;
      total++;
      if (filter.match(n)) out.push(n);
    }
    const s = sort ?? { key: 'name', desc: false };
    const cmp = (a: NodeRow, b: NodeRow) => compareRows(a, b, s);
    if (!slice || out.length <= SORT_RUN) {
      sorting = false;
      return show(out.sort(cmp), total);
    }
    sorting = true;
    const runs: NodeRow[][] = [];
    let next = 0;
    const step = () => {
      if (g !== generation) return;
      if (next < out.length) {
        runs.push(out.slice(next, next + SORT_RUN).sort(cmp));
        next += SORT_RUN;
      } else if (runs.length > 1) {
        runs.push(merge(runs.shift()!, runs.shift()!, cmp));
      } else {
        sorting = false;
        return show(runs[0] ?? [], total);
      }
      slice(step);
    };
    step();
  }

  function show(out: NodeRow[], total: number): void {
    if (clearPartial) {
      clearPartial = false;
      partialTotal.value = null;
    }
    index = new Map(out.map((n, i) => [nodeKey(n.cluster, n.name), i]));
    scopeTotal.value = total;
    rows.value = out;
    const late = missed;
    missed = [];
    for (const b of late) onBatch(b);
  }

  function onBatch(b: ChangeBatch): void {
    if (b.structural) return recompute();
    // Rows changed in place while an order is being computed are patched in once it is shown: starting over
    // at every batch would never finish while a busy cluster changes a node each frame.
    if (sorting) return void missed.push(b);
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
    partialTotal,
    setPartial(matched) {
      // "All rows in" shows with the order that holds them, not with the first page's rows still on screen.
      if (matched === null && sorting && partialTotal.value !== null) clearPartial = true;
      else {
        clearPartial = false;
        partialTotal.value = matched;
      }
    },
    get sorting() {
      return sorting;
    },
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

/** The two sorted runs as one sorted list (stable: on ties, `a`'s row first). */
function merge(a: NodeRow[], b: NodeRow[], cmp: (x: NodeRow, y: NodeRow) => number): NodeRow[] {
  const out = new Array<NodeRow>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = cmp(b[j]!, a[i]!) < 0 ? b[j++]! : a[i++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

function bothNaN(a: NodeRow, b: NodeRow, key: Sort['key']): boolean {
  const va = sortValue(a, key);
  const vb = sortValue(b, key);
  return typeof va === 'number' && typeof vb === 'number' && Number.isNaN(va) && Number.isNaN(vb);
}
