// A maintenance plan's course with a fake clock over a simulated cluster: the plan pauses itself after K
// failed nodes, when a recovery gate stays closed past its timeout, and when the guard refuses a cordon; it
// moves on once resumed; and a plan whose server stopped carries on after a restart at the step each node was
// at, on SQLite and on PostgreSQL, without draining a node again.
import { afterEach, describe, expect, it } from 'vitest';
import { auditLogFor } from '../../src/audit/index.js';
import type { KubeClient } from '../../src/kube/client.js';
import {
  createOperations,
  type Clock,
  type Job,
  type OperationsServices,
} from '../../src/operations/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import {
  admin,
  memoryStore,
  pod,
  readyNode,
  simFixture,
  until,
  type Fixture,
} from '../operations/fixtures.js';
import { reportSkippedDialects, testDialects, type TestDatabase } from '../store/databases.js';

/** Virtual time that moves only when something waits on it: each sleep advances it by its own length. */
function fakeClock(): Clock & { elapsedMs(): number } {
  const start = Date.parse('2026-03-01T00:00:00Z');
  let t = start;
  return {
    now: () => t,
    setTimeout(fn, ms) {
      t += ms;
      return setTimeout(fn, 1);
    },
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    elapsedMs: () => t - start,
  };
}

const STS = '/apis/apps/v1/namespaces/shop/statefulsets/db';

