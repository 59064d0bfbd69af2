// A cluster that acts as the signed-in user, against the simulator's small RBAC model: the user's identity
// (a local account is sent with the group knm:<role>) reaches the cluster, whose own rules then decide writes
// and which cached nodes the user sees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimRbacRule, type SimServer } from '../../src/sim/index.js';
import { makeTestApp, type TestApp } from '../server/harness.js';
import { providerUser } from './provider-user.js';

const READ_NODES = { verbs: ['get', 'list', 'watch'], resources: ['nodes'] };
const ONLY_READ: SimRbacRule[] = [{ groups: ['knm:operator'], ...READ_NODES }];
const MAY_PATCH: SimRbacRule[] = [
  { groups: ['knm:operator'], verbs: ['get', 'list', 'watch', 'patch'], resources: ['nodes'] },
];
const OPERATOR = { 'x-test-role': 'operator' };
const VIEWER = { 'x-test-role': 'viewer' };

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a cluster that acts as the signed-in user', () => {
  let sim: SimServer;
  let t: TestApp;
  let node: string;

  beforeAll(async () => {
    sim = await startSim({ nodes: 3, podsPerNode: 0, rbac: ONLY_READ });
    node = (await sim.state.list('nodes'))[0]!.metadata.name!;
    t = await makeTestApp({ knm: { KNM_GUARD_MIN_SCHEDULABLE: '0' } });
    const add = await t.call('POST', '/api/v1/clusters', {
      name: 'rbac',
      source: 'kubeconfig',
      kubeconfig: sim.kubeconfig(),
    });
    expect(add.statusCode, add.body).toBe(201);
    expect(add.json().impersonate).toBe(false);
    // Writes plan on the live cache's copy once it is synced (before that they read the node first).
    await until(
      'the cluster to be synced',
      async () =>
        (await t.call('GET', '/api/v1/clusters/rbac')).json().state === 'synced' ? true : undefined,
      30_000,
    );
  });
  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  const label = (value: string) =>
    t.call('PATCH', `/api/v1/clusters/rbac/nodes/${node}/labels`, { set: { team: value } }, OPERATOR);

  it('without the option, writes are the product’s own and the cluster’s user rules do not apply', async () => {
    const r = await label('a');
    expect(r.statusCode, r.body).toBe(200);
  });

  it('with it, a label change the user’s groups may not make is refused by the cluster, named and audited', async () => {
    const on = await t.call('PATCH', '/api/v1/clusters/rbac', { impersonate: true });
    expect(on.statusCode, on.body).toBe(200);
    expect(on.json().impersonate).toBe(true);

    const r = await label('b');
    expect(r.statusCode, r.body).toBe(403);
    const err = r.json().error;
    expect(err.message).toContain('cluster "rbac" refused');
    expect(err.message).toContain('User "test-operator" cannot patch resource "nodes"');
    expect(sim.state.getNode(node)!.metadata.labels!.team).toBe('a');

    const audit = (await t.call('GET', '/api/v1/audit?action=node.labels')).json();
    const entry = audit.items.find((e: { outcome: string }) => e.outcome === 'denied');
    expect(entry, JSON.stringify(audit.items)).toBeDefined();
    expect(entry.user).toBe('test-operator');
    expect(entry.message).toContain('cannot patch resource "nodes"');
  });

  it('the permission preflight answers for the user: what their groups may not do is denied, named', async () => {
    const m = (await t.call('GET', '/api/v1/clusters/rbac/permissions', undefined, OPERATOR)).json();
    expect(m.checked).toBe(true);
    expect(m.actingAs).toBe('test-operator');
    const ops = Object.fromEntries(
      m.operations.map((o: { operation: string; allowed: boolean; missing: string[] }) => [o.operation, o]),
    );
    expect(ops.readNodes.allowed).toBe(true);
    for (const op of ['cordon', 'label', 'taint']) {
      expect(ops[op]).toMatchObject({ allowed: false, missing: ['patch on nodes'] });
    }
    expect(ops.evict.allowed).toBe(false);
    expect(ops.evict.missing).toContain('create on pods/eviction');

    // Another user's groups get their own answer, not the one remembered for the operator.
    const viewer = (await t.call('GET', '/api/v1/clusters/rbac/permissions', undefined, VIEWER)).json();
    expect(viewer.actingAs).toBe('test-viewer');
    expect(viewer.operations.find((o: { operation: string }) => o.operation === 'readNodes')).toMatchObject({
      allowed: false,
      missing: ['list on nodes', 'watch on nodes', 'get on nodes'],
    });
  });

  it('once the cluster grants patch to the group, the same change goes through as that user', async () => {
    sim.setRbac(MAY_PATCH);
    const r = await label('b');
    expect(r.statusCode, r.body).toBe(200);
    expect(sim.state.getNode(node)!.metadata.labels!.team).toBe('b');
    // Asking again (the console's Check) soon sees the grant in the preflight too.
    const label2 = await until('the preflight to allow labels', async () => {
      const m = (
        await t.call('GET', '/api/v1/clusters/rbac/permissions?refresh=true', undefined, OPERATOR)
      ).json();
      const op = m.operations.find((o: { operation: string }) => o.operation === 'label');
      return op?.allowed ? op : undefined;
    });
    expect(label2.missing).toEqual([]);
  });

  it('a user the cluster does not let list nodes sees none of its nodes, with the reason', async () => {
    const seen = await until('the operator to see the cluster’s nodes', async () => {
      const b = (await t.call('GET', '/api/v1/nodes', undefined, OPERATOR)).json();
      return b.items?.length === 3 ? b : undefined;
    });
    expect(seen.hiddenClusters).toBeUndefined();

    const all = (await t.call('GET', '/api/v1/nodes', undefined, VIEWER)).json();
    expect(all.items).toEqual([]);
    expect(all.hiddenClusters.rbac).toContain('does not let test-viewer list nodes');

    const one = await t.call('GET', '/api/v1/clusters/rbac/nodes', undefined, VIEWER);
    expect(one.statusCode).toBe(403);
    expect(one.json().error.message).toContain('does not let test-viewer list nodes');
    const detail = await t.call('GET', `/api/v1/clusters/rbac/nodes/${node}`, undefined, VIEWER);
    expect(detail.statusCode).toBe(403);
  });

  it('a provider account is sent with its provider groups, in single writes and in jobs', async () => {
    sim.setRbac([{ groups: ['oidc:sre'], verbs: ['get', 'list', 'watch', 'patch'], resources: ['nodes'] }]);
    const sre = await providerUser(t, 'dana', ['oidc:sre']);
    const dev = await providerUser(t, 'erin', ['oidc:dev']);
    const as = (h: Record<string, string>, method: 'PATCH' | 'POST', url: string, payload: object) =>
      t.app.server.inject({ method, url, headers: h, payload });

    const ok = await as(sre, 'PATCH', `/api/v1/clusters/rbac/nodes/${node}/labels`, { set: { team: 'c' } });
    expect(ok.statusCode, ok.body).toBe(200);
    const no = await as(dev, 'PATCH', `/api/v1/clusters/rbac/nodes/${node}/labels`, { set: { team: 'd' } });
    expect(no.statusCode).toBe(403);
    expect(no.json().error.message).toContain('User "erin" cannot patch resource "nodes"');

    // A job runs later (and may be adopted by another replica): it still acts as its submitter.
    const job = await as(dev, 'POST', '/api/v1/jobs', {
      operation: 'labels',
      targets: [{ cluster: 'rbac', nodes: [node] }],
      params: { set: { team: 'e' } },
    });
    expect(job.statusCode, job.body).toBe(202);
    const id = job.json().job.id as string;
    const done = await until('the job to finish', async () => {
      const j = (await t.call('GET', `/api/v1/jobs/${id}`)).json().job;
      return j.status === 'running' || j.status === 'queued' ? undefined : j;
    });
    expect(done.nodes[0].status).toBe('failed');
    expect(done.nodes[0].message).toContain('User "erin" cannot patch resource "nodes"');
    expect(sim.state.getNode(node)!.metadata.labels!.team).toBe('c');
  });

  it('refuses bad option input and changes nothing', async () => {
    const r = await t.call('PATCH', '/api/v1/clusters/rbac', { impersonate: 'yes' });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.field).toBe('impersonate');
    const other = await t.call('PATCH', '/api/v1/clusters/rbac', { podIndex: false });
    expect(other.statusCode).toBe(400);
    expect((await t.call('GET', '/api/v1/clusters/rbac')).json().impersonate).toBe(true);
    expect((await t.call('PATCH', '/api/v1/clusters/rbac', { impersonate: true }, OPERATOR)).statusCode).toBe(
      403,
    );
  });
});
