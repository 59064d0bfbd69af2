// A running maintenance plan holds the nodes it is working on against other jobs: the guard counts the nodes
// the plan is about to cordon, and a job of any kind touching a node of its current wave (held ones waiting for
// "mark done" included) is refused with a 409 that names the plan and the nodes, also while the plan is paused.
// Nodes of later waves stay free for other jobs, not for another plan; a node the plan finished is free.
import { afterEach, describe, expect, it } from 'vitest';
import { auditLogFor } from '../../src/audit/index.js';
import type { KubeClient } from '../../src/kube/client.js';
import { createOperations, type Job, type OperationsServices } from '../../src/operations/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { admin, memoryStore, readyNode, simFixture, until, type Fixture } from '../operations/fixtures.js';
import { reportSkippedDialects, testDialects, type TestDatabase } from '../store/databases.js';

/** The simulator's client, except that writes to node `stalled` wait until `release()`. */
function stallingWrites(c: KubeClient, stalled: string) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let seen = false;
  const client = new Proxy(c, {
    get(target, k, recv) {
      if (k === 'request')
        return async (o: { path: string; method?: string }) => {
          if ((o.method ?? 'GET') !== 'GET' && o.path.endsWith(`/nodes/${stalled}`)) {
            seen = true;
            await released;
          }
          return target.request(o as never);
        };
      const v = Reflect.get(target, k, recv) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { client, release, stalledWriteSeen: () => seen };
}

describe('a running plan holds its current wave', () => {
  let f: Fixture | undefined;
  let store: Store | undefined;
  let dispose: (() => void) | undefined;
  let s: OperationsServices | undefined;
  let release: (() => void) | undefined;
  afterEach(async () => {
    release?.();
    await s?.jobs.shutdown();
    await store?.close();
    dispose?.();
    await f?.close();
    f = store = s = dispose = release = undefined;
  });

  async function setUp(guard: number) {
    f = await simFixture();
    for (let i = 0; i < 4; i++) f.sim.state.createNode(readyNode(`m-${i}`, { labels: { pool: 'm' } }));
    ({ store, dispose } = await memoryStore());
    const stall = stallingWrites(f.client, 'm-1');
    release = stall.release;
    s = createOperations({
      db: store.db,
      dialect: store.dialect,
      clients: { client: (c) => (c === 'c1' ? stall.client : undefined) },
      nodes: f.nodes,
      config: { guardMinSchedulable: guard },
      audit: auditLogFor(store.db),
    });
    await s.jobs.start();
    // Waves are chosen in the order given: m-0 and m-1 first, m-2 and m-3 next.
    const r = await s.maintenance.create(admin, {
      targets: [{ cluster: 'c1', nodes: ['m-0', 'm-1', 'm-2', 'm-3'] }],
      order: 'given',
      maxUnavailable: 2,
      hold: { mode: 'operator' },
      drain: { timeoutSeconds: 600 },
    });
    if (!('job' in r)) throw new Error('expected a started plan');
    const id = r.job.id;
    // m-0 is cordoned and drained; m-1's cordon is on its way (stalled), so m-1 is still schedulable.
    await until(
      async () => stall.stalledWriteSeen() && stepOf(await s!.maintenance.get(admin, id), 'm-0') === 'hold',
      20_000,
      'm-0 held and m-1 being cordoned',
    );
    return { s, id, f };
  }

  const stepOf = (j: Job, name: string) => j.maintenance?.nodes.find((n) => n.name === name)?.step;
  const unschedulable = (name: string) =>
    (f!.sim.state.getNode(name) as { spec?: { unschedulable?: boolean } }).spec?.unschedulable === true;

  it("refuses a cordon job that the guard would allow only by ignoring the wave's node about to be cordoned", async () => {
    // 4 Ready nodes, at least half schedulable: m-0 is out and m-1 is about to be, so m-3 must not go too.
    const { s } = await setUp(0.5);
    expect(unschedulable('m-1')).toBe(false);
    await expect(
      s.jobs.submit(admin, { operation: 'cordon', targets: [{ cluster: 'c1', nodes: ['m-3'] }] }),
    ).rejects.toMatchObject({ status: 409, code: 'GuardRefused' });
    expect(unschedulable('m-3')).toBe(false);
    // A single-node cordon is admitted against the same reservations.
    await expect(s.ops.cordon(admin, 'c1', 'm-3', {})).rejects.toMatchObject({ code: 'GuardRefused' });
  });

  it("refuses cordon and drain jobs on the wave's nodes, naming the plan; a later wave's node stays free", async () => {
    const { s, id } = await setUp(0);
    for (const [operation, name] of [
      ['drain', 'm-1'],
      ['cordon', 'm-0'],
    ] as const) {
      const err = await s.jobs.submit(admin, { operation, targets: [{ cluster: 'c1', nodes: [name] }] }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({
        status: 409,
        code: 'Conflict',
        details: { job: id, nodes: [`c1/${name}`] },
      });
      expect((err as Error).message).toBe(
        `maintenance plan ${id} is working on 1 of these nodes in cluster "c1" (${name}); no other job may ` +
          `change them until the plan has finished them (uncordoned, or marked done and uncordoned). Wait for ` +
          `that, or abort the plan; a paused plan keeps its nodes`,
      );
    }
    const later = await s.jobs.submit(admin, {
      operation: 'cordon',
      targets: [{ cluster: 'c1', nodes: ['m-3'] }],
    });
    await until(
      async () => (await s.jobs.get(admin, later.id)).status === 'succeeded',
      20_000,
      'the cordon of m-3',
    );
    expect(unschedulable('m-3')).toBe(true);
  });

  it('refuses every write job kind on the nodes the plan is working on, while it runs and while paused', async () => {
    const { s, id, f } = await setUp(0);
    const t = await s.templates.create(
      { name: 'uncordon-ish', labels: { set: { pool: 'other' }, remove: [] } },
      'admin',
    );
    const kinds = [
      { operation: 'cordon' },
      { operation: 'uncordon' },
      { operation: 'drain' },
      { operation: 'labels', params: { set: { team: 'x' } } },
      { operation: 'taints', params: { add: [{ key: 'evict', effect: 'NoExecute' }] } },
      { operation: 'template', params: { templateId: t.id } },
    ] as const;
    const refusal = async (body: object) => {
      const e = await s.jobs.submit(admin, body as never).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e, JSON.stringify(body)).toMatchObject({ status: 409, code: 'Conflict', details: { job: id } });
      return e as Error & { details: { nodes: string[] }; coded?: { code: string; params: object } };
    };
    const before = JSON.stringify(f.sim.state.getNode('m-0'));
    for (const kind of kinds) {
      // m-0 waits for "mark done", m-1 is being cordoned, m-3 is in a later wave (free).
      const e = await refusal({ ...kind, targets: [{ cluster: 'c1', nodes: ['m-3', 'm-0', 'm-1'] }] });
      expect(e.details.nodes).toEqual(['c1/m-0', 'c1/m-1']);
      expect(e.coded).toEqual({
        code: 'job.nodesInPlan',
        params: { job: id, cluster: 'c1', nodes: 'm-0, m-1', count: 2, more: 0 },
      });
      expect(e.message).toContain(
        `maintenance plan ${id} is working on 2 of these nodes in cluster "c1" (m-0, m-1)`,
      );
    }
    // The single-node endpoints (the node page's buttons and editors) are held to the same rule.
    for (const write of [
      () => s.ops.uncordon(admin, 'c1', 'm-0'),
      () => s.ops.cordon(admin, 'c1', 'm-0', { reason: 'mine' }),
      () => s.ops.labels(admin, 'c1', 'm-0', { set: { team: 'x' }, remove: [], allowSystem: false }),
      () => s.ops.taints(admin, 'c1', 'm-0', { add: [{ key: 'evict', effect: 'NoExecute' }], remove: [] }),
    ])
      await expect(write()).rejects.toMatchObject({
        status: 409,
        details: { job: id, nodes: ['c1/m-0'] },
        coded: { code: 'job.nodesInPlan', params: { nodes: 'm-0', count: 1 } },
      });
    // Nothing reached the held node.
    expect(JSON.stringify(f.sim.state.getNode('m-0'))).toBe(before);
    await s.ops.labels(admin, 'c1', 'm-3', { set: { direct: 'yes' }, remove: [], allowSystem: false });

    // Another plan may not reach nodes this one has not finished, even those it has not come to yet.
    const overlap = await s.maintenance
      .create(admin, { targets: [{ cluster: 'c1', nodes: ['m-3'] }], hold: { mode: 'none' } })
      .then(
        () => undefined,
        (err: unknown) => err as Error & { coded?: { code: string } },
      );
    expect(overlap).toMatchObject({ status: 409, details: { job: id, nodes: ['c1/m-3'] } });
    expect(overlap?.coded?.code).toBe('maintenance.overlap');

    // Paused, the plan keeps its nodes.
    await s.maintenance.pause(admin, id);
    await refusal({
      operation: 'labels',
      params: { set: { team: 'x' } },
      targets: [{ cluster: 'c1', nodes: ['m-0'] }],
    });

    // A node not yet reached is free for other kinds of jobs.
    const label = await s.jobs.submit(admin, {
      operation: 'labels',
      targets: [{ cluster: 'c1', nodes: ['m-3'] }],
      params: { set: { team: 'x' } },
    });
    await until(
      async () => (await s.jobs.get(admin, label.id)).status === 'succeeded',
      20_000,
      'labels on m-3',
    );
  });

  it('frees a node once the plan has marked it done and uncordoned it', async () => {
    const { s, id, f } = await setUp(0);
    await s.maintenance.markDone(admin, id, 'c1', 'm-0');
    await until(async () => stepOf(await s.maintenance.get(admin, id), 'm-0') === 'done', 20_000, 'm-0 done');
    const job = await s.jobs.submit(admin, {
      operation: 'labels',
      targets: [{ cluster: 'c1', nodes: ['m-0'] }],
      params: { set: { patched: 'yes' } },
    });
    await until(
      async () => (await s.jobs.get(admin, job.id)).status === 'succeeded',
      20_000,
      'labels on m-0',
    );
    const labels = (f.sim.state.getNode('m-0') as { metadata: { labels?: Record<string, string> } }).metadata
      .labels;
    expect(labels?.patched).toBe('yes');
  });
});

describe('a wave reaching a node another job still works on', () => {
  let f: Fixture | undefined;
  let store: Store | undefined;
  let dispose: (() => void) | undefined;
  let s: OperationsServices | undefined;
  let release: (() => void) | undefined;
  afterEach(async () => {
    release?.();
    await s?.jobs.shutdown();
    await store?.close();
    dispose?.();
    await f?.close();
    f = store = s = dispose = release = undefined;
  });

  it('waits for that job to finish the node before cordoning it', async () => {
    f = await simFixture();
    f.sim.state.createNode(readyNode('w-0'));
    ({ store, dispose } = await memoryStore());
    const stall = stallingWrites(f.client, 'w-0');
    release = stall.release;
    s = createOperations({
      db: store.db,
      dialect: store.dialect,
      clients: { client: (c) => (c === 'c1' ? stall.client : undefined) },
      nodes: f.nodes,
      config: { guardMinSchedulable: 0 },
      audit: auditLogFor(store.db),
      maintenancePollMs: 50,
    });
    await s.jobs.start();
    const labels = await s.jobs.submit(admin, {
      operation: 'labels',
      targets: [{ cluster: 'c1', nodes: ['w-0'] }],
      params: { set: { kernel: 'patched' } },
    });
    await until(async () => stall.stalledWriteSeen(), 20_000, 'the labels job writing w-0');
    const r = await s.maintenance.create(admin, {
      targets: [{ cluster: 'c1', nodes: ['w-0'] }],
      hold: { mode: 'none' },
      drain: { timeoutSeconds: 60 },
    });
    if (!('job' in r)) throw new Error('expected a started plan');
    const waiting = await until(
      async () => {
        const n = (await s!.maintenance.get(admin, r.job.id)).maintenance?.nodes[0];
        return n?.messageCode === 'maintenance.node.waitingForJob' ? n : undefined;
      },
      20_000,
      'the plan to wait for the labels job',
    );
    expect(waiting).toMatchObject({
      step: 'pending',
      message: `waiting for job ${labels.id} to finish this node before cordoning it`,
      messageParams: { job: labels.id },
    });
    // Held by the plan from now on: no new job gets in.
    await expect(
      s.jobs.submit(admin, { operation: 'uncordon', targets: [{ cluster: 'c1', nodes: ['w-0'] }] }),
    ).rejects.toMatchObject({ status: 409, details: { job: r.job.id } });

    release();
    await until(
      async () => (await s!.maintenance.get(admin, r.job.id)).status === 'succeeded',
      20_000,
      'the plan to finish',
    );
    expect((await s.jobs.get(admin, labels.id)).status).toBe('succeeded');
    const node = f.sim.state.getNode('w-0') as {
      metadata: { labels?: Record<string, string> };
      spec?: { unschedulable?: boolean };
    };
    expect(node.metadata.labels?.kernel).toBe('patched');
    expect(node.spec?.unschedulable ?? false).toBe(false);
  });
});

// Replicas share the store (PostgreSQL): the plan runs on one, the jobs arrive at the other.
describe.each(testDialects().filter((d) => d.name === 'postgres'))(
  'a plan on one replica of a $name store',
  (dialect) => {
    reportSkippedDialects();
    let f: Fixture | undefined;
    let database: TestDatabase | undefined;
    const stores: Store[] = [];
    const running: OperationsServices[] = [];
    let release: (() => void) | undefined;
    afterEach(async () => {
      release?.();
      for (const s of running.splice(0)) await s.jobs.shutdown();
      for (const s of stores.splice(0)) await s.close();
      await database?.drop();
      await f?.close();
      f = database = release = undefined;
    });

    it("holds its current wave against the other replica's jobs", async () => {
      f = await simFixture();
      for (let i = 0; i < 4; i++) f.sim.state.createNode(readyNode(`m-${i}`));
      database = await dialect.create();
      const stall = stallingWrites(f.client, 'm-1');
      release = stall.release;
      const replica = async (name: string) => {
        const store = await openStore(database!.cfg);
        stores.push(store);
        const s = createOperations({
          db: store.db,
          dialect: store.dialect,
          clients: { client: (c) => (c === 'c1' ? stall.client : undefined) },
          nodes: f!.nodes,
          config: { guardMinSchedulable: 0.5 },
          audit: auditLogFor(store.db),
          instanceId: name,
        });
        running.push(s);
        await s.jobs.start();
        return s;
      };
      const a = await replica('a');
      const b = await replica('b');
      const r = await a.maintenance.create(admin, {
        targets: [{ cluster: 'c1', nodes: ['m-0', 'm-1', 'm-2', 'm-3'] }],
        order: 'given',
        maxUnavailable: 2,
        hold: { mode: 'operator' },
        drain: { timeoutSeconds: 600 },
      });
      if (!('job' in r)) throw new Error('expected a started plan');
      // Two replicas on one PostgreSQL under a loaded test run once took over 20 s here; what the plan showed
      // last goes into the failure, so a slow run can be told from a stuck one.
      let seen = '';
      await until(
        async () => {
          const j = await a.maintenance.get(admin, r.job.id);
          const steps = j.maintenance?.nodes.map((n) => `${n.name} ${n.step}`).join(', ');
          seen = `${j.status}; ${steps ?? 'no nodes yet'}; m-1 write stalled: ${stall.stalledWriteSeen()}`;
          return (
            stall.stalledWriteSeen() && j.maintenance?.nodes.find((n) => n.name === 'm-0')?.step === 'hold'
          );
        },
        45_000,
        'm-0 held and m-1 being cordoned',
      ).catch((e: Error) => {
        throw new Error(`${e.message} (last seen: ${seen})`);
      });
      await expect(
        b.jobs.submit(admin, { operation: 'drain', targets: [{ cluster: 'c1', nodes: ['m-1'] }] }),
      ).rejects.toMatchObject({ status: 409, details: { job: r.job.id } });
      await expect(
        b.jobs.submit(admin, { operation: 'cordon', targets: [{ cluster: 'c1', nodes: ['m-3'] }] }),
      ).rejects.toMatchObject({ status: 409, code: 'GuardRefused' });
    }, 90_000);
  },
);