/** The simulator's client, except that the StatefulSet "db" reads as the test says. */
function withStatefulSet(c: KubeClient, ready: () => number): KubeClient {
  return new Proxy(c, {
    get(target, k, recv) {
      if (k === 'request')
        return async (o: { path: string }) =>
          o.path === STS
            ? {
                metadata: { name: 'db', namespace: 'shop', generation: 1 },
                spec: { replicas: 3 },
                status: { readyReplicas: ready(), observedGeneration: 1 },
              }
            : target.request(o as never);
      const v = Reflect.get(target, k, recv) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

interface World {
  f: Fixture;
  clock: ReturnType<typeof fakeClock>;
  ready: { db: number };
}

async function world(nodes = 4): Promise<World> {
  const f = await simFixture();
  for (let i = 0; i < nodes; i++) f.sim.state.createNode(readyNode(`m-${i}`, { labels: { pool: 'm' } }));
  return { f, clock: fakeClock(), ready: { db: 3 } };
}

function services(w: World, store: Store, guard = 0, instanceId?: string): OperationsServices {
  const client = withStatefulSet(w.f.client, () => w.ready.db);
  return createOperations({
    db: store.db,
    dialect: store.dialect,
    clients: { client: (c) => (c === 'c1' ? client : undefined) },
    nodes: w.f.nodes,
    config: { guardMinSchedulable: guard },
    audit: auditLogFor(store.db),
    clock: w.clock,
    instanceId,
  });
}

const plan = (extra: Record<string, unknown> = {}) => ({
  targets: [{ cluster: 'c1', selector: 'pool=m' }],
  maxUnavailable: 1,
  drain: { timeoutSeconds: 600 },
  ...extra,
});

async function start(s: OperationsServices, body: Record<string, unknown>): Promise<string> {
  const r = await s.maintenance.create(admin, body);
  if (!('job' in r)) throw new Error('expected a started plan');
  return r.job.id;
}

const stepOf = (j: Job, name: string) => j.maintenance?.nodes.find((n) => n.name === name)?.step;
const unschedulable = (w: World, n: string) =>
  (w.f.sim.state.getNode(n) as { spec?: { unschedulable?: boolean } }).spec?.unschedulable === true;
const evictions = (w: World) => w.f.sim.requestCount({ verb: 'create', resource: 'pods/eviction' });

describe('stop rules', () => {
  let w: World | undefined;
  let store: Store | undefined;
  let dispose: (() => void) | undefined;
  let s: OperationsServices | undefined;
  afterEach(async () => {
    await s?.jobs.shutdown();
    await store?.close();
    dispose?.();
    await w?.f.close();
    w = store = s = dispose = undefined;
  });

  async function setUp(guard = 0) {
    w = await world();
    ({ store, dispose } = await memoryStore());
    s = services(w, store, guard);
    await s.jobs.start();
    return { w, s };
  }

  it('a gate closed past its timeout pauses the plan with what it waits for; resumed, the plan moves on', async () => {
    const { w, s } = await setUp();
    w.f.sim.state.createPod(
      pod({ ns: 'shop', name: 'db-0', node: 'm-0', owner: { kind: 'StatefulSet', name: 'db' } }),
    );
    w.ready.db = 2;
    const id = await start(s, plan({ gateTimeoutSeconds: 60 }));
    const paused = await until(
      async () => {
        const j = await s.maintenance.get(admin, id);
        return j.maintenance?.paused ? j : undefined;
      },
      20_000,
      'the plan to pause',
    );
    expect(paused.maintenance!.pauseReason).toContain('still closed after 60 s');
    expect(paused.maintenance!.pauseReason).toContain('StatefulSet shop/db 2/3 ready');
    expect(stepOf(paused, 'm-0')).toBe('gate');
    expect(stepOf(paused, 'm-1')).toBe('pending');
    expect(w.clock.elapsedMs()).toBeGreaterThanOrEqual(60_000);
    expect(unschedulable(w, 'm-1')).toBe(false);

    w.ready.db = 3;
    await s.maintenance.resume(admin, id);
    const done = await until(
      async () => {
        const j = await s.maintenance.get(admin, id);
        return j.status === 'succeeded' ? j : undefined;
      },
      20_000,
      'the plan to finish',
    );
    expect(done.maintenance!.nodes.every((n) => n.step === 'done')).toBe(true);
  });

  it('pauses after maxFailedNodes failed nodes and starts no further node', async () => {
    const { w, s } = await setUp();
    // A pod no controller manages blocks a drain without force: the node fails.
    w.f.sim.state.createPod(pod({ ns: 'shop', name: 'bare', node: 'm-1' }));
    const id = await start(s, plan({ maxFailedNodes: 1 }));
    const paused = await until(
      async () => {
        const j = await s.maintenance.get(admin, id);
        return j.maintenance?.paused ? j : undefined;
      },
      20_000,
      'the plan to pause',
    );
    expect(paused.maintenance!.pauseReason).toBe('1 node(s) failed (the plan pauses at 1)');
    expect(stepOf(paused, 'm-0')).toBe('done');
    expect(stepOf(paused, 'm-1')).toBe('failed');
    expect(stepOf(paused, 'm-2')).toBe('pending');
    expect(paused.nodes.find((n) => n.name === 'm-1')).toMatchObject({ status: 'failed' });
    expect(unschedulable(w, 'm-2')).toBe(false);
  });

  it('an abort stops the plan: the held node stays cordoned, nodes not started are cancelled untouched', async () => {
    const { w, s } = await setUp();
    const id = await start(s, plan({ hold: { mode: 'operator' } }));
    await until(async () => stepOf(await s.maintenance.get(admin, id), 'm-0') === 'hold', 20_000, 'm-0 held');
    await s.maintenance.abort(admin, id);
    const done = await until(
      async () => {
        const j = await s.maintenance.get(admin, id);
        return j.status === 'cancelled' ? j : undefined;
      },
      20_000,
      'the plan to be cancelled',
    );
    expect(stepOf(done, 'm-0')).toBe('cancelled');
    expect(done.nodes.map((n) => n.status)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    expect(done.nodes[0]!.message).toBe('cancelled at hold; the node stays cordoned');
    expect(unschedulable(w, 'm-0')).toBe(true);
    expect(['m-1', 'm-2', 'm-3'].some((n) => unschedulable(w, n))).toBe(false);
    await expect(s.maintenance.pause(admin, id)).rejects.toMatchObject({ status: 409 });
  });

  it('the guard refusing a cordon pauses the plan before that node is touched', async () => {
    const { w, s } = await setUp(0.9);
    const id = await start(s, plan());
    const paused = await until(
      async () => {
        const j = await s.maintenance.get(admin, id);
        return j.maintenance?.paused ? j : undefined;
      },
      20_000,
      'the plan to pause',
    );
    expect(paused.maintenance!.pauseReason).toMatch(/^guard: .*refused/);
    expect(stepOf(paused, 'm-0')).toBe('cordon');
    expect(unschedulable(w, 'm-0')).toBe(false);
  });
});

describe.each(testDialects())('a plan on a $name store after a restart', (dialect) => {
  reportSkippedDialects();
  let w: World | undefined;
  let database: TestDatabase | undefined;
  const stores: Store[] = [];
  const running: OperationsServices[] = [];
  afterEach(async () => {
    for (const s of running.splice(0)) await s.jobs.shutdown();
    for (const s of stores.splice(0)) await s.close();
    await database?.drop();
    await w?.f.close();
    w = database = undefined;
  });

  async function server(name: string): Promise<OperationsServices> {
    database ??= await dialect.create();
    const store = await openStore(database.cfg);
    stores.push(store);
    const s = services(w!, store, 0, name);
    running.push(s);
    await s.jobs.start();
    return s;
  }

  it('carries on at the step each node was at and does not drain a node again', async () => {
    w = await world(3);
    for (const n of ['m-0', 'm-1', 'm-2'])
      w.f.sim.state.createPod(
        pod({ ns: 'shop', name: `db-${n}`, node: n, owner: { kind: 'StatefulSet', name: 'db' } }),
      );
    const a = await server('first');
    const id = await start(a, plan({ hold: { mode: 'operator' } }));
    await until(async () => stepOf(await a.maintenance.get(admin, id), 'm-0') === 'hold', 20_000, 'm-0 held');
    const drained = evictions(w);
    expect(drained).toBe(1);
    // Graceful stop: the plan is left for the next start, not declared interrupted.
    await a.jobs.shutdown();
    running.splice(running.indexOf(a), 1);

    const b = await server('second');
    if (dialect.name === 'postgres')
      await until(async () => (await b.jobs.sweep()) === 1, 10_000, 'adoption');
    const resumed = await until(
      async () => {
        const j = await b.maintenance.get(admin, id);
        return b.jobs.runs(id) && j.status === 'running' ? j : undefined;
      },
      10_000,
      'the plan to run again',
    );
    expect(stepOf(resumed, 'm-0')).toBe('hold');
    expect(resumed.events?.[0]).toMatchObject({ type: 'adopted', by: 'second', from: 'first' });
    expect(evictions(w)).toBe(drained);
    expect(unschedulable(w, 'm-0')).toBe(true);

    await b.maintenance.markDone(admin, id, 'c1', 'm-0');
    await until(async () => stepOf(await b.maintenance.get(admin, id), 'm-1') === 'hold', 20_000, 'm-1 held');
    await b.maintenance.markDone(admin, id, 'c1', 'm-1');
    await until(async () => stepOf(await b.maintenance.get(admin, id), 'm-2') === 'hold', 20_000, 'm-2 held');
    await b.maintenance.markDone(admin, id, 'c1', 'm-2');
    const done = await until(
      async () => {
        const j = await b.maintenance.get(admin, id);
        return j.status === 'succeeded' ? j : undefined;
      },
      20_000,
      'the plan to finish',
    );
    expect(done.maintenance!.nodes.map((n) => n.step)).toEqual(['done', 'done', 'done']);
    expect(evictions(w)).toBe(3);
    expect(['m-0', 'm-1', 'm-2'].some((n) => unschedulable(w!, n))).toBe(false);
  });
});
