// Concurrent admissions of cordon and drain work: two requests arriving together must not both pass the safety
// guard on the same free capacity, nor both drain one node — in one process, and on two processes sharing a
// PostgreSQL store. The race is forced, not hoped for: the first request is held inside its guard check until
// the second has either reached its own check (nothing serialises them) or is parked waiting for its turn.
// Guard reads come from memory, as from the live cache in production.
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/index.js';
import {
  NodeOperations,
  evaluateGuard,
  nodeReadyStatus,
  systemClock,
  type Job,
  type JobRunner,
  type KubeNode,
  type NodeSource,
} from '../../src/operations/index.js';
import { reportSkippedDialects, testDialects, type TestDatabase } from '../store/databases.js';
import { admin, memoryStore, operator, runner, simFixture, until, type Fixture } from './fixtures.js';

reportSkippedDialects();

interface RaceLatch {
  nodes: NodeSource;
  /** Resolves once the first request is held inside its guard check. */
  firstHeld: Promise<void>;
}

const NODES = Array.from({ length: 10 }, (_, i) => `node-${String(i).padStart(4, '0')}`);

/**
 * The simulated cluster's nodes read straight from its state, without a request: writes have gone through
 * the API server, so the state already holds them and there is nothing to apply locally.
 */
function memoryNodes(f: Fixture): NodeSource {
  const node = (name: string) => f.sim.state.getNode(name) as unknown as KubeNode | undefined;
  return {
    getNode(_cluster, name) {
      const n = node(name);
      return n && { name, status: nodeReadyStatus(n), unschedulable: n.spec?.unschedulable === true };
    },
    resolveSelector: () => [],
    readyStats() {
      const all = NODES.map(node).filter((n) => n && nodeReadyStatus(n) === 'Ready');
      return {
        ready: all.length,
        readySchedulable: all.filter((n) => n?.spec?.unschedulable !== true).length,
      };
    },
    applyLocalWrite: (_cluster, n) => ({ name: n.metadata.name }),
  };
}

/**
 * Holds the first guard check at its last read (readyStats) until the second request, which resolves
 * `secondLast` as the last of its targets, is either inside its own guard check or, by `parked`, known to
 * wait for its turn.
 */
function raceLatch(
  inner: NodeSource,
  secondLast: string,
  parked: (opened: () => boolean) => Promise<void>,
): RaceLatch {
  let opened = false;
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const openGate = () => {
    opened = true;
    open();
  };
  let held!: () => void;
  const firstHeld = new Promise<void>((r) => (held = r));
  let checks = 0;
  let watching = false;
  const nodes: NodeSource = {
    async getNode(cluster, name) {
      const n = await inner.getNode(cluster, name);
      if (checks > 0 && !watching && name === secondLast) {
        watching = true;
        void parked(() => opened).then(openGate);
      }
      return n;
    },
    resolveSelector: (cluster, selector) => inner.resolveSelector(cluster, selector),
    async readyStats(cluster) {
      if (++checks === 1) {
        held();
        await gate;
      } else openGate();
      return inner.readyStats(cluster);
    },
    applyLocalWrite: (cluster, node) => inner.applyLocalWrite(cluster, node),
  };
  return { nodes, firstHeld };
}

/**
 * In one process, with the guard reading memory and no shared store, the step from target resolution to the
 * guard check is promise continuations only: a request that has not reached its check once they have all run
 * (setImmediate comes after them) is waiting its turn.
 */
const parkedInProcess = () => new Promise<void>((r) => setImmediate(r));

function latchedOps(
  f: Fixture,
  latch: RaceLatch,
  extra: Partial<ConstructorParameters<typeof NodeOperations>[0]> = {},
) {
  return new NodeOperations({
    clients: f.clients,
    nodes: latch.nodes,
    guardMinSchedulable: 0.7,
    clock: f.clock,
    write: { baseBackoffMs: 10 },
    ...extra,
  });
}

const cordonBody = (...nodes: string[]) => ({
  operation: 'cordon',
  targets: [{ cluster: 'c1', nodes }],
  params: {},
});
const drainBody = (...nodes: string[]) => ({
  operation: 'drain',
  targets: [{ cluster: 'c1', nodes }],
  params: {},
});

async function finished(r: JobRunner, job: Job): Promise<Job> {
  await r.waitFor(job.id);
  return r.get(admin, job.id);
}

const unschedulable = (f: Fixture, name: string) =>
  (f.sim.state.getNode(name) as unknown as KubeNode).spec?.unschedulable === true;

