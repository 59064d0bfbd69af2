// A 5,000-node snapshot must not hold the page in one task: the store takes it in slices and the view sorts it
// in runs, each step a task of its own, while what the user sees stays consistent (no half-applied snapshot,
// messages after the snapshot applied after it, a newer order superseding one still being computed).
import { describe, expect, it } from 'vitest';
import type { NodeRow, ServerMessage } from '../api/types';
import { compareRows, compileFilter, emptyFilter } from '../nodes/filter';
import { APPLY_SLICE, NodeStore, type ChangeBatch } from './nodeStore';
import { createNodeView, SORT_RUN } from './nodeView';
import { nodeRow } from '../testing/nodeRow';

const node = (name: string, over: Partial<NodeRow> = {}) => nodeRow('c1', name, over);

/** Tasks the code under test asked for, run one at a time by the test. */
function taskQueue() {
  const tasks: (() => void)[] = [];
  return {
    slice: (fn: () => void) => void tasks.push(fn),
    get pending() {
      return tasks.length;
    },
    runOne() {
      tasks.shift()!();
    },
    runAll() {
      let n = 0;
      while (tasks.length) {
        tasks.shift()!();
        n++;
      }
      return n;
    },
  };
}

const many = (n: number, over: (i: number) => Partial<NodeRow> = () => ({})) =>
  Array.from({ length: n }, (_, i) => node(`n-${(i * 7919) % n}`, over(i)));

describe('a large snapshot', () => {
  it('is taken in over several tasks, told to listeners once, with later messages applied after it', () => {
    const q = taskQueue();
    const store = new NodeStore({ schedule: () => undefined, now: () => 0, slice: q.slice });
    const batches: ChangeBatch[] = [];
    store.onChange((b) => batches.push(b));
    store.loadList([node('first-page-row')], []);
    batches.length = 0;

    const items = many(5000);
    store.enqueue({ type: 'snapshot', cluster: 'c1', version: 10, items } as ServerMessage);
    store.enqueue({
      type: 'node.updated',
      cluster: 'c1',
      name: 'n-3',
      version: 11,
      changed: ['labels'],
      node: node('n-3', { resourceVersion: '2', labels: { team: 'a' } }),
    } as ServerMessage);
    store.flush();

    // One slice in, nobody told, the update waits, the row from the first page still there.
    expect(store.busy).toBe(true);
    expect(batches).toHaveLength(0);
    expect(store.rows.size).toBe(APPLY_SLICE + 1);
    expect(store.version('c1')).toBeUndefined();

    const tasks = q.runAll();
    expect(tasks).toBeGreaterThanOrEqual(Math.ceil(5000 / APPLY_SLICE) - 1);
    expect(store.busy).toBe(false);
    expect(store.rows.size).toBe(5000);
    expect(store.rows.has('c1/first-page-row')).toBe(false);
    expect(batches[0]!.structural).toBe(true);
    // The update came after the snapshot and is applied after it.
    expect(store.rows.get('c1/n-3')!.labels).toEqual({ team: 'a' });
    expect(store.version('c1')).toBe(11);
  });

  it('stops when its cluster leaves the screen, and a clear forgets it', () => {
    const q = taskQueue();
    const store = new NodeStore({ schedule: () => undefined, now: () => 0, slice: q.slice });
    store.enqueue({ type: 'snapshot', cluster: 'c1', version: 1, items: many(2000) } as ServerMessage);
    store.flush();
    expect(store.busy).toBe(true);
    store.dropClustersExcept(new Set(['other']));
    q.runAll();
    expect(store.rows.size).toBe(0);
    expect(store.version('c1')).toBeUndefined();
  });
});

