// Deleting instead of evicting (disableEviction) bypasses PodDisruptionBudgets, so it is a grant: refused with
// a 403 that says why to a user without it (dry run included, nothing sent, the refusal audited), and for a
// user with it the dry run names the budgets the deletes would bypass and the job's audit entry records it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  asSession,
  auditEntries,
  createUser,
  signIn,
  startTestApp,
  type Session,
  type TestApp,
} from '../auth/harness.js';
import { pod, readyNode, simFixture, until, type Fixture } from './fixtures.js';
import { operationsModule } from './app-module.js';

let t: TestApp;
let f: Fixture;
let admin: Session;
let op: Session;
let granted: Session;

beforeAll(async () => {
  f = await simFixture({ nodes: 6 });
  f.sim.state.createNode(readyNode('n1'));
  const db = { app: 'db' };
  f.sim.state.createPod(
    pod({ ns: 'data', name: 'db-0', node: 'n1', owner: { kind: 'StatefulSet', name: 'db' }, labels: db }),
  );
  f.sim.state.createPdb({
    metadata: { name: 'db', namespace: 'data' },
    spec: { minAvailable: 1, selector: { matchLabels: db } },
  });
  t = await startTestApp({
    modules: [operationsModule(f, 0.5)],
  });
  admin = await signIn(t.app, 'admin', ADMIN_PASSWORD);
  const o = await createUser(t, admin, 'oscar', 'operator', { canOverrideGuard: true });
  op = await signIn(t.app, 'oscar', o.password);
  const g = await createUser(t, admin, 'greta', 'operator', { canDisableEviction: true });
  granted = await signIn(t.app, 'greta', g.password);
});

afterAll(async () => {
  await t?.close();
  await f?.close();
});

const call = (who: Session, url: string, payload: unknown) =>
  t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: asSession(who), payload: payload as object });
const removals = () => f.sim.requestCount({ verb: 'delete' }) + f.sim.requestCount({ verb: 'create' });

describe('disableEviction is a grant', () => {
  it('an operator without it is refused with the reason, for the drain, the dry run and a job; nothing is sent', async () => {
    const before = removals();
    for (const [url, body] of [
      ['/clusters/c1/nodes/n1/drain', { disableEviction: true }],
      ['/clusters/c1/nodes/n1/drain', { disableEviction: true, dryRun: true }],
      [
        '/jobs',
        {
          operation: 'drain',
          targets: [{ cluster: 'c1', nodes: ['n1'] }],
          params: { disableEviction: true },
        },
      ],
    ] as const) {
      const res = await call(op, url, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(403);
      expect(res.json().error.message).toMatch(
        /bypassing PodDisruptionBudgets; it needs the admin role or an operator with the disable-eviction grant/,
      );
    }
    expect(removals()).toBe(before);
    expect(f.sim.state.getPod('data', 'db-0')).toBeDefined();
    const refused = await auditEntries(t, { user: 'oscar', outcome: 'denied' });
    expect(refused.map((e) => e.action).sort()).toEqual(['job.create', 'node.drain']);
    // Without it the same operator drains with evictions, which respect the budget.
    const preview = await call(op, '/clusters/c1/nodes/n1/drain', { dryRun: true });
    expect(preview.json().pods[0]).toMatchObject({ name: 'db-0', action: 'blocked', cause: 'pdb' });
  });

  it('with it, the dry run shows the delete and the budget it bypasses; the job is audited with disableEviction', async () => {
    // An operator whose account carries the grant, as an admin would.
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: asSession(granted) });
    expect(me.json().user).toMatchObject({ role: 'operator', canDisableEviction: true });
    const byGranted = await call(granted, '/clusters/c1/nodes/n1/drain', {
      dryRun: true,
      disableEviction: true,
    });
    expect(byGranted.statusCode).toBe(200);
    const preview = await call(admin, '/clusters/c1/nodes/n1/drain', { dryRun: true, disableEviction: true });
    expect(preview.statusCode).toBe(200);
    expect(preview.json()).toMatchObject({ wouldSucceed: true, bypassesBudgets: ['data/db'] });
    expect(preview.json().pods[0]).toMatchObject({
      name: 'db-0',
      action: 'delete',
      cause: 'pdb',
      reason: expect.stringContaining('bypassing PodDisruptionBudget "db"'),
    });
    const res = await call(admin, '/clusters/c1/nodes/n1/drain', { disableEviction: true });
    expect(res.statusCode).toBe(202);
    const id = res.json().job.id as string;
    await until(() => f.sim.state.getPod('data', 'db-0') === undefined, 10_000, 'the pod deleted');
    const [entry] = await auditEntries(t, { operation: 'node.drain', user: 'admin' });
    expect(entry).toMatchObject({
      outcome: 'success',
      status: 202,
      nodes: ['n1'],
      params: { job: id, operation: 'drain', params: { disableEviction: true } },
    });
  });
});
