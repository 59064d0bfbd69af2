import { describe, expect, it } from 'vitest';
import type { NodeRow, ServerMessage } from '../api/types';
import { compileFilter, emptyFilter } from '../nodes/filter';
import { createNodeView } from './nodeView';
import { FLASH_MS, NodeStore, type ChangeBatch } from './nodeStore';
import { nodeRow } from '../testing/nodeRow';

const node = (cluster: string, name: string, over: Partial<NodeRow> = {}) =>
  nodeRow(cluster, name, { uid: `${cluster}-${name}`, ...over });

function setup() {
  let now = 1000;
  const versions: Record<string, number> = {};
  const store = new NodeStore({
    schedule: () => undefined, // tests flush explicitly
    now: () => now,
    onVersion: (c, v) => (versions[c] = v),
  });
  const batches: ChangeBatch[] = [];
  store.onChange((b) => batches.push(b));
  const send = (...msgs: ServerMessage[]) => {
    for (const m of msgs) store.enqueue(m);
    store.flush();
  };
  return { store, batches, send, versions, advance: (ms: number) => (now += ms) };
}

describe('NodeStore', () => {
  it('replaces a cluster on snapshot and keeps unchanged row objects', () => {
    const { store, send, versions } = setup();
    const a = node('c1', 'a');
    send({ type: 'snapshot', cluster: 'c1', version: 5, items: [a, node('c1', 'b')] });
    expect([...store.rows.keys()]).toEqual(['c1/a', 'c1/b']);
    expect(versions.c1).toBe(5);
    send({ type: 'snapshot', cluster: 'c1', version: 9, items: [node('c1', 'a')] });
    expect([...store.rows.keys()]).toEqual(['c1/a']);
    expect(store.rows.get('c1/a')).toBe(a);
  });

  it('drops a cluster’s rows when the server ends its subscription, after what was queued before, and takes a later snapshot', () => {
    const { store, send, batches } = setup();
    send(
      { type: 'snapshot', cluster: 'c1', version: 1, items: [node('c1', 'a')] },
      { type: 'snapshot', cluster: 'c2', version: 1, items: [node('c2', 'x')] },
    );
    batches.length = 0;
    send(
      { type: 'node.added', cluster: 'c1', version: 2, name: 'b', node: node('c1', 'b') },
      { type: 'error', cluster: 'c1', message: 'cluster "c1" refused: needs list on nodes' },
    );
    expect([...store.rows.keys()]).toEqual(['c2/x']);
    expect(batches.at(-1)?.structural).toBe(true);
    // Access granted again: the new subscription's snapshot starts the cluster afresh (versions restart).
    send({ type: 'snapshot', cluster: 'c1', version: 1, items: [node('c1', 'a')] });
    expect([...store.rows.keys()].sort()).toEqual(['c1/a', 'c2/x']);
  });

  it('applies updates in place, reports what changed, and ignores replays of older versions', () => {
    const { store, send, batches } = setup();
    send({ type: 'snapshot', cluster: 'c1', version: 1, items: [node('c1', 'a')] });
    batches.length = 0;
    const cordoned = node('c1', 'a', { resourceVersion: '2', schedulable: false, unschedulable: true });
    send({
      type: 'node.updated',
      cluster: 'c1',
      name: 'a',
      version: 2,
      changed: ['schedulable'],
      node: cordoned,
    });
    expect(store.rows.get('c1/a')?.schedulable).toBe(false);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.structural).toBe(false);
    expect([...batches[0]!.updated.keys()]).toEqual(['c1/a']);
    expect(store.isFlashing('c1/a')).toBe(true);

    // A resumed stream may repeat a message already applied.
    send({ type: 'node.updated', cluster: 'c1', name: 'a', version: 2, node: node('c1', 'a') });
    expect(store.rows.get('c1/a')?.schedulable).toBe(false);
  });

  it('adds, deletes and updates pod counts', () => {
    const { store, send, batches } = setup();
    send({ type: 'snapshot', cluster: 'c1', version: 1, items: [node('c1', 'a')] });
    send({ type: 'node.added', cluster: 'c1', name: 'b', version: 2, node: node('c1', 'b') });
    expect(store.rows.has('c1/b')).toBe(true);
    send({ type: 'node.podCount', cluster: 'c1', name: 'a', version: 3, podCount: 42 });
    expect(store.rows.get('c1/a')?.podCount).toBe(42);
    expect(batches.at(-1)!.structural).toBe(false);
    send({ type: 'node.deleted', cluster: 'c1', name: 'b', version: 4 });
    expect(store.rows.has('c1/b')).toBe(false);
    expect(batches.at(-1)!.structural).toBe(true);
  });

  it('does not let a REST answer overwrite a cluster already fed by the socket', () => {
    const { store, send } = setup();
    send({ type: 'snapshot', cluster: 'c1', version: 3, items: [node('c1', 'a', { resourceVersion: '7' })] });
    store.loadList([node('c1', 'a', { resourceVersion: '5' }), node('c2', 'x')], ['c1', 'c2']);
    expect(store.rows.get('c1/a')?.resourceVersion).toBe('7');
    expect(store.rows.has('c2/x')).toBe(true);
  });

  it('shows our own write at once unless the socket already has a newer one', () => {
    const { store, send } = setup();
    send({
      type: 'snapshot',
      cluster: 'c1',
      version: 1,
      items: [node('c1', 'a', { resourceVersion: '10' })],
    });
    store.applyLocal(node('c1', 'a', { resourceVersion: '9', schedulable: false }));
    expect(store.rows.get('c1/a')?.schedulable).toBe(true);
    store.applyLocal(node('c1', 'a', { resourceVersion: '11', schedulable: false }));
    expect(store.rows.get('c1/a')?.schedulable).toBe(false);
  });

  it('ends the highlight after its time', () => {
    const { store, send, advance } = setup();
    send({ type: 'snapshot', cluster: 'c1', version: 1, items: [node('c1', 'a')] });
    send({
      type: 'node.updated',
      cluster: 'c1',
      name: 'a',
      version: 2,
      node: node('c1', 'a', { resourceVersion: '2' }),
    });
    advance(FLASH_MS - 1);
    expect(store.expireFlashes()).toEqual([]);
    advance(2);
    expect(store.expireFlashes()).toEqual(['c1/a']);
    expect(store.isFlashing('c1/a')).toBe(false);
  });
});