describe('the view of a large list', () => {
  it('keeps the previous order on screen until the new one is complete, then shows it whole', () => {
    const q = taskQueue();
    const store = new NodeStore({ schedule: () => undefined, now: () => 0 });
    store.enqueue({
      type: 'snapshot',
      cluster: 'c1',
      version: 1,
      items: many(3500, (i) => ({ podCount: (i * 31) % 97 })),
    } as ServerMessage);
    store.flush();
    const view = createNodeView(store, { filter: compileFilter(emptyFilter()), sort: null }, q.slice);
    q.runAll();
    const byName = view.rows.value;
    expect(byName).toHaveLength(3500);
    expect(byName[0]!.name).toBe('n-0');

    const sort = { key: 'pods', desc: true } as const;
    view.setSort(sort);
    expect(view.sorting).toBe(true);
    expect(view.rows.value).toBe(byName);
    expect(q.pending).toBe(1);
    // Runs of SORT_RUN rows, then pairwise merges: more than one task, each bounded.
    expect(q.runAll()).toBeGreaterThanOrEqual(Math.ceil(3500 / SORT_RUN));
    expect(view.sorting).toBe(false);
    const sorted = [...store.rows.values()].sort((a, b) => compareRows(a, b, sort));
    expect(view.rows.value.map((r) => r.key)).toEqual(sorted.map((r) => r.key));
  });

  it('starts again when the rows change while an order is being computed', () => {
    const q = taskQueue();
    const store = new NodeStore({ schedule: () => undefined, now: () => 0 });
    const send = (m: ServerMessage) => {
      store.enqueue(m);
      store.flush();
    };
    send({ type: 'snapshot', cluster: 'c1', version: 1, items: many(2500) } as ServerMessage);
    const view = createNodeView(store, { filter: compileFilter(emptyFilter()), sort: null }, q.slice);
    q.runOne();
    send({
      type: 'node.added',
      cluster: 'c1',
      name: 'a-new',
      version: 2,
      node: node('a-new'),
    } as ServerMessage);
    q.runAll();
    expect(view.rows.value).toHaveLength(2501);
    expect(view.rows.value[0]!.name).toBe('a-new');
  });

  it('finishes an order under way while rows change in place every frame, and shows those changes', () => {
    const q = taskQueue();
    const store = new NodeStore({ schedule: () => undefined, now: () => 0 });
    const send = (m: ServerMessage) => {
      store.enqueue(m);
      store.flush();
    };
    send({ type: 'snapshot', cluster: 'c1', version: 1, items: many(2500) } as ServerMessage);
    const view = createNodeView(store, { filter: compileFilter(emptyFilter()), sort: null }, q.slice);
    let version = 2;
    // A busy cluster: one node's labels change between every two steps of the sort.
    while (view.sorting) {
      q.runOne();
      const labels = { step: String(version) };
      send({
        type: 'node.updated',
        cluster: 'c1',
        name: 'n-0',
        version: version++,
        changed: ['labels'],
        node: node('n-0', { resourceVersion: String(version), labels }),
      } as ServerMessage);
      expect(version).toBeLessThan(200);
    }
    q.runAll();
    expect(view.rows.value).toHaveLength(2500);
    expect(view.rows.value[0]!.labels).toEqual({ step: String(version - 1) });
  });

  it('says how many the server matched while only a first page is shown, until the full order is on screen', () => {
    const q = taskQueue();
    const store = new NodeStore({ schedule: () => undefined, now: () => 0, slice: q.slice });
    const view = createNodeView(store, { filter: compileFilter(emptyFilter()), sort: null }, q.slice);
    store.loadList(many(100), []);
    view.setPartial(5000);
    expect(view.rows.value).toHaveLength(100);
    store.enqueue({ type: 'snapshot', cluster: 'c1', version: 1, items: many(5000) } as ServerMessage);
    store.flush();
    while (store.busy) q.runOne();
    // The rows are in; the order holding them is still being computed: the count stays the server's.
    view.setPartial(null);
    expect(view.sorting).toBe(true);
    expect(view.partialTotal.value).toBe(5000);
    q.runAll();
    expect(view.partialTotal.value).toBeNull();
    expect(view.rows.value).toHaveLength(5000);
  });
});
