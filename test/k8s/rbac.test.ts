// Least privilege, proven on a real kube-apiserver with the RBAC authorizer: a ServiceAccount bound to exactly
// the chart's ClusterRole (read from the rendered deploy/manifests/sqlite.yaml), its token obtained with the
// TokenRequest API, and the product started in in-cluster mode pointed at that API server and token through its
// settings (KNM_IN_CLUSTER_HOST/PORT/SA_DIR). With the whole role every operation passes; then each rule is
// removed in turn, and the named test that needs it must fail with the product saying which permission is
// missing ("needs create on pods/eviction"), not a bare 403.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartRules, MANIFEST, type Rule } from './chart-rules.js';
import { makeTestApp, type TestApp } from '../server/harness.js';
import type { PermissionMatrix } from '../../src/clusters/permissions.js';
import {
  controlPlaneAvailable,
  createReadyKwokNode,
  startControlPlane,
  waitFor,
  type ControlPlane,
} from './harness.js';
import { api, apiRequest, type ApiTarget, type KubeObject } from './http.js';
import { podManifest } from './targets.js';

const NS = 'knm';
const SA = 'knm';
const ROLE = 'knm-under-test';
const WORK = 'work';
const SA_USER = `system:serviceaccount:${NS}:${SA}`;
const SA_GROUPS = ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'];

const ruleName = (r: Rule) =>
  `${r.verbs.join(',')} on ${r.resources.map((x) => (r.apiGroups[0] ? `${x}.${r.apiGroups[0]}` : x)).join(',')}`;

const rules = chartRules();
const available = controlPlaneAvailable({ kwok: true }) && !!rules;
if (!available) {
  console.log(
    `rbac tests skipped: ${rules ? 'no control-plane binaries (scripts/k8s/build.sh)' : `${MANIFEST} missing (node deploy/render-manifests.mjs)`}`,
  );
}
const suite = available ? describe : describe.skip;

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

// The product under test: one app per role variant, so every informer and cache starts from nothing.
interface Product {
  app: TestApp;
  addAnswer: { statusCode: number; body: Record<string, unknown> };
  /** The last maintenance plan this product started, read back for what it says. */
  planId?: string;
}

type Scenario = (p: Product) => Promise<void>;

/** A controller's selector and pod template, for pods labelled app=<app>. */
const podsOf = (app: string) => ({
  selector: { matchLabels: { app } },
  template: {
    metadata: { labels: { app } },
    spec: { containers: [{ name: 'main', image: `registry.invalid/${app}:1` }] },
  },
});

