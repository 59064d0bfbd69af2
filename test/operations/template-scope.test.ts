// Templates have an owner and a cluster scope: a user restricted to some clusters cannot edit or delete a
// template that reaches others (the reported case: an operator of cluster A rewrote an admin's template that
// was then applied to cluster B), a template is applied only within its scope, and a preview shows exactly
// what applying would change on each node before anything is written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  asSession,
  createUser,
  signIn,
  startTestApp,
  type Session,
  type TestApp,
} from '../auth/harness.js';
import { jobRoutes } from '../../src/api/routes/jobs.js';
import { templateRoutes } from '../../src/api/routes/templates.js';
import { auditLogFor } from '../../src/audit/index.js';
import { createOperations, DirectNodeSource, type ClusterClients } from '../../src/operations/index.js';
import { readyNode, simFixture, type Fixture } from './fixtures.js';

let t: TestApp;
let a: Fixture;
let b: Fixture;
let admin: Session;
let opA: Session;

beforeAll(async () => {
  a = await simFixture({ nodes: 3, cluster: 'cluster-a' });
  b = await simFixture({ nodes: 3, cluster: 'cluster-b' });
  const clients: ClusterClients = { client: (c) => a.clients.client(c) ?? b.clients.client(c) };
  t = await startTestApp({
    modules: [
      async (app, { store }) => {
        const operations = createOperations({
          db: store.db,
          dialect: 'sqlite',
          clients,
          nodes: new DirectNodeSource(clients, 0),
          config: { guardMinSchedulable: 0.5 },
          audit: auditLogFor(store.db),
          clock: a.clock,
        });
        await app.register(jobRoutes, { operations });
        await app.register(templateRoutes, { operations });
      },
    ],
  });
  admin = await signIn(t.app, 'admin', ADMIN_PASSWORD);
  const o = await createUser(t, admin, 'olga', 'operator', { clusters: ['cluster-a'] });
  opA = await signIn(t.app, 'olga', o.password);
});

afterAll(async () => {
  await t?.close();
  await a?.close();
  await b?.close();
});

const call = (who: Session, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
  t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: asSession(who),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
const writes = (f: Fixture) => f.sim.requestCount({ verb: 'patch' });

describe('template owner and cluster scope', () => {
  it("an operator of cluster A can neither edit nor delete an admin's template that reaches every cluster", async () => {
    const made = await call(admin, 'POST', '/templates', {
      name: 'evict-all',
      taints: { add: [{ key: 'maintenance', effect: 'NoExecute' }] },
    });
    expect(made.statusCode).toBe(201);
    expect(made.json().template).toMatchObject({ owner: 'admin', clusters: null });
    const id = made.json().template.id as string;

    const edit = await call(opA, 'PUT', `/templates/${id}`, {
      name: 'evict-all',
      labels: { set: { harmless: 'yes' } },
    });
    expect(edit.statusCode).toBe(403);
    expect(edit.json().error.message).toMatch(/reaches every cluster/);
    const del = await call(opA, 'DELETE', `/templates/${id}`);
    expect(del.statusCode).toBe(403);
    expect((await call(admin, 'GET', `/templates/${id}`)).json().template).toMatchObject({
      taints: { add: [{ key: 'maintenance', effect: 'NoExecute' }] },
    });

    // Nor can they make a template for every cluster, or for one they may not act on.
    expect(
      (await call(opA, 'POST', '/templates', { name: 'mine', labels: { set: { a: '1' } } })).statusCode,
    ).toBe(403);
    expect(
      (
        await call(opA, 'POST', '/templates', {
          name: 'mine',
          labels: { set: { a: '1' } },
          clusters: ['cluster-b'],
        })
      ).statusCode,
    ).toBe(403);
  });

  it('a scoped template is theirs to manage, and applies only within its scope', async () => {
    const made = await call(opA, 'POST', '/templates', {
      name: 'a-pool',
      labels: { set: { pool: 'a' } },
      clusters: ['cluster-a'],
    });
    expect(made.statusCode).toBe(201);
    expect(made.json().template).toMatchObject({ owner: 'olga', clusters: ['cluster-a'] });
    const id = made.json().template.id as string;
    const edited = await call(opA, 'PUT', `/templates/${id}`, {
      name: 'a-pool',
      labels: { set: { pool: 'a2' } },
      clusters: ['cluster-a'],
    });
    expect(edited.statusCode).toBe(200);
    // Widening it beyond their clusters is refused.
    const widened = await call(opA, 'PUT', `/templates/${id}`, {
      name: 'a-pool',
      labels: { set: { pool: 'a2' } },
    });
    expect(widened.statusCode).toBe(403);

    const before = writes(b);
    const elsewhere = await call(admin, 'POST', `/templates/${id}/apply`, {
      targets: [{ cluster: 'cluster-b', nodes: ['node-0000'] }],
    });
    expect(elsewhere.statusCode).toBe(403);
    expect(elsewhere.json().error).toMatchObject({ field: 'targets[0].cluster' });
    expect(elsewhere.json().error.message).toMatch(/may only be applied to cluster\(s\) cluster-a/);
    expect(writes(b)).toBe(before);
    const here = await call(opA, 'POST', `/templates/${id}/apply`, {
      targets: [{ cluster: 'cluster-a', nodes: ['node-0000'] }],
    });
    expect(here.statusCode).toBe(202);
  });

  it('the preview lists, per node, the labels and taints that would be added, changed and removed; nothing is written', async () => {
    a.sim.state.createNode({
      ...readyNode('prev-1', { labels: { team: 'web', old: 'x' } }),
      spec: {
        taints: [
          { key: 'legacy', effect: 'NoSchedule' },
          { key: 'gpu', value: 'no', effect: 'NoSchedule' },
        ],
      },
    });
    a.sim.state.createNode(readyNode('prev-2', { labels: { team: 'db' } }));
    const made = await call(admin, 'POST', '/templates', {
      name: 'preview-me',
      labels: { set: { team: 'db', tier: 'gold' }, remove: ['old'] },
      taints: { add: [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }], remove: [{ key: 'legacy' }] },
      clusters: ['cluster-a'],
    });
    const id = made.json().template.id as string;
    const before = writes(a);
    const res = await call(opA, 'POST', `/templates/${id}/preview`, {
      targets: [{ cluster: 'cluster-a', nodes: ['prev-1', 'prev-2'] }],
    });
    expect(res.statusCode).toBe(200);
    expect(writes(a)).toBe(before);
    const [n1, n2] = res.json().nodes;
    expect(n1).toEqual({
      cluster: 'cluster-a',
      name: 'prev-1',
      changed: true,
      labels: {
        added: { tier: 'gold' },
        changed: { team: { from: 'web', to: 'db' } },
        removed: { old: 'x' },
      },
      taints: {
        added: [],
        changed: [
          {
            from: { key: 'gpu', value: 'no', effect: 'NoSchedule' },
            to: { key: 'gpu', value: 'yes', effect: 'NoSchedule' },
          },
        ],
        removed: [{ key: 'legacy', effect: 'NoSchedule' }],
      },
    });
    expect(n2).toMatchObject({
      name: 'prev-2',
      changed: true,
      labels: { added: { tier: 'gold' }, changed: {}, removed: {} },
      taints: { added: [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }], removed: [] },
    });
    expect(res.json().changing).toBe(2);
    // Outside the template's scope there is nothing to preview either.
    const other = await call(admin, 'POST', `/templates/${id}/preview`, {
      targets: [{ cluster: 'cluster-b', nodes: ['node-0000'] }],
    });
    expect(other.statusCode).toBe(403);
  });
});
