import { afterEach, describe, expect, it } from 'vitest';
import { RealtimeHub } from '../../src/realtime/hub.js';
import { liveCacheServer } from '../support/live-cache-server.js';
import { log, setup } from '../cache/sim-helpers.js';
import { FakeClock, until } from '../informer/fake-client.js';
import { admin, restricted } from './fakes.js';
import { TestWs, type Msg } from './ws-client.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

/** The hub's coalescing window (its default). */
const WINDOW_MS = 50;

/** `clock` drives the hub's coalescing windows: with it, nothing leaves the hub until the test advances time. */
async function world(clock?: FakeClock) {
  const { sim, client, cache } = await setup({ nodes: 20, podsPerNode: 2 });
  cleanups.push(
    () => sim.close(),
    () => client.close(),
    () => cache.close(),
  );
  cache.startCluster('c1', client);
  await cache.waitForSync('c1', 10_000);
  await cache.waitForPodIndex('c1', 10_000);
  await until(() => sim.watchCount() === 2, 'watches open');
  const hub = new RealtimeHub({ source: cache, log, pingIntervalMs: 0, windowMs: WINDOW_MS, clock });
  const server = await liveCacheServer(cache, hub);
  cleanups.push(
    () => server.close(),
    () => hub.close(),
  );
  // a Ready, schedulable, untainted worker, so each edit below really changes something
  const worker = cache
    .rows('c1')!
    .find(
      (r) =>
        !r.roles.includes('control-plane') && r.schedulable && r.status === 'Ready' && r.taints.length === 0,
    )!.name;
  // Every node as the simulator holds it is what the cache holds: each watch event sent so far has reached the
  // cache, and with it (synchronously) the hub.
  const caughtUp = () =>
    [...sim.state.store('nodes').items.values()].every(
      (n) => cache.row('c1', n.metadata.name)?.resourceVersion === n.metadata.resourceVersion,
    );
  return { sim, cache, hub, url: server.url, worker, caughtUp };
}

const nodeMsgs = (ms: Msg[]) => ms.filter((m) => m.type.startsWith('node.') && m.type !== 'node.podCount');

