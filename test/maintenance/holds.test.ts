// A running maintenance plan holds its current wave's nodes against other jobs: the guard counts the nodes
// the plan is about to cordon, and a cordon or drain job on a node of that wave is refused with a 409 that
// names the plan. Nodes of later waves stay free.
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
      expect(err).toMatchObject({ status: 409 });
      expect((err as Error).message).toBe(
        `node "${name}" in cluster "c1" is in the current wave of maintenance plan ${id}; ` +
          `wait until the plan has finished the node, or pause or abort the plan`,
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
      await until(
        async () =>
          stall.stalledWriteSeen() &&
          (await a.maintenance.get(admin, r.job.id)).maintenance?.nodes.find((n) => n.name === 'm-0')
            ?.step === 'hold',
        20_000,
        'm-0 held and m-1 being cordoned',
      );
      await expect(
        b.jobs.submit(admin, { operation: 'drain', targets: [{ cluster: 'c1', nodes: ['m-1'] }] }),
      ).rejects.toMatchObject({ status: 409, details: { job: r.job.id } });
      await expect(
        b.jobs.submit(admin, { operation: 'cordon', targets: [{ cluster: 'c1', nodes: ['m-3'] }] }),
      ).rejects.toMatchObject({ status: 409, code: 'GuardRefused' });
    });
  },
);
