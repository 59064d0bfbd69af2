// POST /api/v1/maintenance and the plan's controls behind the real security layer, over a simulated cluster:
// bad input is refused with the field named and changes nothing, the dry run shows waves, drain previews and
// gates, and a plan runs its nodes through cordon → drain → gate → hold → uncordon with each change audited
// before it is sent, pausing and resuming on request and holding a node until an operator marks it done.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  asSession,
  auditEntries,
  signIn,
  startTestApp,
  type HarnessModule,
  type Session,
  type TestApp,
} from '../auth/harness.js';
import { maintenanceRoutes } from '../../src/api/routes/maintenance.js';
import { jobRoutes } from '../../src/api/routes/jobs.js';
import { auditLogFor } from '../../src/audit/index.js';
import { createOperations, type Job } from '../../src/operations/index.js';
import { pod, readyNode, simFixture, until, type Fixture } from '../operations/fixtures.js';

let t: TestApp;
let f: Fixture;
let admin: Session;

const module =
  (): HarnessModule =>
  async (app, { store, log }) => {
    const operations = createOperations({
      db: store.db,
      dialect: 'sqlite',
      clients: f.clients,
      nodes: f.nodes,
      config: { guardMinSchedulable: 0 },
      audit: auditLogFor(store.db),
      clock: f.clock,
      log,
    });
    await app.register(jobRoutes, { operations });
    await app.register(maintenanceRoutes, { maintenance: operations.maintenance });
  };

beforeAll(async () => {
  f = await simFixture({ nodes: 0 });
  for (const [i, zone] of ['a', 'a', 'b', 'b'].entries())
    f.sim.state.createNode(
      readyNode(`m-${i}`, { labels: { pool: 'm', 'topology.kubernetes.io/zone': zone } }),
    );
  f.sim.state.createNode(readyNode('other'));
  t = await startTestApp({ modules: [module()] });
  admin = await signIn(t.app, 'admin', ADMIN_PASSWORD);
});

afterAll(async () => {
  await t?.close();
  await f?.close();
});

const call = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
  t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: asSession(admin),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
const kubeWrites = () =>
  f.sim.requestCount({ verb: 'patch' }) +
  f.sim.requestCount({ verb: 'create' }) +
  f.sim.requestCount({ verb: 'delete' });
const unschedulable = (n: string) =>
  (f.sim.state.getNode(n) as { spec?: { unschedulable?: boolean } }).spec?.unschedulable === true;
const target = [{ cluster: 'c1', selector: 'pool=m' }];