describe('realtime over a real WebSocket, fed by the simulator', () => {
  it('heartbeats produce no messages; every significant change produces exactly one', async () => {
    const clock = new FakeClock();
    const { sim, cache, hub, url, worker, caughtUp } = await world(clock);
    const ws = await TestWs.open(url);
    cleanups.push(() => ws.close());
    ws.send({ type: 'subscribe', clusters: ['c1'] });
    const snap = await ws.next((m) => m.type === 'snapshot');
    expect((snap.items as unknown[]).length).toBe(20);
    const start = ws.messages.length;

    const before = cache.informerStats('c1')!.nodes.events.MODIFIED ?? 0;
    sim.startChurn({
      heartbeatsPerSecond: 400,
      readyFlapsPerMinute: 0,
      podChurnPerSecond: 0,
      labelChangesPerMinute: 0,
    });
    await until(
      () => (cache.informerStats('c1')!.nodes.events.MODIFIED ?? 0) - before >= 200,
      '200 heartbeats seen by the informer',
    );
    sim.stopChurn();
    await until(caughtUp, 'every heartbeat seen by the cache');
    // Whatever the heartbeats left waiting in the hub would go out now.
    await clock.advance(WINDOW_MS);
    await ws.barrier();
    expect(nodeMsgs(ws.messages.slice(start))).toEqual([]);
    expect(hub.version('c1')).toBe(snap.version);

    const edits: [string, (n: import('../../src/sim/index.js').NodeObject) => void, string[]][] = [
      ['labels', (n) => void (n.metadata.labels = { ...n.metadata.labels, team: 'red' }), ['labels']],
      [
        'taint',
        (n) => void (n.spec.taints = [...(n.spec.taints ?? []), { key: 'k', effect: 'NoSchedule' }]),
        ['taints'],
      ],
      ['cordon', (n) => void (n.spec.unschedulable = true), ['schedulable']],
      [
        'cordon reason',
        (n) =>
          void (n.metadata.annotations = { ...n.metadata.annotations, 'nodes.knm.io/cordon-reason': 'disk' }),
        ['cordon'],
      ],
      [
        'NotReady',
        (n) =>
          void (n.status.conditions = n.status.conditions!.map((c) =>
            c.type === 'Ready' ? { ...c, status: 'False', reason: 'KubeletNotReady' } : c,
          )),
        ['status', 'conditions'],
      ],
      ['capacity', (n) => void (n.status.capacity = { ...n.status.capacity, cpu: '999' }), ['capacity']],
    ];
    for (const [what, edit, changed] of edits) {
      const from = ws.messages.length;
      const version = hub.version('c1')!;
      sim.state.updateNode(worker, edit);
      await until(caughtUp, `${what} seen by the cache`);
      await clock.advance(WINDOW_MS);
      const m = await ws.next((x) => x.type === 'node.updated', from);
      expect(m, what).toMatchObject({ cluster: 'c1', name: worker, changed });
      // Exactly one message for the edit, and nothing left in the hub to follow it later.
      await ws.barrier();
      expect(nodeMsgs(ws.messages.slice(from)), what).toHaveLength(1);
      expect(hub.version('c1'), what).toBe(version + 1);
      expect(clock.timers.size, what).toBe(0);
    }
    const upd = nodeMsgs(ws.messages.slice(start)).at(-1)!;
    expect(upd.node).toMatchObject({
      schedulable: false,
      status: 'NotReady',
      cordon: { reason: 'disk' },
      labels: { team: 'red' },
    });
  });

  it('announces pod count changes and added/deleted nodes', async () => {
    const { sim, url, worker } = await world();
    const ws = await TestWs.open(url);
    cleanups.push(() => ws.close());
    ws.send({ type: 'subscribe', clusters: ['*'] });
    const snap = await ws.next((m) => m.type === 'snapshot');
    const before = (snap.items as { name: string; podCount: number | null }[]).find((r) => r.name === worker);
    expect(typeof before?.podCount).toBe('number');
    sim.state.createPod({
      metadata: { name: 'p-extra', namespace: 'default' },
      spec: { nodeName: worker, containers: [{ name: 'c', image: 'x' }] },
      status: { phase: 'Running' },
    });
    // The count travels alone (node.podCount) or, when the node's resource shares are announced in the same
    // flush, inside nodes.resources, whose items always carry it.
    type Live = { name: string; podCount: number | null };
    const countOf = (m: Record<string, unknown>): number | null | undefined =>
      m.type === 'node.podCount' && m.name === worker
        ? (m.podCount as number | null)
        : m.type === 'nodes.resources'
          ? (m.items as Live[]).find((i) => i.name === worker)?.podCount
          : undefined;
    const pc = await ws.next((m) => countOf(m) !== undefined);
    expect(countOf(pc)).toBe(before!.podCount! + 1);
    sim.state.createNode({
      metadata: { name: 'late-node' },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
    expect(await ws.next((m) => m.type === 'node.added')).toMatchObject({
      name: 'late-node',
      node: { status: 'Ready' },
    });
    sim.state.deleteNode('late-node');
    expect(await ws.next((m) => m.type === 'node.deleted')).toMatchObject({ name: 'late-node' });
    const versions = ws.messages
      .filter((m) => typeof m.version === 'number' && m.type !== 'snapshot')
      .map((m) => m.version as number);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
  });

  it('a reconnecting client resumes from the version it saw', async () => {
    const { sim, hub, url, worker } = await world();
    const ws1 = await TestWs.open(url);
    ws1.send({ type: 'subscribe', clusters: ['c1'] });
    const snap = await ws1.next((m) => m.type === 'snapshot');
    sim.state.updateNode(worker, (n) => void (n.metadata.labels = { ...n.metadata.labels, v: '1' }));
    const m1 = await ws1.next((m) => m.type === 'node.updated');
    ws1.close();
    await ws1.closedBy();
    sim.state.updateNode(worker, (n) => void (n.metadata.labels = { ...n.metadata.labels, v: '2' }));
    // The change has gone out (to no one) before the client comes back, so it can only reach it as a replay.
    await until(() => hub.version('c1') === (m1.version as number) + 1, 'the second edit sent');
    const ws2 = await TestWs.open(url);
    cleanups.push(() => ws2.close());
    ws2.send({ type: 'subscribe', clusters: ['c1'], since: { c1: m1.version } });
    const m2 = await ws2.next((m) => m.type === 'node.updated');
    expect(m2).toMatchObject({ version: (m1.version as number) + 1, node: { labels: { v: '2' } } });
    expect(ws2.messages.some((m) => m.type === 'snapshot')).toBe(false);
    expect(m1.version).toBe((snap.version as number) + 1);
  });

  it('restricted users only see their clusters', async () => {
    const { url } = await world();
    const ws = await TestWs.open(url, { 'x-test-user': JSON.stringify(restricted) });
    cleanups.push(() => ws.close());
    expect(await ws.next((m) => m.type === 'hello')).toMatchObject({
      user: { username: 'bob', clusters: ['a'] },
    });
    ws.send({ type: 'subscribe', clusters: ['c1'] });
    expect(await ws.next((m) => m.type === 'error')).toEqual({
      type: 'error',
      message: 'cluster "c1" not found',
    });
    ws.send({ type: 'subscribe', clusters: ['*'] });
    await ws.barrier();
    expect(ws.messages.some((m) => m.type === 'snapshot')).toBe(false);
    const adminWs = await TestWs.open(url, { 'x-test-user': JSON.stringify(admin) });
    cleanups.push(() => adminWs.close());
    adminWs.send({ type: 'subscribe', clusters: ['*'] });
    await adminWs.next((m) => m.type === 'snapshot');
  });
});
