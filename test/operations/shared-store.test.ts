// Several server processes on one store (PostgreSQL replicas; here also two connections to one SQLite file):
// a job running on one process must hold back what another process accepts — the same node is not drained
// twice, and the safety guard counts the nodes the other process's cordons and drains are still taking out —
// until its owner stops heartbeating. Job progress is held still by a PodDisruptionBudget (drains) or by a
// latch on the cordon write (cordons), never by sleeping.
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import {
  JobRunner,
  NodeOperations,
  systemClock,
  type Clock,
  type Job,
  type KubeNode,
} from '../../src/operations/index.js';
import { reportSkippedDialects, testDialects, type TestDatabase } from '../store/databases.js';
import { admin, operator, pod, runner, simFixture, until, type Fixture } from './fixtures.js';

reportSkippedDialects();

const STALE_AFTER_MS = 30_000;

/** A clock the test sets by hand: heartbeats and staleness move only when the test says so. */
function handClock(f: Fixture, start: number): { clock: Clock; set(ms: number): void } {
  let t = start;
  return {
    clock: { now: () => t, setTimeout: f.clock.setTimeout, clearTimeout: f.clock.clearTimeout },
    set(ms) {
      t = ms;
    },
  };
}

/** Node operations whose cordon writes wait until the test releases them. */
function heldCordons(ops: NodeOperations): { ops: NodeOperations; entered(): number; release(): void } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let entered = 0;
  const held = new Proxy(ops, {
    get(target, prop) {
      if (prop === 'cordon')
        return async (...args: Parameters<NodeOperations['cordon']>) => {
          entered++;
          await gate;
          return target.cordon(...args);
        };
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { ops: held, entered: () => entered, release };
}

describe.each(testDialects())('jobs of several processes on one $name store', (dialect) => {
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

  /** Two processes, each with its own connection to the same database. */
  async function twoProcesses(
    fx: Fixture,
    a: Parameters<typeof runner>[2] = {},
    b: Parameters<typeof runner>[2] = {},
  ): Promise<[JobRunner, JobRunner]> {
    database = await dialect.create();
    const out: JobRunner[] = [];
    for (const extra of [a, b]) {
      const store = await openStore(database.cfg);
      stores.push(store);
      // Real time for staleness: on the fixture's 1000× clock a job's heartbeat would go stale in 30 ms.
      const r = runner(fx, store, {
        sharedStore: true,
        heartbeatMs: 3_600_000,
        clock: systemClock,
        ...extra,
      });
      runners.push(r);
      await r.start();
      out.push(r);
    }
    return [out[0]!, out[1]!];
  }

  function stuckDrainOn(fx: Fixture, node: string) {
    fx.sim.state.createPod(
      pod({
        ns: 'd',
        name: 'db-0',
        node,
        owner: { kind: 'StatefulSet', name: 'db' },
        labels: { app: 'db' },
      }),
    );
    fx.sim.state.createPdb({
      metadata: { name: 'db', namespace: 'd' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } },
    });
  }

  const evictionTried = (fx: Fixture) =>
    until(
      () => fx.sim.requestCount({ verb: 'create', resource: 'pods/eviction' }) >= 1,
      10_000,
      'the drain to reach the pod its budget protects',
    );
  const unschedulable = (fx: Fixture, name: string) =>
    (fx.sim.state.getNode(name) as unknown as KubeNode).spec?.unschedulable === true;
  const finished = async (r: JobRunner, job: Job) => {
    await r.waitFor(job.id);
    return r.get(admin, job.id);
  };
  const drainBody = (...nodes: string[]) => ({
    operation: 'drain',
    targets: [{ cluster: 'c1', nodes }],
    params: {},
  });
  const cordonBody = (...nodes: string[]) => ({
    operation: 'cordon',
    targets: [{ cluster: 'c1', nodes }],
    params: {},
  });

  it('a node being drained by one process cannot be drained from another (409 naming the job)', async () => {
    const fx = (f = await simFixture({ nodes: 10 }));
    stuckDrainOn(fx, 'node-0000');
    const [a, b] = await twoProcesses(fx);
    const job = await a.submit(operator, drainBody('node-0000'));
    await evictionTried(fx);

    const err = await b.submit(admin, { ...drainBody('node-0000'), override: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      status: 409,
      code: 'Conflict',
      message: expect.stringContaining(`already being drained by job ${job.id}`),
      details: { job: job.id },
    });
    expect((await b.list(admin)).items.map((j) => j.id)).toEqual([job.id]);

    // Only the node in use is refused: another one drains from the second process.
    const other = await b.submit(operator, drainBody('node-0001'));
    expect(await finished(b, other)).toMatchObject({ status: 'succeeded', counts: { ok: 1 } });
  });

  it("a cordon job in progress on one process counts toward another process's guard", async () => {
    const fx = (f = await simFixture({ nodes: 10 }));
    const held = heldCordons(fx.ops);
    const [a, b] = await twoProcesses(fx, { ops: held.ops });
    // Three nodes, one at a time, held on the first: none is cordoned yet, all three are still to come.
    const job = await a.submit(operator, {
      ...cordonBody('node-0000', 'node-0001', 'node-0002'),
      concurrency: 1,
    });
    await until(() => held.entered() === 1, 10_000, 'the first cordon to start');

    // Alone, one more cordon would leave 9 of 10 schedulable; with a's three it would leave 6, below 70%.
    await expect(b.submit(operator, cordonBody('node-0005'))).rejects.toMatchObject({
      status: 409,
      code: 'GuardRefused',
      details: { cluster: 'c1', readyNodes: 10, schedulableNow: 10, schedulableAfter: 6, takenOut: 1 },
    });
    // A single-node cordon on that process is held to the same count.
    const single = new NodeOperations({
      clients: fx.clients,
      nodes: fx.nodes,
      guardMinSchedulable: 0.7,
      clock: fx.clock,
      reservedByJobs: (cluster) => b.reserved(cluster),
    });
    await expect(single.cordon(operator, 'c1', 'node-0005', {})).rejects.toMatchObject({
      code: 'GuardRefused',
    });
    expect(unschedulable(fx, 'node-0005')).toBe(false);
    expect((await b.list(admin)).items.map((j) => j.id)).toEqual([job.id]);

    const overridden = await b.submit(admin, { ...cordonBody('node-0005'), override: true });
    expect(await finished(b, overridden)).toMatchObject({ status: 'succeeded', counts: { ok: 1 } });
    expect(unschedulable(fx, 'node-0005')).toBe(true);

    held.release();
    expect(await finished(a, job)).toMatchObject({ status: 'succeeded', counts: { ok: 3 } });
  });

  it('a job whose process stopped heartbeating no longer holds anything back once its heartbeat is stale', async () => {
    const fx = (f = await simFixture({ nodes: 10 }));
    stuckDrainOn(fx, 'node-0000');
    const t0 = Date.now();
    const clockB = handClock(fx, t0);
    const [a, b] = await twoProcesses(
      fx,
      { clock: handClock(fx, t0).clock },
      { clock: clockB.clock, staleAfterMs: STALE_AFTER_MS },
    );
    const job = await a.submit(operator, {
      ...drainBody('node-0000', 'node-0001', 'node-0002'),
      concurrency: 1,
    });
    await evictionTried(fx);
    // The process dies: its last heartbeat stays at t0.
    a.abandon();

    clockB.set(t0 + STALE_AFTER_MS - 1);
    await expect(b.submit(operator, drainBody('node-0001'))).rejects.toMatchObject({
      status: 409,
      details: { job: job.id },
    });
    await expect(b.submit(operator, cordonBody('node-0005'))).rejects.toMatchObject({
      code: 'GuardRefused',
      details: { schedulableNow: 9, schedulableAfter: 6 },
    });

    clockB.set(t0 + STALE_AFTER_MS);
    const drain = await b.submit(operator, drainBody('node-0001'));
    expect(await finished(b, drain)).toMatchObject({ status: 'succeeded' });
    const cordon = await b.submit(operator, cordonBody('node-0005'));
    expect(await finished(b, cordon)).toMatchObject({ status: 'succeeded' });
    // Nobody has swept the abandoned job yet: it stopped counting by its heartbeat alone.
    expect((await b.get(admin, job.id)).status).toBe('running');
  });
});