describe('POST /api/v1/maintenance validation', () => {
  it.each([
    [{ targets: target, maxUnavailable: 0 }, 'maxUnavailable'],
    [{ targets: target, maxUnavailable: '150%' }, 'maxUnavailable'],
    [{ targets: target, order: 'random' }, 'order'],
    [{ targets: target, hold: { mode: 'duration' } }, 'hold.seconds'],
    [{ targets: target, hold: { mode: 'operator', seconds: 5 } }, 'hold.seconds'],
    [{ targets: target, gateTimeoutSeconds: 0 }, 'gateTimeoutSeconds'],
    [{ targets: target, drain: { force: 'yes' } }, 'drain.force'],
    [{ targets: target, surprise: 1 }, 'surprise'],
    [{ targets: [] }, 'targets'],
  ])('refuses %j naming %s, and changes nothing', async (body, field) => {
    const writes = kubeWrites();
    const res = await call('POST', '/maintenance', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe(field);
    expect(kubeWrites()).toBe(writes);
    expect((await call('GET', '/maintenance')).json().items).toEqual([]);
  });
});

describe('dry run', () => {
  it('shows zone round-robin waves of the given share, each node drain preview and gate', async () => {
    f.sim.state.createPod(
      pod({
        ns: 'shop',
        name: 'db-0',
        node: 'm-0',
        owner: { kind: 'StatefulSet', name: 'db' },
        labels: { app: 'db' },
      }),
    );
    const writes = kubeWrites();
    const res = await call('POST', '/maintenance', {
      targets: target,
      order: 'zone',
      maxUnavailable: '50%',
      dryRun: true,
    });
    expect(res.statusCode).toBe(200);
    const p = res.json();
    expect(p.waveSize).toBe(2);
    expect(p.waves.map((w: { name: string; zone: string }[]) => w.map((n) => `${n.name}@${n.zone}`))).toEqual(
      [
        ['m-0@a', 'm-2@b'],
        ['m-1@a', 'm-3@b'],
      ],
    );
    const m0 = p.waves[0][0];
    expect(m0.drain.pods).toEqual([expect.objectContaining({ name: 'db-0', action: 'evict' })]);
    expect(m0.gateOn).toEqual([{ kind: 'StatefulSet', namespace: 'shop', name: 'db' }]);
    expect(kubeWrites()).toBe(writes);
  });
});

describe('a plan', () => {
  it('runs every node through its steps, holds until marked done, pauses and resumes on request', async () => {
    const res = await call('POST', '/maintenance', {
      targets: target,
      maxUnavailable: 2,
      hold: { mode: 'operator' },
      // The fixture's clock runs 1,000 times fast: an hour is 3.6 s here. A minute (60 ms) of drain, or the default
      // ten minutes of gate, ran out on a loaded CI machine before the first wave could be held.
      drain: { timeoutSeconds: 3600 },
      gateTimeoutSeconds: 3600,
    });
    expect(res.statusCode).toBe(202);
    const id = res.json().maintenance.id as string;
    const get = async () => (await call('GET', `/maintenance/${id}`)).json().maintenance as Job;
    // The first wave is held after its drain; the second has not started.
    const held = await until(
      async () => {
        const j = await get();
        const ns = j.maintenance?.nodes ?? [];
        return ns.filter((n) => n.step === 'hold').length === 2 ? j : undefined;
      },
      20_000,
      'the first wave to be held',
    );
    const first = held.maintenance!.nodes.filter((n) => n.wave === 0).map((n) => n.name);
    expect(first).toEqual(['m-0', 'm-1']);
    expect(first.every(unschedulable)).toBe(true);
    expect(unschedulable('m-2')).toBe(false);
    expect(f.sim.state.getPod('shop', 'db-0')).toBeUndefined();

    expect((await call('POST', `/maintenance/${id}/pause`)).statusCode).toBe(202);
    for (const n of first)
      expect((await call('POST', `/maintenance/${id}/nodes/c1/${n}/done`)).statusCode).toBe(202);
    expect((await call('POST', `/maintenance/${id}/nodes/c1/nope/done`)).statusCode).toBe(404);
    // Paused: the marks are kept but nothing moves on.
    const paused = await get();
    expect(paused.maintenance!.paused).toBe(true);
    expect(paused.maintenance!.pauseReason).toBe('paused by admin');
    expect(paused.maintenance).toMatchObject({
      pauseReasonCode: 'maintenance.paused.operator',
      pauseReasonParams: { user: 'admin' },
    });
    expect(paused.maintenance!.nodes.find((n) => n.name === 'm-0')).toMatchObject({
      message: 'held until marked done',
      messageCode: 'maintenance.hold.operator',
    });
    expect(first.every(unschedulable)).toBe(true);
    // The held nodes are the plan's, paused or not: a job touching them is refused, naming plan and nodes.
    const writesBefore = kubeWrites();
    const refused = await call('POST', '/jobs', {
      operation: 'labels',
      targets: [{ cluster: 'c1', nodes: ['m-0', 'm-1', 'm-2'] }],
      params: { set: { team: 'x' } },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({
      code: 'Conflict',
      messageCode: 'job.nodesInPlan',
      messageParams: { job: id, cluster: 'c1', nodes: 'm-0, m-1', count: 2, more: 0 },
      details: { job: id, nodes: ['c1/m-0', 'c1/m-1'] },
    });
    expect(kubeWrites()).toBe(writesBefore);

    expect((await call('POST', `/maintenance/${id}/resume`)).statusCode).toBe(202);
    await until(
      async () => {
        const j = await get();
        return j.maintenance!.nodes.filter((n) => n.step === 'hold' && n.wave === 1).length === 2;
      },
      20_000,
      'the second wave to be held',
    );
    expect(first.some(unschedulable)).toBe(false);
    for (const n of ['m-2', 'm-3']) await call('POST', `/maintenance/${id}/nodes/c1/${n}/done`);
    const done = await until(
      async () => {
        const j = await get();
        return j.status === 'succeeded' ? j : undefined;
      },
      20_000,
      'the plan to succeed',
    );
    expect(done.maintenance!.nodes.map((n) => n.step)).toEqual(['done', 'done', 'done', 'done']);
    expect(['m-0', 'm-1', 'm-2', 'm-3'].some(unschedulable)).toBe(false);

    // Each change was recorded before it was sent: intents exist per node for cordon, drain and uncordon.
    const audit = await auditEntries(t);
    for (const action of ['maintenance.cordon', 'maintenance.drain', 'maintenance.uncordon'])
      expect(
        audit
          .filter((e) => e.action === action)
          .map((e) => e.nodes?.[0])
          .sort(),
      ).toEqual(['m-0', 'm-1', 'm-2', 'm-3']);
    expect(audit.some((e) => e.action === 'maintenance.pause')).toBe(true);
    expect(audit.some((e) => e.action === 'maintenance.create' && e.outcome === 'success')).toBe(true);
  }, 60_000);
});
