// The operation, job and template routes behind the real security layer: status codes and error shapes a
// client sees, cluster access, audit entries, and that refused requests reach no Kubernetes API.
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
import type { KubeNode } from '../../src/operations/index.js';
import { pod, readyNode, simFixture, until, type Fixture } from './fixtures.js';
import { operationsModule } from './app-module.js';

let t: TestApp;
let f: Fixture;
let admin: Session;
let op: Session;
let opOther: Session;
let viewer: Session;

beforeAll(async () => {
  f = await simFixture({ nodes: 10 });
  t = await startTestApp({
    modules: [operationsModule(f, 0.7)],
  });
  admin = await signIn(t.app, 'admin', ADMIN_PASSWORD);
  const o = await createUser(t, admin, 'oscar', 'operator');
  op = await signIn(t.app, 'oscar', o.password);
  const o2 = await createUser(t, admin, 'olga', 'operator', { clusters: ['elsewhere'] });
  opOther = await signIn(t.app, 'olga', o2.password);
  const v = await createUser(t, admin, 'vera', 'viewer');
  viewer = await signIn(t.app, 'vera', v.password);
});

afterAll(async () => {
  await t?.close();
  await f?.close();
});

const call = (
  who: Session,
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  url: string,
  payload?: unknown,
) =>
  t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: asSession(who),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
const kubeWrites = () =>
  f.sim.requestCount({ verb: 'patch' }) +
  f.sim.requestCount({ verb: 'create' }) +
  f.sim.requestCount({ verb: 'delete' });
const nodeOf = (name: string) => f.sim.state.getNode(name) as unknown as KubeNode;

