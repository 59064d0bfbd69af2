// The cluster's own RBAC as well as ours, on a real kube-apiserver with the RBAC authorizer. The product runs
// as a ServiceAccount holding the chart's ClusterRole plus its rbac.impersonate rule, on a cluster added with
// "act as the signed-in user". Two provider accounts, both operators to us: group team-a may only read nodes,
// group team-b may also patch them (RBAC cannot tell a cordon from a label change: both are `patch nodes`).
// A label change by team-a is refused by the cluster with what it refused, shown in the answer and recorded in
// the audit log; team-b's goes through; a user whose groups may not list nodes sees none of the cluster's. The
// permission preflight is asked as each user, so team-a's write actions are disabled before anyone tries.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartRules, type Rule } from './chart-rules.js';
import { makeTestApp, type TestApp } from '../server/harness.js';
import { providerUser } from '../clusters/provider-user.js';
import { controlPlaneAvailable, startControlPlane, waitFor, type ControlPlane } from './harness.js';
import { api, type ApiTarget } from './http.js';

const NS = 'knm';
const SA = 'knm';

const rules = chartRules();
const available = controlPlaneAvailable({ kwok: false }) && !!rules;
if (!available)
  console.log('impersonation tests skipped: no etcd/kube-apiserver binaries or rendered manifests');
const suite = available ? describe : describe.skip;