/** The first of two settled requests accepted (its job), the second refused. */
function firstWins(results: PromiseSettledResult<Job>[]): Job {
  const [first, second] = results;
  if (first?.status !== 'fulfilled') throw first?.reason;
  expect(second?.status).toBe('rejected');
  return first.value;
}

describe('a guard check while a reserved node is being cordoned', () => {
  it('still counts a reserved node whose cordon lands in the middle of the check', async () => {
    // 10 Ready nodes; node-0009 is reserved by a running job whose cordon lands right after the check's
    // first read. Three targets plus it leave 6: below 70% however the reads interleave with the write.
    const cordoned = new Set<string>();
    let reads = 0;
    const after = <T>(value: T): T => {
      if (++reads === 1) cordoned.add('node-0009');
      return value;
    };
    const nodes: NodeSource = {
      getNode: (_c, name) => after({ name, status: 'Ready', unschedulable: cordoned.has(name) }),
      resolveSelector: () => [],
      readyStats: () => after({ ready: 10, readySchedulable: 10 - cordoned.size }),
      applyLocalWrite: () => undefined,
    };
    const { refused, details } = await evaluateGuard(
      nodes,
      'c1',
      ['node-0000', 'node-0001', 'node-0002'],
      0.7,
      new Set(['node-0009']),
    );
    expect(refused).toBe(true);
    expect(details.schedulableAfter).toBeLessThanOrEqual(6);
  });
});

describe('concurrent admissions in one process', () => {
  let f: Fixture | undefined;
  let store: Store | undefined;
  let dispose: (() => void) | undefined;
  const runners: JobRunner[] = [];

  afterEach(async () => {
    for (const r of runners.splice(0)) r.abandon();
    await f?.close();
    f = undefined;
    await store?.close();
    dispose?.();
  });

  async function setup(secondLast: string) {
    const fx = (f = await simFixture({ nodes: 10 }));
    ({ store, dispose } = await memoryStore());
    const latch = raceLatch(memoryNodes(fx), secondLast, parkedInProcess);
    // The runner and the guard refer to each other, as in createOperations.
    const ops = latchedOps(fx, latch, {
      reservedByJobs: (cluster) => r.reserved(cluster),
      admitGuarded: (cluster, names, decide) => r.admitSingle(cluster, names, decide),
    });
    const r: JobRunner = runner(fx, store, { ops });
    runners.push(r);
    return { fx, r, ops, latch };
  }

  it('two cordon jobs that fit alone but not together: the first is accepted, the second refused', async () => {
    const { fx, r, latch } = await setup('node-0003');
    const first = r.submit(operator, cordonBody('node-0000', 'node-0001'));
    await latch.firstHeld;
    const second = r.submit(operator, cordonBody('node-0002', 'node-0003'));
    const results = await Promise.allSettled([first, second]);

    const job = firstWins(results);
    // This request's two nodes and the first job's two are told apart (the console labels them so).
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({
      status: 409,
      code: 'GuardRefused',
      details: { readyNodes: 10, schedulableAfter: 6, takenOut: 2, reservedByJobs: 2 },
    });
    expect(await finished(r, job)).toMatchObject({ status: 'succeeded', counts: { ok: 2 } });
    expect(['node-0000', 'node-0001', 'node-0002', 'node-0003'].map((n) => unschedulable(fx, n))).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect((await r.list(admin)).items.map((j) => j.id)).toEqual([job.id]);
  });

  it('two drains of one node at once: one is accepted, the other answered 409 naming it', async () => {
    const { r, latch } = await setup('node-0004');
    const first = r.submit(operator, drainBody('node-0004'));
    await latch.firstHeld;
    const second = r.submit(admin, { ...drainBody('node-0004'), override: true });
    const results = await Promise.allSettled([first, second]);

    const job = firstWins(results);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({
      status: 409,
      code: 'Conflict',
      details: { job: job.id },
    });
    expect(await finished(r, job)).toMatchObject({ status: 'succeeded', counts: { ok: 1 } });
    expect((await r.list(admin)).items.map((j) => j.id)).toEqual([job.id]);
  });

  it('a single-node cordon and a cordon job at once do not both spend the same capacity', async () => {
    const { fx, r, ops, latch } = await setup('node-0002');
    const single = ops.cordon(operator, 'c1', 'node-0009', {});
    await latch.firstHeld;
    // Alone, the job leaves 7 of 10 schedulable (the minimum); with the single cordon, 6.
    const job = r.submit(operator, cordonBody('node-0000', 'node-0001', 'node-0002'));
    const [s, j] = await Promise.allSettled([single, job]);

    expect(s).toMatchObject({ status: 'fulfilled', value: { changed: true } });
    expect(j).toMatchObject({
      status: 'rejected',
      reason: { code: 'GuardRefused', details: { schedulableAfter: 6, takenOut: 3 } },
    });
    expect(unschedulable(fx, 'node-0009')).toBe(true);
    expect(['node-0000', 'node-0001', 'node-0002'].some((n) => unschedulable(fx, n))).toBe(false);
    expect((await r.list(admin)).items).toHaveLength(0);

    // Once the single cordon has landed its node counts as cordoned, no longer as reserved: a job that
    // fits next to it is accepted.
    const fits = await r.submit(operator, cordonBody('node-0000', 'node-0001'));
    expect(await finished(r, fits)).toMatchObject({ status: 'succeeded', counts: { ok: 2 } });
  });
});