suite('least privilege on a real API server', () => {
  let cp: ControlPlane;
  let admin: ApiTarget;
  let saDir: string;
  let webPod: KubeObject;
  let apiPod: KubeObject;
  let dbPod: KubeObject;
  const apps: TestApp[] = [];

  async function startProduct(): Promise<Product> {
    const app = await makeTestApp({
      knm: {
        KNM_IN_CLUSTER_HOST: '127.0.0.1',
        KNM_IN_CLUSTER_PORT: new URL(cp.server).port,
        KNM_IN_CLUSTER_SA_DIR: saDir,
        // Two nodes: cordoning one would otherwise trip the default schedulable-share guard.
        KNM_GUARD_MIN_SCHEDULABLE: '0',
      },
    });
    apps.push(app);
    const res = await app.call('POST', '/api/v1/clusters', { name: 'self', source: 'in-cluster' });
    return { app, addAnswer: { statusCode: res.statusCode, body: res.json() } };
  }

  const expectAdded = (p: Product) =>
    expect(p.addAnswer.statusCode, JSON.stringify(p.addAnswer.body)).toBe(201);

  async function nodesFromCache(
    p: Product,
  ): Promise<Array<{ name: string; labels: Record<string, string> }>> {
    const r = await p.app.call('GET', '/api/v1/clusters/self/nodes');
    const body = r.json();
    if (r.statusCode !== 200 || body.degraded)
      throw new Error(`nodes: ${r.statusCode} ${r.body.slice(0, 300)}`);
    return body.items;
  }

  /** Polls the authorizer (as admin) until the service account's permission reads `allowed`. */
  async function authorizerSays(rule: Rule, allowed: boolean): Promise<void> {
    const [resource, subresource] = rule.resources[0]!.split('/');
    await waitFor(
      async () => {
        const r = await api(admin, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SubjectAccessReview',
            spec: {
              user: SA_USER,
              groups: SA_GROUPS,
              resourceAttributes: { verb: rule.verbs[0], group: rule.apiGroups[0], resource, subresource },
            },
          },
        });
        return (r.body.status as { allowed?: boolean }).allowed === allowed;
      },
      { timeoutMs: 20_000, what: `the authorizer to ${allowed ? 'allow' : 'deny'} ${ruleName(rule)}` },
    );
  }

  async function setRole(ruleset: Rule[]): Promise<void> {
    const current = (await api(admin, 'GET', `/apis/rbac.authorization.k8s.io/v1/clusterroles/${ROLE}`)).body;
    await api(admin, 'PUT', `/apis/rbac.authorization.k8s.io/v1/clusterroles/${ROLE}`, {
      body: { ...current, rules: ruleset },
    });
  }

  beforeAll(async () => {
    cp = await startControlPlane({ kwok: true });
    admin = { server: cp.server, token: cp.token };
    // Every authenticated identity may create SelfSubjectAccessReviews through the default
    // system:basic-user binding; without it the chart's own rule is the only grant, so it is proven too.
    await api(admin, 'DELETE', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/system:basic-user');

    await api(admin, 'POST', '/api/v1/namespaces', { body: { metadata: { name: NS } } });
    await api(admin, 'POST', '/api/v1/namespaces', { body: { metadata: { name: WORK } } });
    await api(admin, 'POST', `/api/v1/namespaces/${NS}/serviceaccounts`, {
      body: { metadata: { name: SA } },
    });
    await api(admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      body: { metadata: { name: ROLE }, rules },
    });
    await api(admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      body: {
        metadata: { name: ROLE },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: ROLE },
        subjects: [{ kind: 'ServiceAccount', name: SA, namespace: NS }],
      },
    });
    const tr = await api(admin, 'POST', `/api/v1/namespaces/${NS}/serviceaccounts/${SA}/token`, {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      },
    });
    const token = (tr.body.status as { token: string }).token;
    // What kubelet mounts into a pod: token, the API server's CA, the namespace.
    saDir = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-sa-'));
    fs.writeFileSync(path.join(saDir, 'token'), token, { mode: 0o600 });
    fs.copyFileSync(path.join(cp.tmpDir, 'certs', 'apiserver.crt'), path.join(saDir, 'ca.crt'));
    fs.writeFileSync(path.join(saDir, 'namespace'), NS);

    // Two nodes; on node-b a ReplicaSet's pod (evicted by a drain) and a DaemonSet's pod (left alone).
    await createReadyKwokNode(admin, 'node-a');
    await createReadyKwokNode(admin, 'node-b');
    const rs = (
      await api(admin, 'POST', `/apis/apps/v1/namespaces/${WORK}/replicasets`, {
        body: {
          metadata: { name: 'web' },
          spec: { replicas: 0, ...podsOf('web') },
        },
      })
    ).body;
    const ds = (
      await api(admin, 'POST', `/apis/apps/v1/namespaces/${WORK}/daemonsets`, {
        body: {
          metadata: { name: 'agent' },
          spec: podsOf('agent'),
        },
      })
    ).body;
    const owned = (name: string, owner: KubeObject, kind: string, app: string) => {
      const pod = podManifest(WORK, name, { nodeName: 'node-b', labels: { app } });
      pod.metadata!.ownerReferences = [
        {
          apiVersion: 'apps/v1',
          kind,
          name: owner.metadata!.name,
          uid: owner.metadata!.uid,
          controller: true,
        },
      ];
      return pod;
    };
    webPod = owned('web-1', rs, 'ReplicaSet', 'web');
    await api(admin, 'POST', `/api/v1/namespaces/${WORK}/pods`, { body: webPod });
    await api(admin, 'POST', `/api/v1/namespaces/${WORK}/pods`, {
      body: owned('agent-1', ds, 'DaemonSet', 'agent'),
    });
    // For a maintenance plan on node-a: a Deployment's pod (through its ReplicaSet) covered by a budget. No
    // controller-manager runs here, so the Deployment's and the budget's status are written as it would.
    const deploy = (
      await api(admin, 'POST', `/apis/apps/v1/namespaces/${WORK}/deployments`, {
        body: {
          metadata: { name: 'api' },
          spec: { replicas: 1, ...podsOf('api') },
        },
      })
    ).body;
    await api(admin, 'PATCH', `/apis/apps/v1/namespaces/${WORK}/deployments/api/status`, {
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          observedGeneration: (deploy.metadata as { generation?: number }).generation ?? 1,
          replicas: 1,
          readyReplicas: 1,
          availableReplicas: 1,
        },
      },
    });
    const apiRs = (
      await api(admin, 'POST', `/apis/apps/v1/namespaces/${WORK}/replicasets`, {
        body: {
          metadata: {
            name: 'api-1',
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'Deployment',
                name: 'api',
                uid: deploy.metadata!.uid,
                controller: true,
              },
            ],
          },
          spec: { replicas: 1, ...podsOf('api') },
        },
      })
    ).body;
    apiPod = podManifest(WORK, 'api-1-a', { nodeName: 'node-a', labels: { app: 'api' } });
    apiPod.metadata!.ownerReferences = [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'api-1',
        uid: apiRs.metadata!.uid,
        controller: true,
      },
    ];
    await api(admin, 'POST', `/apis/policy/v1/namespaces/${WORK}/poddisruptionbudgets`, {
      body: {
        metadata: { name: 'api' },
        spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'api' } } },
      },
    });
    // …and a StatefulSet's pod there too, so the gate reads a StatefulSet as well.
    const sts = (
      await api(admin, 'POST', `/apis/apps/v1/namespaces/${WORK}/statefulsets`, {
        body: {
          metadata: { name: 'db' },
          spec: {
            replicas: 1,
            serviceName: 'db',
            ...podsOf('db'),
          },
        },
      })
    ).body;
    await api(admin, 'PATCH', `/apis/apps/v1/namespaces/${WORK}/statefulsets/db/status`, {
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          observedGeneration: (sts.metadata as { generation?: number }).generation ?? 1,
          replicas: 1,
          readyReplicas: 1,
          availableReplicas: 1,
        },
      },
    });
    dbPod = podManifest(WORK, 'db-0', { nodeName: 'node-a', labels: { app: 'db' } });
    dbPod.metadata!.ownerReferences = [
      { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: sts.metadata!.uid, controller: true },
    ];
    await authorizerSays(rules![0]!, true);
  }, 300_000);

  afterAll(async () => {
    for (const a of apps.splice(0)) await a.close();
    if (saDir) fs.rmSync(saDir, { recursive: true, force: true });
    await cp?.stop();
  });

  // ---- the named tests: each one operation through the product's HTTP API ----

  const lists: Scenario = async (p) => {
    expectAdded(p);
    const nodes = await waitFor(async () => (await nodesFromCache(p)).length === 2 && nodesFromCache(p), {
      timeoutMs: 20_000,
      what: 'both nodes in the live cache',
    });
    expect(nodes.map((n) => n.name).sort()).toEqual(['node-a', 'node-b']);
  };

  const watches: Scenario = async (p) => {
    await lists(p);
    const stamp = String(Date.now());
    await api(admin, 'PATCH', '/api/v1/nodes/node-a', {
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { 'example.com/seen': stamp } } },
    });
    await waitFor(
      async () =>
        (await nodesFromCache(p)).find((n) => n.name === 'node-a')?.labels['example.com/seen'] === stamp,
      { timeoutMs: 15_000, what: 'the label change to arrive through the watch' },
    );
  };

  const cordons: Scenario = async (p) => {
    expectAdded(p);
    const r = await p.app.call('POST', '/api/v1/clusters/self/nodes/node-a/cordon', { reason: 'rbac test' });
    expect(r.statusCode, r.body).toBe(200);
    expect((await api(admin, 'GET', '/api/v1/nodes/node-a')).body.spec?.unschedulable).toBe(true);
    const back = await p.app.call('POST', '/api/v1/clusters/self/nodes/node-a/uncordon');
    expect(back.statusCode, back.body).toBe(200);
  };

  const labels: Scenario = async (p) => {
    expectAdded(p);
    const r = await p.app.call('PATCH', '/api/v1/clusters/self/nodes/node-a/labels', {
      set: { 'example.com/pool': 'blue' },
    });
    expect(r.statusCode, r.body).toBe(200);
    const node = (await api(admin, 'GET', '/api/v1/nodes/node-a')).body;
    expect(node.metadata?.labels?.['example.com/pool']).toBe('blue');
  };

  const taints: Scenario = async (p) => {
    expectAdded(p);
    const r = await p.app.call('PATCH', '/api/v1/clusters/self/nodes/node-a/taints', {
      add: [{ key: 'example.com/maintenance', value: 'rbac', effect: 'NoSchedule' }],
    });
    expect(r.statusCode, r.body).toBe(200);
    const node = (await api(admin, 'GET', '/api/v1/nodes/node-a')).body;
    expect(node.spec?.taints).toContainEqual({
      key: 'example.com/maintenance',
      value: 'rbac',
      effect: 'NoSchedule',
    });
    const off = await p.app.call('PATCH', '/api/v1/clusters/self/nodes/node-a/taints', {
      remove: [{ key: 'example.com/maintenance' }],
    });
    expect(off.statusCode, off.body).toBe(200);
  };

  const drainDryRun: Scenario = async (p) => {
    expectAdded(p);
    const r = await p.app.call('POST', '/api/v1/clusters/self/nodes/node-b/drain', {
      dryRun: true,
      ignoreDaemonSets: true,
    });
    expect(r.statusCode, r.body).toBe(200);
    const pods = (r.json().pods as Array<{ name: string; action: string; cause: string }>).map((x) => [
      x.name,
      x.action,
      x.cause,
    ]);
    expect(pods.sort()).toEqual([
      ['agent-1', 'skip', 'daemonset'],
      ['web-1', 'evict', 'removable'],
    ]);
    expect(r.json().wouldSucceed).toBe(true);
  };

  const nodeEvents: Scenario = async (p) => {
    expectAdded(p);
    const r = await p.app.call('GET', '/api/v1/clusters/self/nodes/node-a/events');
    expect(r.statusCode, r.body).toBe(200);
  };

  const preflight: Scenario = async (p) => {
    expectAdded(p);
    const m = (
      await p.app.call('GET', '/api/v1/clusters/self/permissions?refresh=true')
    ).json() as PermissionMatrix;
    expect(m.error).toBeUndefined();
    expect(m.checked).toBe(true);
    // Everything the chart grants; deleting pods needs the opt-in rbac.drainDelete rule.
    expect(Object.fromEntries(m.operations.map((o) => [o.operation, o.missing]))).toEqual({
      readNodes: [],
      cordon: [],
      label: [],
      taint: [],
      evict: [],
      deletePods: ['delete on pods'],
      maintenance: [],
    });
  };

  /** node-a schedulable, its Deployment pod there, and its budget allowing one disruption (as after recovery). */
  async function readyForMaintenance(): Promise<void> {
    await api(admin, 'PATCH', '/api/v1/nodes/node-a', {
      contentType: 'application/merge-patch+json',
      body: { spec: { unschedulable: null } },
    });
    for (const pod of [apiPod, dbPod]) {
      const podPath = `/api/v1/namespaces/${WORK}/pods/${pod.metadata!.name}`;
      const there = await waitFor(
        async () => {
          const r = await apiRequest(admin, 'GET', podPath);
          if (r.status === 404) return 'gone';
          return !(r.body as KubeObject).metadata?.deletionTimestamp && 'there';
        },
        { timeoutMs: 20_000, what: `the evicted pod ${pod.metadata!.name} to be gone` },
      );
      if (there === 'gone') await api(admin, 'POST', `/api/v1/namespaces/${WORK}/pods`, { body: pod });
    }
    await budgetRecovered();
  }

  /**
   * The budget's status as the disruption controller writes it once the evicted pod is gone and its
   * replacement healthy (an eviction leaves allows 0 and the pod under disruptedPods until then).
   */
  async function budgetRecovered(): Promise<void> {
    const pdb = (await api(admin, 'GET', `/apis/policy/v1/namespaces/${WORK}/poddisruptionbudgets/api`)).body;
    await api(admin, 'PATCH', `/apis/policy/v1/namespaces/${WORK}/poddisruptionbudgets/api/status`, {
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          observedGeneration: (pdb.metadata as { generation?: number }).generation ?? 1,
          disruptionsAllowed: 1,
          currentHealthy: 1,
          desiredHealthy: 0,
          expectedPods: 1,
          disruptedPods: null,
        },
      },
    });
  }

  // A rolling maintenance plan of one node: cordon, drain (evicting a Deployment's and a StatefulSet's pod), then
  // the recovery gate reads the ReplicaSet (to find its Deployment), the Deployment, the StatefulSet and the
  // budget; all recovered, the node is uncordoned and the plan succeeds.
  const maintains: Scenario = async (p) => {
    await lists(p);
    await readyForMaintenance();
    const r = await p.app.call('POST', '/api/v1/maintenance', {
      targets: [{ cluster: 'self', nodes: ['node-a'] }],
      maxUnavailable: 1,
      hold: { mode: 'none' },
      gateTimeoutSeconds: 4,
      drain: { ignoreDaemonSets: true, timeoutSeconds: 30 },
    });
    expect(r.statusCode, r.body).toBe(202);
    const id = r.json().maintenance.id as string;
    p.planId = id;
    const plan = await waitFor(
      async () => {
        const j = (await p.app.call('GET', `/api/v1/maintenance/${id}`)).json().maintenance;
        // No disruption controller runs here: the test plays its part once the plan waits at the gate.
        if (j.maintenance?.nodes?.[0]?.step === 'gate') await budgetRecovered();
        return (
          (['succeeded', 'failed', 'partial', 'cancelled'].includes(j.status) || j.maintenance?.paused) && j
        );
      },
      { timeoutMs: 60_000, what: 'the maintenance plan to finish or pause' },
    );
    expect(plan.status, JSON.stringify(plan.maintenance)).toBe('succeeded');
    const node = plan.maintenance.nodes[0];
    expect(node.step).toBe('done');
    expect(
      (node.gateOn as Array<{ kind: string; name: string }>).map((g) => `${g.kind}/${g.name}`).sort(),
    ).toEqual(['Deployment/api', 'PodDisruptionBudget/api', 'StatefulSet/db']);
    expect((await api(admin, 'GET', '/api/v1/nodes/node-a')).body.spec?.unschedulable).toBeFalsy();
  };

  /** Runs last among the full-role tests. */
  const drains: Scenario = async (p) => {
    expectAdded(p);
    const r = await p.app.call('POST', '/api/v1/jobs', {
      operation: 'drain',
      targets: [{ cluster: 'self', nodes: ['node-b'] }],
      params: { ignoreDaemonSets: true, timeoutSeconds: 60 },
    });
    expect(r.statusCode, r.body).toBe(202);
    const id = r.json().job.id as string;
    const job = await waitFor(
      async () => {
        const j = (await p.app.call('GET', `/api/v1/jobs/${id}`)).json().job;
        return ['succeeded', 'failed', 'partial'].includes(j.status) && j;
      },
      { timeoutMs: 60_000, what: 'the drain job to finish' },
    );
    expect(job.status, JSON.stringify(job.nodes)).toBe('succeeded');
    const pod = await apiRequest(admin, 'GET', `/api/v1/namespaces/${WORK}/pods/web-1`);
    expect(pod.status).toBe(404);
    // Undo, for the tests that follow: node-b schedulable, web-1 back.
    await p.app.call('POST', '/api/v1/clusters/self/nodes/node-b/uncordon');
    await api(admin, 'POST', `/api/v1/namespaces/${WORK}/pods`, { body: webPod });
  };

  const SCENARIOS: Record<string, Scenario> = {
    'lists nodes': lists,
    'watches nodes': watches,
    cordons,
    labels,
    taints,
    'drain dry run': drainDryRun,
    'node events': nodeEvents,
    'permission preflight': preflight,
    'maintenance plan': maintains,
    drains,
  };

  describe('bound to the whole ClusterRole, in in-cluster mode', () => {
    let product: Product;
    beforeAll(async () => {
      product = await startProduct();
    });
    for (const [name, run] of Object.entries(SCENARIOS)) it(name, () => run(product));
  });

  const dryRunBody = { dryRun: true, ignoreDaemonSets: true };
  async function planAnswer(p: Product): Promise<unknown> {
    return p.planId ? (await p.app.call('GET', `/api/v1/maintenance/${p.planId}`)).json() : p.addAnswer;
  }
  async function drainJobMessage(p: Product): Promise<unknown> {
    await api(admin, 'POST', `/api/v1/namespaces/${WORK}/pods`, {
      body: { ...podManifest(WORK, `solo-${Date.now()}`, { nodeName: 'node-b' }) },
    });
    const r = await p.app.call('POST', '/api/v1/jobs', {
      operation: 'drain',
      targets: [{ cluster: 'self', nodes: ['node-b'] }],
      params: { ignoreDaemonSets: true, force: true, timeoutSeconds: 30 },
    });
    const id = r.json().job?.id as string;
    if (!id) return r.body;
    try {
      return await waitFor(
        async () => {
          const j = (await p.app.call('GET', `/api/v1/jobs/${id}`)).json().job;
          return ['succeeded', 'failed', 'partial'].includes(j.status) && j;
        },
        { timeoutMs: 60_000, what: 'the drain job to finish' },
      );
    } finally {
      await p.app.call('POST', '/api/v1/clusters/self/nodes/node-b/uncordon');
    }
  }

  // For each named test, the API answer an operator (or the console) sees when it fails for want of a permission.
  const ANSWERS: Record<string, (p: Product) => Promise<unknown>> = {
    'lists nodes': async (p) => p.addAnswer,
    cordons: async (p) =>
      (await p.app.call('POST', '/api/v1/clusters/self/nodes/node-a/cordon', { reason: 'x' })).body,
    'drain dry run': async (p) =>
      (await p.app.call('POST', '/api/v1/clusters/self/nodes/node-b/drain', dryRunBody)).body,
    drains: drainJobMessage,
    'node events': async (p) => (await p.app.call('GET', '/api/v1/clusters/self/nodes/node-a/events')).body,
    'maintenance plan': planAnswer,
    'permission preflight': async (p) =>
      (await p.app.call('GET', '/api/v1/clusters/self/permissions?refresh=true')).body,
  };

  const WORKLOAD_GETS = 'get on replicasets.apps,deployments.apps,statefulsets.apps';
  // Which named test each rule keeps passing, and the permission the product must name when the rule is gone.
  const REMOVALS: Array<{
    rule: string;
    /** Only these resources are taken out of the rule (each resource of a shared rule proven on its own). */
    resources?: string[];
    test: string;
    missing: string;
  }> = [
    { rule: 'get,list,watch on nodes', test: 'lists nodes', missing: 'list on nodes' },
    { rule: 'patch on nodes', test: 'cordons', missing: 'patch on nodes' },
    { rule: 'get,list,watch on pods', test: 'drain dry run', missing: 'list on pods' },
    { rule: 'create on pods/eviction', test: 'drains', missing: 'create on pods/eviction' },
    { rule: 'list on events', test: 'node events', missing: 'list on events' },
    {
      rule: 'list on poddisruptionbudgets.policy',
      test: 'drain dry run',
      missing: 'list on poddisruptionbudgets.policy',
    },
    { rule: 'get on daemonsets.apps', test: 'drain dry run', missing: 'get on daemonsets.apps' },
    { rule: WORKLOAD_GETS, test: 'maintenance plan', missing: 'get on replicasets.apps' },
    {
      rule: WORKLOAD_GETS,
      resources: ['deployments'],
      test: 'maintenance plan',
      missing: 'get on deployments.apps',
    },
    {
      rule: WORKLOAD_GETS,
      resources: ['statefulsets'],
      test: 'maintenance plan',
      missing: 'get on statefulsets.apps',
    },
    {
      rule: 'get on poddisruptionbudgets.policy',
      test: 'maintenance plan',
      missing: 'get on poddisruptionbudgets.policy',
    },
    {
      rule: 'create on selfsubjectaccessreviews.authorization.k8s.io,selfsubjectrulesreviews.authorization.k8s.io',
      test: 'permission preflight',
      missing: 'create on selfsubjectaccessreviews.authorization.k8s.io',
    },
  ];

  // What the image runs (deploy/Containerfile): `node dist/server/main.js` (the TypeScript source through tsx when
  // dist is not built), configured only by environment as the chart's Deployment does, writing only its data
  // directory, and managing its own cluster through the in-cluster source.
  it('the server process, started as the image starts it, manages the cluster in in-cluster mode', async () => {
    const built = fs.existsSync('dist/server/main.js');
    const args = built ? ['dist/server/main.js'] : ['--import', 'tsx', 'src/main.ts'];
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-data-'));
    const port = await freePort();
    const child = spawn(process.execPath, args, {
      env: {
        PATH: process.env.PATH,
        HOME: data,
        KNM_HOST: '127.0.0.1',
        KNM_PORT: String(port),
        KNM_DATA_DIR: data,
        KNM_DEMO: 'false',
        KNM_LOG_LEVEL: 'warn',
        KNM_SECRET_KEY: randomBytes(32).toString('base64'),
        KNM_ADMIN_PASSWORD: 'rbac-process-password',
        KNM_IN_CLUSTER_HOST: '127.0.0.1',
        KNM_IN_CLUSTER_PORT: new URL(cp.server).port,
        KNM_IN_CLUSTER_SA_DIR: saDir,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, {
        timeoutMs: 60_000,
        what: `the server to be ready (${stderr.slice(-500)})`,
      });
      const login = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'rbac-process-password' }),
      });
      expect(login.status).toBe(200);
      const cookie = login.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const { csrfToken } = (await login.json()) as { csrfToken: string };
      const headers = { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
      const add = await fetch(`${base}/api/v1/clusters`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'self', source: 'in-cluster' }),
      });
      const added = (await add.json()) as { server: string; permissions: PermissionMatrix };
      expect(add.status, JSON.stringify(added)).toBe(201);
      expect(added.server).toBe(cp.server);
      expect(added.permissions.checked).toBe(true);
      const names = await waitFor(
        async () => {
          const r = (await (await fetch(`${base}/api/v1/clusters/self/nodes`, { headers })).json()) as {
            items?: Array<{ name: string }>;
            degraded?: boolean;
          };
          return !r.degraded && r.items?.length === 2 && r.items.map((n) => n.name).sort();
        },
        { timeoutMs: 20_000, what: 'the nodes from the live cache' },
      );
      expect(names).toEqual(['node-a', 'node-b']);
      // The data directory holds the SQLite store; no key file is written when the key comes from the Secret.
      expect(fs.readdirSync(data).filter((f) => !f.startsWith('.'))).toContain('knm.sqlite');
      expect(fs.existsSync(path.join(data, 'secret.key'))).toBe(false);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      fs.rmSync(data, { recursive: true, force: true });
    }
  });

  describe('each rule removed in turn', () => {
    it('every rule of the chart is covered below', () => {
      expect(rules!.map(ruleName).sort()).toEqual([...new Set(REMOVALS.map((r) => r.rule))].sort());
    });

    for (const removal of REMOVALS) {
      const what = removal.resources ? `${removal.resources.join(',')} of ${removal.rule}` : removal.rule;
      it(`without "${what}", "${removal.test}" fails saying what is missing`, async () => {
        const index = rules!.findIndex((r) => ruleName(r) === removal.rule);
        expect(index, `rule ${removal.rule} in the chart`).toBeGreaterThanOrEqual(0);
        const rule = rules![index]!;
        const kept = removal.resources
          ? { ...rule, resources: rule.resources.filter((r) => !removal.resources!.includes(r)) }
          : undefined;
        const removed = removal.resources ? { ...rule, resources: removal.resources } : rule;
        await setRole(rules!.flatMap((r, i) => (i !== index ? [r] : kept ? [kept] : [])));
        try {
          await authorizerSays(removed, false);
          const p = await startProduct();
          // The named test fails…
          const outcome = await SCENARIOS[removal.test]!(p).then(
            () => 'passed',
            (e: Error) => e.message,
          );
          expect(outcome, `"${removal.test}" without ${removal.rule}`).not.toBe('passed');
          // …and the product names the permission, in the API answer an operator (or the console) sees.
          const answer = await ANSWERS[removal.test]!(p);
          expect(JSON.stringify(answer)).toContain(`needs ${removal.missing}`);
          // The preflight already said so when the cluster was added (unless asking is what was removed).
          const matrix = p.addAnswer.body.permissions as PermissionMatrix | undefined;
          if (p.addAnswer.statusCode === 201 && !removal.test.includes('preflight')) {
            const missing = matrix!.operations.flatMap((o) => o.missing);
            if (!removal.rule.includes('events')) expect(missing).toContain(removal.missing);
          }
        } finally {
          await setRole(rules!);
          await authorizerSays(removed, true);
        }
      });
    }
  });
});