suite('acting as the signed-in user on a real API server', () => {
  let cp: ControlPlane;
  let admin: ApiTarget;
  let t: TestApp;
  /** The product's service-account files, removed with the suite. */
  let saDir: string | undefined;
  let teamA: Record<string, string>;
  let teamB: Record<string, string>;
  let nobody: Record<string, string>;

  const clusterRole = (name: string, r: Rule[]) =>
    api(admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      body: { metadata: { name }, rules: r },
    });
  const bind = (name: string, role: string, subject: object) =>
    api(admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      body: {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [subject],
      },
    });
  const group = (name: string) => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name });
  const inject = (headers: Record<string, string>, method: 'GET' | 'PATCH', url: string, payload?: object) =>
    t.app.server.inject({ method, url, headers, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    cp = await startControlPlane({ kwok: false });
    admin = { server: cp.server, token: cp.token };
    await api(admin, 'POST', '/api/v1/namespaces', { body: { metadata: { name: NS } } });
    await api(admin, 'POST', `/api/v1/namespaces/${NS}/serviceaccounts`, {
      body: { metadata: { name: SA } },
    });
    // The chart with rbac.impersonate.enabled: its rules plus impersonate on users and groups.
    await clusterRole('knm', [
      ...rules!,
      { apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] },
    ]);
    await bind('knm', 'knm', { kind: 'ServiceAccount', name: SA, namespace: NS });
    await clusterRole('nodes-read', [
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
    ]);
    await clusterRole('nodes-patch', [
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'patch'] },
    ]);
    await bind('team-a', 'nodes-read', group('team-a'));
    await bind('team-b', 'nodes-patch', group('team-b'));
    for (const name of ['node-a', 'node-b'])
      await api(admin, 'POST', '/api/v1/nodes', { body: { metadata: { name, labels: { team: 'none' } } } });

    const tr = await api(admin, 'POST', `/api/v1/namespaces/${NS}/serviceaccounts/${SA}/token`, {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      },
    });
    saDir = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-sa-'));
    fs.writeFileSync(path.join(saDir, 'token'), (tr.body.status as { token: string }).token, { mode: 0o600 });
    fs.copyFileSync(path.join(cp.tmpDir, 'certs', 'apiserver.crt'), path.join(saDir, 'ca.crt'));
    fs.writeFileSync(path.join(saDir, 'namespace'), NS);

    t = await makeTestApp({
      knm: {
        KNM_IN_CLUSTER_HOST: '127.0.0.1',
        KNM_IN_CLUSTER_PORT: new URL(cp.server).port,
        KNM_IN_CLUSTER_SA_DIR: saDir,
        KNM_GUARD_MIN_SCHEDULABLE: '0',
      },
    });
    const add = await t.call('POST', '/api/v1/clusters', {
      name: 'real',
      source: 'in-cluster',
      impersonate: true,
    });
    expect(add.statusCode, add.body).toBe(201);
    teamA = await providerUser(t, 'alice', ['team-a']);
    teamB = await providerUser(t, 'bob', ['team-b']);
    nobody = await providerUser(t, 'carol', ['team-c']);
  }, 180_000);

  afterAll(async () => {
    await t?.close();
    await cp?.stop();
    if (saDir) fs.rmSync(saDir, { recursive: true, force: true });
  });

  const labelOf = async (name: string) =>
    ((await api(admin, 'GET', `/api/v1/nodes/${name}`)).body.metadata?.labels ?? {}).team;

  it('a group that may only read nodes sees them, and its label change is refused by the cluster', async () => {
    await waitFor(
      async () => {
        const r = await inject(teamA, 'GET', '/api/v1/clusters/real/nodes');
        return r.statusCode === 200 && r.json().items.length === 2;
      },
      { timeoutMs: 30_000, what: 'team-a to see both nodes' },
    );
    const r = await inject(teamA, 'PATCH', '/api/v1/clusters/real/nodes/node-a/labels', {
      set: { team: 'a' },
    });
    expect(r.statusCode, r.body).toBe(403);
    const message = r.json().error.message as string;
    expect(message).toContain('cluster "real" refused: needs patch on nodes');
    expect(message).toContain('User "alice" cannot patch resource "nodes"');
    expect(await labelOf('node-a')).toBe('none');

    const audit = (await t.call('GET', '/api/v1/audit?action=node.labels')).json();
    const entry = audit.items.find((e: { user: string }) => e.user === 'alice');
    expect(entry, JSON.stringify(audit.items)).toMatchObject({ outcome: 'denied', cluster: 'real' });
    expect(entry.message).toContain('User "alice" cannot patch resource "nodes"');
  });

  it('a group that may patch nodes changes the label, as itself', async () => {
    const r = await inject(teamB, 'PATCH', '/api/v1/clusters/real/nodes/node-a/labels', {
      set: { team: 'b' },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(await labelOf('node-a')).toBe('b');
    const cordon = await t.app.server.inject({
      method: 'POST',
      url: '/api/v1/clusters/real/nodes/node-b/cordon',
      headers: teamB,
      payload: { reason: 'kernel' },
    });
    expect(cordon.statusCode, cordon.body).toBe(200);
  });

  it('the permission preflight answers as the user: a read-only group sees the write actions disabled', async () => {
    type Op = { operation: string; allowed: boolean; missing: string[] };
    const ask = async (who: Record<string, string>) => {
      const r = await inject(who, 'GET', '/api/v1/clusters/real/permissions');
      expect(r.statusCode, r.body).toBe(200);
      const m = r.json() as { checked: boolean; actingAs?: string; operations: Op[] };
      expect(m.checked).toBe(true);
      return { actingAs: m.actingAs, ops: Object.fromEntries(m.operations.map((o) => [o.operation, o])) };
    };
    const a = await ask(teamA);
    expect(a.actingAs).toBe('alice');
    expect(a.ops.readNodes!.allowed).toBe(true);
    for (const op of ['cordon', 'label', 'taint'])
      expect(a.ops[op], op).toMatchObject({ allowed: false, missing: ['patch on nodes'] });
    for (const op of ['evict', 'deletePods', 'maintenance']) expect(a.ops[op]!.allowed, op).toBe(false);
    expect(a.ops.evict!.missing).toContain('create on pods/eviction');

    // team-b may patch: cordon and labels are allowed for bob on the same cluster, drains still are not.
    const b = await ask(teamB);
    expect(b.actingAs).toBe('bob');
    for (const op of ['readNodes', 'cordon', 'label', 'taint']) expect(b.ops[op]!.allowed, op).toBe(true);
    expect(b.ops.evict!.allowed).toBe(false);
  });

  it('a user whose groups may not list nodes sees none of the cluster’s nodes, with the reason', async () => {
    const all = await inject(nobody, 'GET', '/api/v1/nodes');
    expect(all.statusCode).toBe(200);
    expect(all.json().items).toEqual([]);
    expect(all.json().hiddenClusters.real).toContain('does not let carol list nodes');
    const one = await inject(nobody, 'GET', '/api/v1/clusters/real/nodes');
    expect(one.statusCode).toBe(403);
    // Local accounts are sent with knm:<role> (KNM_IMPERSONATE_LOCAL_GROUPS): the cluster decides for them too.
    await bind('knm-admins', 'nodes-read', group('knm:admin'));
    await waitFor(
      async () => (await t.call('GET', '/api/v1/clusters/real/nodes')).json().items?.length === 2,
      { timeoutMs: 45_000, what: 'the local admin (group knm:admin) to see both nodes' },
    );
  });
});