const postgres = testDialects().find((d) => d.name === 'postgres');

describe.skipIf(!postgres)('concurrent admissions on two processes sharing PostgreSQL', () => {
  let f: Fixture | undefined;
  let database: TestDatabase | undefined;
  const stores: Store[] = [];
  const runners: JobRunner[] = [];

  afterEach(async () => {
    for (const r of runners.splice(0)) r.abandon();
    await f?.close();
    f = undefined;
    for (const s of stores.splice(0)) await s.close();
    await database?.drop();
    database = undefined;
  });

  /** Someone in this test's database is waiting for an advisory lock. */
  async function lockWaiter(db: Store['db']): Promise<boolean> {
    const { rows } = await sql<{ n: number }>`
      select count(*) as n from pg_locks l join pg_database d on d.oid = l.database
      where l.locktype = 'advisory' and not l.granted and d.datname = current_database()`.execute(db);
    return Number(rows[0]?.n) > 0;
  }

  async function twoProcesses(secondLast: string) {
    const fx = (f = await simFixture({ nodes: 10 }));
    database = await postgres!.create();
    for (let i = 0; i < 2; i++) stores.push(await openStore(database.cfg));
    const watcher = stores[0]!.db;
    const latch = raceLatch(memoryNodes(fx), secondLast, (opened) =>
      until(
        async () => opened() || (await lockWaiter(watcher)),
        10_000,
        'the second request to wait for its turn',
      ).then(() => undefined),
    );
    const ops = latchedOps(fx, latch);
    const [a, b] = stores.map((store) => {
      // Real time for staleness: on the fixture's 1000× clock a job's heartbeat would go stale in 30 ms.
      const r = runner(fx, store, {
        ops,
        sharedStore: true,
        dialect: 'postgres',
        heartbeatMs: 3_600_000,
        clock: systemClock,
      });
      runners.push(r);
      return r;
    });
    for (const r of [a!, b!]) await r.start();
    return { fx, a: a!, b: b!, latch };
  }

  it('cordon jobs on two processes that fit alone but not together: one accepted, one refused', async () => {
    const { fx, a, b, latch } = await twoProcesses('node-0003');
    const first = a.submit(operator, cordonBody('node-0000', 'node-0001'));
    await latch.firstHeld;
    const second = b.submit(operator, cordonBody('node-0002', 'node-0003'));
    const results = await Promise.allSettled([first, second]);

    const job = firstWins(results);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({
      code: 'GuardRefused',
      details: { readyNodes: 10, schedulableAfter: 6, takenOut: 2 },
    });
    expect(await finished(a, job)).toMatchObject({ status: 'succeeded', counts: { ok: 2 } });
    expect(unschedulable(fx, 'node-0002') || unschedulable(fx, 'node-0003')).toBe(false);
    expect((await b.list(admin)).items.map((j) => j.id)).toEqual([job.id]);
  });

  it('drains of one node on two processes at once: one accepted, the other answered 409', async () => {
    const { a, b, latch } = await twoProcesses('node-0004');
    const first = a.submit(operator, drainBody('node-0004'));
    await latch.firstHeld;
    const second = b.submit(operator, drainBody('node-0004'));
    const results = await Promise.allSettled([first, second]);

    const job = firstWins(results);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({
      status: 409,
      code: 'Conflict',
      details: { job: job.id },
    });
    expect(await finished(a, job)).toMatchObject({ status: 'succeeded' });
    expect((await b.list(admin)).items.map((j) => j.id)).toEqual([job.id]);
  });
});
