// Health history on every store dialect: transitions recorded once with two recorders (the leader's only), a
// replica taking over continues the same intervals, cordons keep who and why, durations/MTTR/availability/
// flapping arithmetic on a fake clock, the retention purge, and a 5,000-node burst written in bounded chunks.
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { createLogger } from '../../src/log/logger.js';
import type { NodeCondition, NodeRow } from '../../src/cache/types.js';
import { createNodeHealth, fleetHealth, type NodeHealthService } from '../../src/health/index.js';
import { UPSERT_CHUNK } from '../../src/health/history.js';
import type { HealthTransition } from '../../src/health/types.js';
import { reportSkippedDialects, testDialects, type TestDatabase } from '../store/databases.js';

reportSkippedDialects();

const log = createLogger(process.env.HEALTH_TEST_LOG ? 'debug' : 'silent');
const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** The cache as the recorder sees it: rows per cluster, change and synced events. */
class FakeCache extends EventEmitter {
  readonly nodes = new Map<string, Map<string, NodeRow>>();
  clusters(): string[] {
    return [...this.nodes.keys()];
  }
  row(cluster: string, name: string): NodeRow | undefined {
    return this.nodes.get(cluster)?.get(name);
  }
  rows(cluster: string): NodeRow[] | undefined {
    const m = this.nodes.get(cluster);
    return m ? [...m.values()] : undefined;
  }
  put(cluster: string, row: NodeRow, announce = true): void {
    let m = this.nodes.get(cluster);
    if (!m) this.nodes.set(cluster, (m = new Map()));
    const had = m.has(row.name);
    m.set(row.name, row);
    if (announce)
      this.emit(
        'change',
        had
          ? {
              kind: 'updated',
              cluster,
              name: row.name,
              changed: ['status', 'conditions', 'schedulable', 'cordon'],
            }
          : { kind: 'added', cluster, name: row.name },
      );
  }
  remove(cluster: string, name: string): void {
    this.nodes.get(cluster)?.delete(name);
    this.emit('change', { kind: 'deleted', cluster, name });
  }
}

class FakeLeader {
  private fns: ((l: boolean) => void)[] = [];
  constructor(public isLeader: boolean) {}
  onChange(fn: (l: boolean) => void): void {
    this.fns.push(fn);
  }
  set(l: boolean): void {
    this.isLeader = l;
    for (const f of this.fns) f(l);
  }
}

function node(
  name: string,
  ready: 'True' | 'False' | 'Unknown',
  at: number,
  extra: { conditions?: NodeCondition[]; cordon?: NodeRow['cordon']; labels?: Record<string, string> } = {},
): NodeRow {
  return {
    cluster: 'c1',
    name,
    uid: `uid-${name}`,
    resourceVersion: '1',
    status: ready === 'True' ? 'Ready' : ready === 'False' ? 'NotReady' : 'Unknown',
    schedulable: !extra.cordon,
    unschedulable: !!extra.cordon,
    cordon: extra.cordon,
    roles: [],
    labels: extra.labels ?? {},
    taints: [],
    capacity: {},
    allocatable: {},
    podCount: null,
    createdAt: new Date(T0 - DAY).toISOString(),
    conditions: [
      {
        type: 'Ready',
        status: ready,
        reason: ready === 'True' ? 'KubeletReady' : 'KubeletNotReady',
        lastTransitionTime: new Date(at).toISOString(),
      },
      ...(extra.conditions ?? []),
    ],
  } as NodeRow;
}

