// Usage moves in the live store: a row whose only change is its resource shares takes the new values without
// lighting up as changed, and a snapshot with new shares replaces a row even when its version is the same.
import { describe, expect, it } from 'vitest';
import type { NodeRow } from '../api/types';
import { NodeStore } from './nodeStore';

const node = (over: Partial<NodeRow> = {}): NodeRow => ({
  cluster: 'c1',
  name: 'a',
  uid: 'u',
  resourceVersion: '1',
  status: 'Ready',
  schedulable: true,
  unschedulable: false,
  roles: [],
  labels: {},
  taints: [],
  capacity: {},
  allocatable: {},
  podCount: 3,
  createdAt: '2024-01-01T00:00:00Z',
  conditions: [],
  cpuUsed: 0.2,
  ...over,
});

function setup() {
  const store = new NodeStore({ schedule: () => undefined, now: () => 1000 });
  store.enqueue({ type: 'snapshot', cluster: 'c1', version: 1, items: [node()] });
  store.flush();
  return store;
}

describe('NodeStore and resource shares', () => {
  it('takes a usage move without flashing the row; a label change still flashes', () => {
    const store = setup();
    store.enqueue({
      type: 'node.updated',
      cluster: 'c1',
      name: 'a',
      version: 2,
      changed: ['resources'],
      node: node({ cpuUsed: 0.5 }),
    });
    store.flush();
    expect(store.rows.get('c1/a')!.cpuUsed).toBe(0.5);
    expect(store.flashCount).toBe(0);
    store.enqueue({
      type: 'node.updated',
      cluster: 'c1',
      name: 'a',
      version: 3,
      changed: ['labels', 'resources'],
      node: node({ resourceVersion: '2', labels: { x: 'y' } }),
    });
    store.flush();
    expect(store.flashCount).toBe(1);
  });

  it('a snapshot with new shares replaces the row even at the same resourceVersion', () => {
    const store = setup();
    store.enqueue({ type: 'snapshot', cluster: 'c1', version: 7, items: [node({ cpuUsed: 0.9 })] });
    store.flush();
    expect(store.rows.get('c1/a')!.cpuUsed).toBe(0.9);
  });

  it('merges a nodes.resources message (live values only) into its rows without flashing', () => {
    const store = setup();
    const live = (name: string, cpuUsed: number) => ({
      name,
      podCount: 5,
      cpuUsed,
      memUsed: 0.4,
      cpuRequested: 0.5,
      memRequested: 0.3,
      cpuLimits: 1,
      memLimits: 0.6,
    });
    store.enqueue({ type: 'snapshot', cluster: 'c1', version: 1, items: [node({}), node({ name: 'b' })] });
    store.flush();
    store.enqueue({
      type: 'nodes.resources',
      cluster: 'c1',
      version: 2,
      // a node the console does not hold is skipped, not added
      items: [live('a', 0.7), live('gone', 0.1), live('b', 0.2)],
    });
    store.flush();
    expect(store.rows.get('c1/a')).toMatchObject({
      podCount: 5,
      cpuUsed: 0.7,
      memLimits: 0.6,
      resourceVersion: '1',
    });
    expect(store.rows.get('c1/b')).toMatchObject({ cpuUsed: 0.2 });
    expect(store.rows.has('c1/gone')).toBe(false);
    expect(store.flashCount).toBe(0);
    // an older version (a replay already applied) changes nothing
    store.enqueue({ type: 'nodes.resources', cluster: 'c1', version: 2, items: [live('a', 0.9)] });
    store.flush();
    expect(store.rows.get('c1/a')!.cpuUsed).toBe(0.7);
  });
});