describe('node view', () => {
  function fixture() {
    const s = setup();
    const items = Array.from({ length: 50 }, (_, i) =>
      node('c1', `n${String(i).padStart(2, '0')}`, { podCount: i }),
    );
    s.send({ type: 'snapshot', cluster: 'c1', version: 1, items });
    const view = createNodeView(s.store, {
      filter: compileFilter(emptyFilter()),
      sort: { key: 'name', desc: false },
    });
    return { ...s, view };
  }

  it('patches only the changed row when its place in the order stays', () => {
    const { view, send } = fixture();
    const before = view.rows.value;
    const updated = node('c1', 'n07', { resourceVersion: '2', labels: { team: 'x' }, podCount: 7 });
    send({ type: 'node.updated', cluster: 'c1', name: 'n07', version: 2, node: updated });
    const after = view.rows.value;
    expect(after).not.toBe(before);
    expect(after[7]).toBe(updated);
    const changed = after.filter((r, i) => r !== before[i]);
    expect(changed).toEqual([updated]);
  });

  it('re-sorts when the sort key changes and re-filters when a row stops matching', () => {
    const { view, send } = fixture();
    view.setSort({ key: 'pods', desc: true });
    expect(view.rows.value[0]!.name).toBe('n49');
    send({ type: 'node.podCount', cluster: 'c1', name: 'n00', version: 2, podCount: 100 });
    expect(view.rows.value[0]!.name).toBe('n00');

    view.setFilter(compileFilter({ ...emptyFilter(), schedulable: 'true' }));
    expect(view.rows.value).toHaveLength(50);
    send({
      type: 'node.updated',
      cluster: 'c1',
      name: 'n03',
      version: 3,
      node: node('c1', 'n03', { resourceVersion: '3', schedulable: false, unschedulable: true }),
    });
    expect(view.rows.value).toHaveLength(49);
    expect(view.rows.value.some((r) => r.name === 'n03')).toBe(false);
    expect(view.scopeTotal.value).toBe(50);
  });

  it('does not redraw the table for changes to rows that are not rendered, yet shows them when scrolled to', () => {
    const { view, send } = fixture();
    view.setRendered(0, 9);
    const before = view.rows.value;
    send({ type: 'node.podCount', cluster: 'c1', name: 'n30', version: 2, podCount: 99 });
    expect(view.rows.value).toBe(before); // no new array: nothing re-renders
    expect(view.rows.value[30]!.podCount).toBe(99); // but the row the table will read later is current
    send({ type: 'node.podCount', cluster: 'c1', name: 'n05', version: 3, podCount: 98 });
    expect(view.rows.value).not.toBe(before);
    expect(view.rows.value[5]!.podCount).toBe(98);
  });

  it('limits rows to the clusters in scope', () => {
    const { view, send } = fixture();
    send({ type: 'snapshot', cluster: 'c2', version: 1, items: [node('c2', 'other')] });
    expect(view.rows.value).toHaveLength(51);
    view.setScope(new Set(['c2']));
    expect(view.rows.value.map((r) => r.name)).toEqual(['other']);
  });
});