describe.each(testDialects())('health history on $name', (dialect) => {
  const dbs: TestDatabase[] = [];
  const stores: Store[] = [];
  const services: NodeHealthService[] = [];
  afterEach(async () => {
    for (const h of services.splice(0)) await h.recorder.stop();
    for (const s of stores.splice(0)) await s.close();
    for (const d of dbs.splice(0)) await d.drop();
  });

  let now = T0;
  async function setup() {
    now = T0;
    const d = await dialect.create();
    dbs.push(d);
    const store = await openStore(d.cfg);
    stores.push(store);
    return store;
  }
  function recorder(
    store: Store,
    cache: FakeCache,
    leader: FakeLeader,
    onTransition?: (t: HealthTransition) => void,
  ) {
    const h = createNodeHealth({
      db: store.db,
      source: cache,
      leader,
      log,
      retentionDays: 30,
      now: () => now,
      flushMs: 60_000,
      onTransition,
    });
    services.push(h);
    h.recorder.start();
    return h;
  }
  const all = (store: Store) =>
    store.db
      .selectFrom('node_health')
      .selectAll()
      .orderBy('node')
      .orderBy('kind')
      .orderBy('started_ms')
      .execute();

  it('records a flap once with two recorders: only the leader writes, and durations come from the node', async () => {
    const store = await setup();
    // Every replica watches every cluster and sees the same changes.
    const cacheA = new FakeCache();
    const cacheB = new FakeCache();
    for (const c of [cacheA, cacheB]) c.put('c1', node('n1', 'True', T0 - HOUR), false);
    const leaderA = new FakeLeader(true);
    const leaderB = new FakeLeader(false);
    const seen: HealthTransition[] = [];
    const a = recorder(store, cacheA, leaderA, (t) => seen.push(t));
    const b = recorder(store, cacheB, leaderB, (t) => seen.push(t));
    await a.recorder.settle();

    now = T0 + 10 * MIN;
    for (const c of [cacheA, cacheB]) c.put('c1', node('n1', 'False', T0 + 10 * MIN - 5_000));
    now = T0 + 25 * MIN;
    for (const c of [cacheA, cacheB]) c.put('c1', node('n1', 'True', T0 + 25 * MIN - 1_000));
    await Promise.all([a.recorder.settle(), b.recorder.settle()]);

    const rows = await all(store);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      node: 'n1',
      kind: 'NotReady',
      status: 'False',
      started_at: new Date(T0 + 10 * MIN - 5_000).toISOString(),
      ended_at: new Date(T0 + 25 * MIN - 1_000).toISOString(),
    });
    expect(Number(rows[0]!.ended_ms) - Number(rows[0]!.started_ms)).toBe(15 * MIN + 4_000);
    // Listeners hear each change once, from the leader.
    expect(seen.map((t) => [t.kind, t.healthy])).toEqual([
      ['NotReady', false],
      ['NotReady', true],
    ]);

    // A follower alone records nothing.
    await store.db.deleteFrom('node_health').execute();
    leaderA.set(false);
    for (const c of [cacheA, cacheB]) c.put('c1', node('n1', 'False', T0 + 30 * MIN));
    await Promise.all([a.recorder.settle(), b.recorder.settle()]);
    expect(await all(store)).toEqual([]);
  });

  it('a replica taking over closes what recovered meanwhile and continues what is still open', async () => {
    const store = await setup();
    const cache = new FakeCache();
    cache.put('c1', node('n1', 'True', T0 - HOUR), false);
    cache.put('c1', node('n2', 'True', T0 - HOUR), false);
    const leaderA = new FakeLeader(true);
    const a = recorder(store, cache, leaderA);
    await a.recorder.settle();
    now = T0 + MIN;
    cache.put('c1', node('n1', 'False', T0 + MIN));
    cache.put('c1', node('n2', 'Unknown', T0 + MIN));
    await a.recorder.settle();
    // A stops (its intervals stay open); while nobody records n1 recovers, n2 stays down.
    await a.recorder.stop();
    cache.put('c1', node('n1', 'True', T0 + 3 * MIN), false);

    now = T0 + 5 * MIN;
    const b = recorder(store, cache, new FakeLeader(true));
    await b.recorder.settle();
    const rows = await all(store);
    expect(rows.map((r) => [r.node, r.kind, r.started_at, r.ended_at])).toEqual([
      ['n1', 'NotReady', new Date(T0 + MIN).toISOString(), new Date(T0 + 3 * MIN).toISOString()],
      ['n2', 'NotReady', new Date(T0 + MIN).toISOString(), null],
    ]);
    // Reconciling again (another sync) changes nothing: same keys, no duplicates.
    await b.recorder.reconcileAll();
    await b.recorder.settle();
    expect(await all(store)).toHaveLength(2);
    // A deleted node's open intervals end when it goes.
    now = T0 + 6 * MIN;
    cache.remove('c1', 'n2');
    await b.recorder.settle();
    expect((await all(store)).find((r) => r.node === 'n2')?.ended_at).toBe(
      new Date(T0 + 6 * MIN).toISOString(),
    );
  });

  it('keeps flaps within one second apart (Kubernetes times have one-second resolution)', async () => {
    const store = await setup();
    const cache = new FakeCache();
    cache.put('c1', node('n1', 'True', T0 - HOUR), false);
    const h = recorder(store, cache, new FakeLeader(true));
    await h.recorder.settle();
    for (let i = 0; i < 6; i++) {
      now = T0 + 100 * i;
      cache.put('c1', node('n1', i % 2 ? 'True' : 'False', T0));
    }
    await h.recorder.settle();
    const rows = await all(store);
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((r) => r.started_at)).size).toBe(3);
    expect(rows.every((r) => Number(r.ended_ms) >= Number(r.started_ms))).toBe(true);
  });

  it('records pressure, network and cordons with who and why, and the False → Unknown change in place', async () => {
    const store = await setup();
    const cache = new FakeCache();
    cache.put('c1', node('n1', 'True', T0 - HOUR), false);
    const h = recorder(store, cache, new FakeLeader(true));
    await h.recorder.settle();
    now = T0 + MIN;
    cache.put(
      'c1',
      node('n1', 'False', T0 + MIN, {
        conditions: [
          {
            type: 'MemoryPressure',
            status: 'True',
            reason: 'KubeletHasInsufficientMemory',
            lastTransitionTime: new Date(T0 + 30_000).toISOString(),
          },
          { type: 'DiskPressure', status: 'False', lastTransitionTime: new Date(T0).toISOString() },
          {
            type: 'NetworkUnavailable',
            status: 'True',
            lastTransitionTime: new Date(T0 + MIN).toISOString(),
          },
        ],
        cordon: { by: 'alice', reason: 'kernel upgrade', at: new Date(T0 + 50_000).toISOString() },
      }),
    );
    now = T0 + 2 * MIN;
    cache.put('c1', node('n1', 'Unknown', T0 + 2 * MIN));
    await h.recorder.settle();
    const rows = await all(store);
    const by = Object.fromEntries(rows.map((r) => [r.kind, r]));
    expect(Object.keys(by).sort()).toEqual(['Cordoned', 'MemoryPressure', 'NetworkUnavailable', 'NotReady']);
    expect(by.Cordoned).toMatchObject({
      actor: 'alice',
      reason: 'kernel upgrade',
      started_at: new Date(T0 + 50_000).toISOString(),
    });
    expect(by.MemoryPressure).toMatchObject({
      reason: 'KubeletHasInsufficientMemory',
      ended_at: new Date(T0 + 2 * MIN).toISOString(),
    });
    // One NotReady interval, now Unknown, still from its first start.
    expect(by.NotReady).toMatchObject({
      status: 'Unknown',
      started_at: new Date(T0 + MIN).toISOString(),
      ended_at: null,
    });
  });

  it('fleet view: MTTR, availability per cluster and pool, flapping, longest outages, unhealthy now', async () => {
    const store = await setup();
    const cache = new FakeCache();
    const pool = (p: string) => ({ labels: { 'node.kubernetes.io/instance-type': p } });
    cache.put('c1', node('a', 'True', T0 - DAY, pool('big')), false);
    cache.put('c1', node('b', 'True', T0 - DAY, pool('small')), false);
    cache.put('c1', node('c', 'True', T0 - DAY, pool('small')), false);
    cache.put('c1', node('d', 'True', T0 - DAY, pool('small')), false);
    const h = recorder(store, cache, new FakeLeader(true));
    await h.recorder.settle();
    const flip = (name: string, ready: 'True' | 'False', at: number, p: string) => {
      now = at;
      cache.put('c1', node(name, ready, at, pool(p)));
    };
    // a: down 1 h, then 3 h. b: flaps 3 times for 1 min each. c: down since T0+20h, still down.
    flip('a', 'False', T0 + HOUR, 'big');
    flip('a', 'True', T0 + 2 * HOUR, 'big');
    flip('a', 'False', T0 + 10 * HOUR, 'big');
    flip('a', 'True', T0 + 13 * HOUR, 'big');
    for (let i = 0; i < 3; i++) {
      flip('b', 'False', T0 + 18 * HOUR + i * 10 * MIN, 'small');
      flip('b', 'True', T0 + 18 * HOUR + i * 10 * MIN + MIN, 'small');
    }
    flip('c', 'False', T0 + 20 * HOUR, 'small');
    now = T0 + DAY;
    await h.recorder.settle();

    const fleet = (q: { pool?: string; flapThreshold?: number }) =>
      fleetHealth(
        { fromMs: T0, toMs: T0 + DAY, flapThreshold: q.flapThreshold ?? 3, pool: q.pool },
        { history: h.history, clusters: ['c1'], rows: (c) => cache.rows(c), now },
      );
    const f = await fleet({});
    const [c1] = f.groups;
    // Down: a 4 h, b 3 min, c 4 h (to the end of the period). 4 nodes × 24 h.
    expect(c1).toMatchObject({
      cluster: 'c1',
      nodes: 4,
      outages: 6,
      recovered: 5,
      downMs: 8 * HOUR + 3 * MIN,
    });
    expect(c1!.mttrMs).toBe((HOUR + 3 * HOUR + 3 * MIN) / 5);
    expect(c1!.availability).toBeCloseTo(1 - (8 * HOUR + 3 * MIN) / (4 * DAY), 10);
    expect(f.unhealthy).toEqual([
      { cluster: 'c1', node: 'c', kinds: ['NotReady'], since: new Date(T0 + 20 * HOUR).toISOString() },
    ]);
    expect(f.flapping).toEqual([
      { cluster: 'c1', node: 'b', transitions: 6, unhealthy: false },
      { cluster: 'c1', node: 'a', transitions: 4, unhealthy: false },
    ]);
    expect((await fleet({ flapThreshold: 5 })).flapping.map((x) => x.node)).toEqual(['b']);
    expect((await fleet({ flapThreshold: 7 })).flapping).toEqual([]);
    expect(f.longestOutages.map((o) => [o.node, o.durationMs, o.end === undefined])).toEqual([
      ['c', 4 * HOUR, true],
      ['a', 3 * HOUR, false],
      ['a', HOUR, false],
      ['b', MIN, false],
      ['b', MIN, false],
      ['b', MIN, false],
    ]);

    const byPool = await fleet({ pool: 'node.kubernetes.io/instance-type' });
    expect(byPool.groups.map((g) => [g.pool, g.nodes, g.downMs, g.mttrMs])).toEqual([
      ['big', 1, 4 * HOUR, 2 * HOUR],
      ['small', 3, 4 * HOUR + 3 * MIN, MIN],
    ]);
    expect(byPool.groups[0]!.availability).toBeCloseTo(1 - 4 / 24, 10);

    // A period that only catches the tail of a's second outage: clipped to the period, not counted as recovered.
    const tail = await fleetHealth(
      { fromMs: T0 + 12 * HOUR, toMs: T0 + 12 * HOUR + 30 * MIN, flapThreshold: 3 },
      { history: h.history, clusters: ['c1'], rows: (c) => cache.rows(c), now },
    );
    expect(tail.groups[0]).toMatchObject({ outages: 1, recovered: 0, downMs: 30 * MIN });
    expect(tail.groups[0]!.mttrMs).toBeUndefined();
  });

  it('retention purges intervals that ended before the cutoff and keeps open ones whatever their age', async () => {
    const store = await setup();
    const cache = new FakeCache();
    cache.put('c1', node('old', 'True', T0 - DAY), false);
    cache.put('c1', node('recent', 'True', T0 - DAY), false);
    cache.put('c1', node('stuck', 'True', T0 - DAY), false);
    const h = recorder(store, cache, new FakeLeader(true));
    await h.recorder.settle();
    for (const [name, at] of [
      ['old', T0],
      ['stuck', T0],
      ['recent', T0 + 40 * DAY],
    ] as const) {
      now = at;
      cache.put('c1', node(name, 'False', at));
    }
    now = T0 + HOUR;
    cache.put('c1', node('old', 'True', now));
    now = T0 + 40 * DAY + HOUR;
    cache.put('c1', node('recent', 'True', now));
    await h.recorder.settle();
    now = T0 + 45 * DAY;
    expect(await h.purge()).toBe(1);
    expect((await all(store)).map((r) => r.node)).toEqual(['recent', 'stuck']);
  });

  it('a 5,000-node burst is written in bounded chunks and lands completely', async () => {
    const store = await setup();
    const cache = new FakeCache();
    for (let i = 0; i < 5000; i++) cache.put('c1', node(`n${i}`, 'True', T0 - DAY), false);
    const h = recorder(store, cache, new FakeLeader(true));
    await h.recorder.settle();
    now = T0 + MIN;
    for (let i = 0; i < 5000; i++) cache.put('c1', node(`n${i}`, 'False', now));
    now = T0 + 2 * MIN;
    for (let i = 0; i < 5000; i++) cache.put('c1', node(`n${i}`, 'True', now));
    await h.recorder.settle();
    if (process.env.HEALTH_TEST_LOG) console.log(h.recorder.writer.stats, h.recorder.writer.size);
    const n = await store.db
      .selectFrom('node_health')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('ended_ms', 'is not', null)
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(5000);
    // Opens and closes of one interval merged in the queue: at most 5,000 rows per write round, in chunks.
    expect(h.recorder.writer.stats.written).toBeLessThanOrEqual(10_000);
    expect(h.recorder.writer.stats.flushes).toBeGreaterThan(1);
    expect(UPSERT_CHUNK).toBeLessThanOrEqual(500);
  });
});