describe('single-node operations', () => {
  it('cordon answers {node, changed} and records an audit entry with the node outcome', async () => {
    const res = await call(op, 'POST', '/clusters/c1/nodes/node-0000/cordon', { reason: 'bad DIMM' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      changed: true,
      node: { name: 'node-0000', unschedulable: true, cordon: { reason: 'bad DIMM', by: 'oscar' } },
    });
    const again = await call(op, 'POST', '/clusters/c1/nodes/node-0000/cordon', { reason: 'bad DIMM' });
    expect(again.json()).toMatchObject({ changed: false });
    const entries = await auditEntries(t, { operation: 'node.cordon' });
    expect(entries[0]).toMatchObject({
      user: 'oscar',
      cluster: 'c1',
      nodes: ['node-0000'],
      outcome: 'success',
      results: [{ name: 'node-0000', outcome: 'unchanged' }],
    });
    expect(entries[1]).toMatchObject({
      outcome: 'success',
      results: [{ name: 'node-0000', outcome: 'ok' }],
      params: { reason: 'bad DIMM' },
    });
    const un = await call(op, 'POST', '/clusters/c1/nodes/node-0000/uncordon');
    expect(un.json()).toMatchObject({ changed: true, node: { unschedulable: false } });
  });

  it('labels and taints in one request each', async () => {
    const l = await call(op, 'PATCH', '/clusters/c1/nodes/node-0001/labels', {
      set: { team: 'ml', tier: 'gpu' },
      remove: ['nothing'],
    });
    expect(l.statusCode).toBe(200);
    expect(l.json().node.labels).toMatchObject({ team: 'ml', tier: 'gpu' });
    const tt = await call(op, 'PATCH', '/clusters/c1/nodes/node-0001/taints', {
      add: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }],
    });
    expect(tt.json().node.taints).toEqual([{ key: 'gpu', value: 'true', effect: 'NoSchedule' }]);
  });

  it.each([
    ['labels', 'PATCH', { set: { 'bad key!': 'x' } }, 'set.bad key!'],
    ['labels', 'PATCH', { set: { ok: 'x' }, remove: ['ok'] }, 'remove[0]'],
    ['labels', 'PATCH', { sett: { a: 'b' } }, 'sett'],
    ['taints', 'PATCH', { add: [{ key: 'k', effect: 'Sometimes' }] }, 'add[0].effect'],
    ['taints', 'PATCH', { add: [{ key: 'k/too/many', effect: 'NoSchedule' }] }, 'add[0].key'],
    ['cordon', 'POST', { reason: 42 }, 'reason'],
    ['drain', 'POST', { gracePeriodSeconds: 'soon' }, 'gracePeriodSeconds'],
    ['drain', 'POST', { podSelector: 'app in (a' }, 'podSelector'],
    ['drain', 'POST', { dryRun: true, force: 'yes' }, 'force'],
  ] as const)(
    '%s with bad input → 400 with the field, no Kubernetes write',
    async (what, method, body, field) => {
      const before = kubeWrites();
      const res = await call(op, method, `/clusters/c1/nodes/node-0002/${what}`, body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: { code: 'BadRequest', message: expect.any(String), field } });
      expect(kubeWrites()).toBe(before);
    },
  );

  it('an invalid node name never reaches the API server', async () => {
    const before = f.client.callCount;
    const res = await call(op, 'POST', `/clusters/c1/nodes/${encodeURIComponent('..%2Fsecrets')}/uncordon`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('name');
    expect(f.client.callCount).toBe(before);
  });

  it('unknown cluster or node → 404', async () => {
    expect((await call(op, 'POST', '/clusters/nope/nodes/node-0000/uncordon')).statusCode).toBe(404);
    const res = await call(op, 'PATCH', '/clusters/c1/nodes/ghost/labels', { set: { a: 'b' } });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toContain('ghost');
  });

  it('system label keys: 403 with the explanation, recorded as denied', async () => {
    const res = await call(op, 'PATCH', '/clusters/c1/nodes/node-0002/labels', {
      set: { 'node-role.kubernetes.io/gpu': '' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toContain('reserved for Kubernetes');
    const ok = await call(admin, 'PATCH', '/clusters/c1/nodes/node-0002/labels', {
      set: { 'node-role.kubernetes.io/gpu': '' },
      allowSystem: true,
    });
    expect(ok.statusCode).toBe(200);
    const [last, prev] = await auditEntries(t, { operation: 'node.labels' });
    expect(last).toMatchObject({ user: 'admin', outcome: 'success' });
    expect(prev).toMatchObject({ user: 'oscar', outcome: 'denied', status: 403 });
  });

  it('the guard answers 409 GuardRefused with details', async () => {
    for (const n of ['node-0003', 'node-0004', 'node-0005'])
      expect((await call(op, 'POST', `/clusters/c1/nodes/${n}/cordon`, {})).statusCode).toBe(200);
    const res = await call(op, 'POST', '/clusters/c1/nodes/node-0006/cordon', { reason: 'one too many' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'GuardRefused',
      details: { cluster: 'c1', readyNodes: 10, schedulableNow: 7, schedulableAfter: 6, minimumShare: 0.7 },
    });
    expect(
      (await call(op, 'POST', '/clusters/c1/nodes/node-0006/cordon', { override: true })).statusCode,
    ).toBe(403);
    expect(
      (await call(admin, 'POST', '/clusters/c1/nodes/node-0006/cordon', { override: true })).statusCode,
    ).toBe(200);
    for (const n of ['node-0003', 'node-0004', 'node-0005', 'node-0006'])
      await call(op, 'POST', `/clusters/c1/nodes/${n}/uncordon`);
    const denied = await auditEntries(t, { operation: 'node.cordon', outcome: 'denied' });
    expect(denied.map((e) => e.status)).toEqual([403, 409]);
  });

  it('roles and cluster restrictions apply', async () => {
    expect((await call(viewer, 'POST', '/clusters/c1/nodes/node-0007/cordon', {})).statusCode).toBe(403);
    expect((await call(opOther, 'POST', '/clusters/c1/nodes/node-0007/cordon', {})).statusCode).toBe(403);
    expect(nodeOf('node-0007').spec?.unschedulable).toBeFalsy();
  });
});

describe('drain', () => {
  it('dry run answers inline; a real drain is a job (202) that can be followed to its end', async () => {
    f.sim.state.createNode(readyNode('drain-me'));
    f.sim.state.createPod(
      pod({ ns: 'x', name: 'web-1', node: 'drain-me', owner: { kind: 'ReplicaSet', name: 'web' } }),
    );
    f.sim.state.createPod(pod({ ns: 'x', name: 'loner', node: 'drain-me' }));
    f.nodes.invalidate();
    const dry = await call(op, 'POST', '/clusters/c1/nodes/drain-me/drain', { dryRun: true });
    expect(dry.statusCode).toBe(200);
    expect(dry.json()).toEqual({
      node: 'drain-me',
      wouldSucceed: false,
      pods: expect.arrayContaining([
        expect.objectContaining({ namespace: 'x', name: 'web-1', action: 'evict' }),
        expect.objectContaining({ namespace: 'x', name: 'loner', action: 'blocked', cause: 'unmanaged' }),
      ]),
    });
    const res = await call(op, 'POST', '/clusters/c1/nodes/drain-me/drain', {
      force: true,
      timeoutSeconds: 600,
      reason: 'kernel 6.8 rollout',
    });
    expect(res.statusCode).toBe(202);
    const { job } = res.json();
    expect(job).toMatchObject({ operation: 'drain', total: 1, nodes: [{ cluster: 'c1', name: 'drain-me' }] });
    const final = await until(
      async () => {
        const j = (await call(viewer, 'GET', `/jobs/${job.id}`)).json().job;
        return j.finishedAt ? j : undefined;
      },
      10_000,
      'the drain job to finish',
    );
    expect(final).toMatchObject({
      status: 'succeeded',
      counts: { ok: 1 },
      nodes: [{ status: 'ok', message: expect.stringContaining('evicted 2') }],
    });
    expect(f.sim.state.getPod('x', 'web-1')).toBeUndefined();
    // Others looking at the cordoned node see why it was drained, not just "drain".
    expect(nodeOf('drain-me').metadata.annotations?.['nodes.knm.io/cordon-reason']).toBe(
      'kernel 6.8 rollout',
    );
    expect((await auditEntries(t, { operation: 'node.drain' }))[0]).toMatchObject({
      outcome: 'success',
      status: 202,
    });
    expect((await auditEntries(t, { operation: 'job.drain' }))[0]).toMatchObject({
      outcome: 'success',
      results: [{ name: 'drain-me', outcome: 'ok' }],
    });
  });
});

describe('jobs and templates', () => {
  it('POST /jobs → 202; list and read; cancel of a finished job → 409', async () => {
    const res = await call(op, 'POST', '/jobs', {
      operation: 'labels',
      targets: [{ cluster: 'c1', selector: 'kubernetes.io/hostname' }],
      params: { set: { fleet: 'a' } },
    });
    expect(res.statusCode).toBe(202);
    const id = res.json().job.id;
    const done = await until(async () => {
      const j = (await call(viewer, 'GET', `/jobs/${id}`)).json().job;
      return j.finishedAt ? j : undefined;
    });
    expect(done.status).toBe('succeeded');
    const list = await call(viewer, 'GET', '/jobs?limit=1');
    expect(list.json().items[0]).toMatchObject({ id, counts: { ok: done.total } });
    expect(list.json().continue).toBeTruthy();
    const next = await call(
      viewer,
      'GET',
      `/jobs?limit=1&continue=${encodeURIComponent(list.json().continue)}`,
    );
    expect(next.json().items).toHaveLength(1);
    expect(next.json().items[0].id).not.toBe(id);
    expect(next.json().items[0].createdAt <= list.json().items[0].createdAt).toBe(true);
    expect((await call(op, 'POST', `/jobs/${id}/cancel`)).statusCode).toBe(409);
    expect(
      (
        await call(viewer, 'POST', '/jobs', {
          operation: 'uncordon',
          targets: [{ cluster: 'c1', nodes: ['node-0000'] }],
        })
      ).statusCode,
    ).toBe(403);
    expect((await call(opOther, 'GET', `/jobs/${id}`)).statusCode).toBe(404);
    expect(
      (
        await call(opOther, 'POST', '/jobs', {
          operation: 'uncordon',
          targets: [{ cluster: 'c1', nodes: ['node-0000'] }],
        })
      ).statusCode,
    ).toBe(403);
    expect((await call(viewer, 'GET', '/jobs/does-not-exist')).statusCode).toBe(404);
  });

  it('GET /jobs filters by operation and status, and pages within the filter', async () => {
    const started: string[] = [];
    for (const node of ['node-0001', 'node-0002']) {
      const res = await call(op, 'POST', '/jobs', {
        operation: 'uncordon',
        targets: [{ cluster: 'c1', nodes: [node] }],
      });
      expect(res.statusCode).toBe(202);
      started.push(res.json().job.id);
    }
    for (const id of started)
      await until(async () => (await call(viewer, 'GET', `/jobs/${id}`)).json().job.finishedAt);
    const labelsJob = await call(op, 'POST', '/jobs', {
      operation: 'labels',
      targets: [{ cluster: 'c1', nodes: ['node-0001'] }],
      params: { set: { filter: 'x' } },
    });
    const labelsId = labelsJob.json().job.id;
    await until(async () => (await call(viewer, 'GET', `/jobs/${labelsId}`)).json().job.finishedAt);

    // One job a page, following the token, until the server stops giving one.
    const seen: { id: string; operation: string }[] = [];
    let url: string | undefined = '/jobs?operation=uncordon&limit=1';
    while (url) {
      const page = await call(viewer, 'GET', url);
      expect(page.statusCode).toBe(200);
      seen.push(...page.json().items);
      const token: string | undefined = page.json().continue;
      url = token ? `/jobs?operation=uncordon&limit=1&continue=${encodeURIComponent(token)}` : undefined;
    }
    expect(seen.map((j) => j.id).sort()).toEqual([...started].sort());
    expect(seen.every((j) => j.operation === 'uncordon')).toBe(true);

    const labels = (await call(viewer, 'GET', '/jobs?operation=labels&status=succeeded')).json().items;
    expect(labels.map((j: { id: string }) => j.id)).toContain(labelsId);
    expect(labels.every((j: { operation: string }) => j.operation === 'labels')).toBe(true);
    expect((await call(viewer, 'GET', '/jobs?operation=uncordon&status=failed')).json().items).toEqual([]);

    const bad = await call(viewer, 'GET', '/jobs?operation=reboot');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('operation');
  });

  it('bad job bodies → 400 with the field', async () => {
    const res = await call(op, 'POST', '/jobs', {
      operation: 'taints',
      targets: [{ cluster: 'c1', nodes: ['node-0000'] }],
      params: { add: [{ key: 'a', effect: 'Never' }] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('params.add[0].effect');
    expect((await auditEntries(t, { operation: 'job.create', outcome: 'failure' }))[0]).toMatchObject({
      status: 400,
    });
  });

  it('template CRUD with validation and unique names; apply starts a job', async () => {
    const bad = await call(op, 'POST', '/templates', { name: 'x', labels: { set: { 'a b': 'c' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('labels.set.a b');
    const sys = await call(op, 'POST', '/templates', {
      name: 'roles',
      labels: { set: { 'node-role.kubernetes.io/db': '' }, allowSystem: true },
    });
    expect(sys.statusCode).toBe(403);
    const created = await call(op, 'POST', '/templates', {
      name: 'batch pool',
      description: 'spot nodes',
      labels: { set: { pool: 'batch' } },
      taints: { add: [{ key: 'spot', effect: 'PreferNoSchedule' }] },
    });
    expect(created.statusCode).toBe(201);
    const tpl = created.json().template;
    expect(
      (await call(op, 'POST', '/templates', { name: 'batch pool', labels: { set: { a: 'b' } } })).statusCode,
    ).toBe(409);
    expect(
      (await call(viewer, 'GET', '/templates')).json().items.map((x: { name: string }) => x.name),
    ).toContain('batch pool');
    const put = await call(op, 'PUT', `/templates/${tpl.id}`, {
      name: 'batch pool',
      labels: { set: { pool: 'batch2' } },
    });
    expect(put.json().template).toMatchObject({ labels: { set: { pool: 'batch2' } } });
    expect(put.json().template.taints).toBeUndefined();
    const apply = await call(op, 'POST', `/templates/${tpl.id}/apply`, {
      targets: [{ cluster: 'c1', nodes: ['node-0008', 'node-0009'] }],
    });
    expect(apply.statusCode).toBe(202);
    const id = apply.json().job.id;
    await until(async () => (await call(viewer, 'GET', `/jobs/${id}`)).json().job.finishedAt);
    expect(nodeOf('node-0008').metadata.labels?.pool).toBe('batch2');
    const badApply = await call(op, 'POST', `/templates/${tpl.id}/apply`, {
      targets: [{ cluster: 'c1', nodes: ['node-0008'] }],
      extra: 1,
    });
    expect(badApply.statusCode).toBe(400);
    expect((await call(op, 'DELETE', `/templates/${tpl.id}`)).statusCode).toBe(204);
    expect((await call(viewer, 'GET', `/templates/${tpl.id}`)).statusCode).toBe(404);
    expect(
      (
        await call(op, 'POST', `/templates/${tpl.id}/apply`, {
          targets: [{ cluster: 'c1', nodes: ['node-0008'] }],
        })
      ).statusCode,
    ).toBe(404);
    expect((await auditEntries(t, { operation: 'template.create' })).map((e) => e.outcome)).toEqual([
      'failure',
      'success',
      'denied',
      'failure',
    ]);
  });
});
