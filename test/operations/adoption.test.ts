// A batch survives the death of the process running it: with a shared store, another process adopts the job
// once its owner's heartbeat is stale, keeps the results already recorded, applies the intent again on the
// nodes that were in flight or never started, and finishes it; the record shows the hand-over. Here the
// "processes" are JobRunners with their own connections to one database (SQLite file; PostgreSQL when
// KNM_TEST_DATABASE_URL is set); test/replicas runs real server processes. A death is `abandon()` (nothing
// more is written), progress is held by a latch on the node write, never by sleeping.
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { JobRunner, NodeOperations, systemClock, type KubeNode } from '../../src/operations/index.js';
import { reportSkippedDialects, testDialects, type TestDatabase } from '../store/databases.js';
import {
  RecordingAudit,
  RecordingPublisher,
  operator,
  runner,
  simFixture,
  until,
  type Fixture,
} from './fixtures.js';

reportSkippedDialects();

/** Node operations whose label writes on `node` wait until the test releases them. */
function heldLabels(ops: NodeOperations, node: string) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let entered = 0;
  let calls = 0;
  const held = new Proxy(ops, {
    get(target, prop) {
      if (prop === 'labels')
        return async (...args: Parameters<NodeOperations['labels']>) => {
          calls++;
          if (args[2] === node) {
            entered++;
            await gate;
          }
          return target.labels(...args);
        };
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { ops: held, entered: () => entered, calls: () => calls, release };
}

const NODES = ['node-0000', 'node-0001', 'node-0002', 'node-0003', 'node-0004', 'node-0005'];
const labelsBody = {
  operation: 'labels',
  targets: [{ cluster: 'c1', nodes: NODES }],
  params: { set: { pool: 'blue' } },
  concurrency: 1,
};

describe.each(testDialects())('jobs adopted on a $name store', (dialect) => {
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

  async function process(fx: Fixture, extra: Parameters<typeof runner>[2] = {}): Promise<JobRunner> {
    database ??= await dialect.create();
    const store = await openStore(database.cfg);
    stores.push(store);
    // Real time for heartbeats and staleness (the fixture's clock runs 1000× faster).
    const r = runner(fx, store, {
      sharedStore: true,
      heartbeatMs: 50,
      staleAfterMs: 400,
      clock: systemClock,
      ...extra,
    });
    runners.push(r);
    await r.start();
    return r;
  }

  const label = (fx: Fixture, name: string) =>
    (fx.sim.state.getNode(name) as unknown as KubeNode).metadata.labels?.pool;

  it('another process adopts a dead owner’s job, keeps what was done, redoes the rest and finishes it', async () => {
    const fx = (f = await simFixture({ nodes: 8 }));
    const held = heldLabels(fx.ops, 'node-0003');
    const audit = new RecordingAudit();
    const a = await process(fx, { ops: held.ops });
    const job = await a.submit(operator, labelsBody, { ip: '10.1.1.1', requestId: 'req-1' });
    await until(() => held.entered() === 1, 10_000, 'the fourth node to be in flight');
    a.abandon();
    // The write in flight on the dead owner goes through late: applying the intent again must not hurt.
    held.release();

    const published = new RecordingPublisher();
    const b = await process(fx, { audit, publisher: published });
    // While the heartbeat is fresh nothing is adopted.
    expect(await b.sweep()).toBe(0);
    const adopted = await until(async () => ((await b.sweep()) === 1 ? true : undefined), 10_000, 'adoption');
    expect(adopted).toBe(true);
    await b.waitFor(job.id);

    const rec = await b.get(operator, job.id);
    expect(rec).toMatchObject({ status: 'succeeded', adoptedBy: b.instanceId, done: 6 });
    expect(rec.events).toEqual([
      expect.objectContaining({ type: 'adopted', by: b.instanceId, from: a.instanceId }),
    ]);
    // Three finished before the death keep their result; the in-flight one and the rest were applied here.
    expect(rec.nodes.map((n) => n.status)).toEqual([
      'ok',
      'ok',
      'ok',
      expect.stringMatching(/^(ok|unchanged)$/),
      'ok',
      'ok',
    ]);
    for (const n of NODES) expect(label(fx, n)).toBe('blue');
    expect(label(fx, 'node-0006')).toBeUndefined();

    // The hand-over is audited before anything is sent, the finish once, with every node's result.
    expect(audit.entries.map((e) => e.action)).toEqual(['job.adopt', 'job.labels']);
    expect(audit.entries[0]).toMatchObject({
      user: operator.username,
      ip: '10.1.1.1',
      nodes: ['node-0003', 'node-0004', 'node-0005'],
    });
    expect(audit.entries[1]!.results?.map((r) => r.name)).toEqual(NODES);
    expect(published.published.at(-1)).toMatchObject({
      id: job.id,
      status: 'succeeded',
      adoptedBy: b.instanceId,
    });
    // Nothing is left to adopt.
    expect(await b.sweep()).toBe(0);
  });

  // Concurrent claimers are replicas, which need PostgreSQL; SQLite has a single process (which never races itself).
  it.skipIf(dialect.name === 'sqlite')(
    'two processes sweeping at once adopt a job exactly once',
    async () => {
      const fx = (f = await simFixture({ nodes: 8 }));
      const held = heldLabels(fx.ops, 'node-0001');
      const a = await process(fx, { ops: held.ops });
      const job = await a.submit(operator, labelsBody);
      await until(() => held.entered() === 1, 10_000, 'the second node to be in flight');
      a.abandon();
      held.release();
      const b = await process(fx);
      const c = await process(fx);
      const [nb, nc] = await until(
        async () => {
          const n = await Promise.all([b.sweep(), c.sweep()]);
          return n[0] + n[1] > 0 ? n : undefined;
        },
        10_000,
        'adoption',
      );
      expect(nb + nc).toBe(1);
      const winner = nb === 1 ? b : c;
      await winner.waitFor(job.id);
      const rec = await winner.get(operator, job.id);
      expect(rec.status).toBe('succeeded');
      expect(rec.events).toHaveLength(1);
      expect(await Promise.all([b.sweep(), c.sweep()])).toEqual([0, 0]);
    },
  );

  it('an owner that was only paused finds the job adopted at its next node and stops: no late record, no more writes', async () => {
    const fx = (f = await simFixture({ nodes: 8 }));
    const held = heldLabels(fx.ops, 'node-0002');
    // No heartbeat until the test is ready: the job goes stale while its owner still runs.
    const a = await process(fx, { ops: held.ops, heartbeatMs: 3_600_000 });
    const job = await a.submit(operator, labelsBody);
    await until(() => held.entered() === 1, 10_000, 'the third node to be in flight');
    const b = await process(fx);
    await until(async () => ((await b.sweep()) === 1 ? true : undefined), 10_000, 'adoption');
    await b.waitFor(job.id);
    // The paused owner carries on: its late result must not overwrite the adopter's record, and it sends
    // nothing more to the cluster (its next node's start record does not land, so it stops there).
    const callsBefore = held.calls();
    held.release();
    await a.waitFor(job.id);
    expect(held.calls()).toBe(callsBefore);
    const rec = await b.get(operator, job.id);
    expect(rec).toMatchObject({ status: 'succeeded', adoptedBy: b.instanceId });
    expect(rec.nodes[2]!.status).toMatch(/^(ok|unchanged)$/);
    for (const n of NODES) expect(label(fx, n)).toBe('blue');
  });

  it('a graceful stop leaves running jobs to another process, which adopts them at its next sweep', async () => {
    const fx = (f = await simFixture({ nodes: 8 }));
    const held = heldLabels(fx.ops, 'node-0002');
    const a = await process(fx, { ops: held.ops, heartbeatMs: 3_600_000 });
    const job = await a.submit(operator, labelsBody);
    await until(() => held.entered() === 1, 10_000, 'the third node to be in flight');
    const stopping = a.shutdown();
    held.release();
    await stopping;
    // Left running, its heartbeat already stale: adopted at once, not after the owner timeout.
    const b = await process(fx, { staleAfterMs: 3_600_000 });
    expect(await b.sweep()).toBe(1);
    await b.waitFor(job.id);
    const rec = await b.get(operator, job.id);
    expect(rec).toMatchObject({ status: 'succeeded', adoptedBy: b.instanceId });
    expect(rec.nodes.map((n) => n.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
  });
});
