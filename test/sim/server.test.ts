/* eslint-disable @typescript-eslint/no-explicit-any -- tests read arbitrary Kubernetes JSON */
import { describe, expect, it } from 'vitest';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startSim, type NodeObject, type PodObject } from '../../src/sim/index.js';
import { api, rawWatch, waitFor } from './helpers.js';

describe('simulator server', () => {
  it('serves discovery documents a client can navigate', async () => {
    const sim = await startSim({ nodes: 0 });
    try {
      expect((await api(sim, 'GET', '/version')).body.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
      expect((await api(sim, 'GET', '/api')).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
      const groups = (await api(sim, 'GET', '/apis')).body;
      expect(groups.groups.map((g: any) => g.name).sort()).toEqual([
        'apps',
        'coordination.k8s.io',
        'metrics.k8s.io',
        'policy',
      ]);
      const core = (await api(sim, 'GET', '/api/v1')).body;
      const nodes = core.resources.find((r: any) => r.name === 'nodes');
      expect(nodes).toMatchObject({ namespaced: false, kind: 'Node', shortNames: ['no'] });
      expect(nodes.verbs).toEqual(expect.arrayContaining(['get', 'list', 'watch', 'patch', 'update']));
      expect(core.resources.find((r: any) => r.name === 'pods/eviction')).toMatchObject({
        group: 'policy',
        version: 'v1',
        kind: 'Eviction',
        verbs: ['create'],
      });
      expect(core.resources.find((r: any) => r.name === 'nodes/status')).toBeDefined();
      const policy = (await api(sim, 'GET', '/apis/policy/v1')).body;
      expect(policy.resources[0]).toMatchObject({
        name: 'poddisruptionbudgets',
        shortNames: ['pdb'],
        namespaced: true,
      });
      const apps = (await api(sim, 'GET', '/apis/apps/v1')).body;
      expect(apps.resources.map((r: any) => r.name)).toEqual(
        expect.arrayContaining(['daemonsets', 'replicasets']),
      );
    } finally {
      await sim.close();
    }
  });

  it('prints tables for kubectl get (server-side printing)', async () => {
    const sim = await startSim({ nodes: 12, podsPerNode: 4 });
    try {
      const accept =
        'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
      const t = (await api(sim, 'GET', '/api/v1/nodes', { headers: { Accept: accept } })).body;
      expect(t.kind).toBe('Table');
      expect(t.columnDefinitions.map((c: any) => c.name).slice(0, 5)).toEqual([
        'Name',
        'Status',
        'Roles',
        'Age',
        'Version',
      ]);
      expect(t.rows).toHaveLength(12);
      const cordoned = (await sim.state.list<NodeObject>('nodes')).find((n) => n.spec.unschedulable)!;
      const row = t.rows.find((r: any) => r.cells[0] === cordoned.metadata.name);
      expect(row.cells[1]).toBe('Ready,SchedulingDisabled');
      expect(row.cells[2]).toBe('worker');
      expect(row.object.kind).toBe('PartialObjectMetadata');
      expect(row.object.metadata.managedFields).toBeUndefined();
      const pt = (
        await api(sim, 'GET', '/api/v1/namespaces/kube-system/pods', { headers: { Accept: accept } })
      ).body;
      expect(pt.columnDefinitions.map((c: any) => c.name).slice(0, 5)).toEqual([
        'Name',
        'Ready',
        'Status',
        'Restarts',
        'Age',
      ]);
      expect(pt.rows[0].cells[1]).toMatch(/^\d+\/\d+$/);
      // Plain JSON clients still get the list.
      expect((await api(sim, 'GET', '/api/v1/nodes')).body.kind).toBe('NodeList');
    } finally {
      await sim.close();
    }
  });

  it('authenticates by bearer token: 401 for a wrong token, 403 for anonymous and for writes by the read-only user', async () => {
    const sim = await startSim({ nodes: 3, podsPerNode: 2 });
    try {
      const wrong = await api(sim, 'GET', '/api/v1/nodes', { token: 'nope' });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      });
      const anon = await api(sim, 'GET', '/api/v1/nodes', { token: null });
      expect(anon.status).toBe(403);
      expect(anon.body.message).toBe(
        'nodes is forbidden: User "system:anonymous" cannot list resource "nodes" in API group "" at the cluster scope',
      );
      expect((await api(sim, 'GET', '/version', { token: null })).status).toBe(200);
      const name = (await api(sim, 'GET', '/api/v1/nodes', { token: sim.readOnlyToken })).body.items[0]
        .metadata.name;
      const patch = await api(sim, 'PATCH', `/api/v1/nodes/${name}`, {
        token: sim.readOnlyToken,
        contentType: 'application/merge-patch+json',
        body: { spec: { unschedulable: true } },
      });
      expect(patch.status).toBe(403);
      expect(patch.body).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `nodes "${name}" is forbidden: User "viewer" cannot patch resource "nodes" in API group "" at the cluster scope`,
        reason: 'Forbidden',
        details: { name, kind: 'nodes' },
        code: 403,
      });
      const pod = (await api(sim, 'GET', '/api/v1/pods', { token: sim.readOnlyToken })).body.items[0];
      const ev = await api(
        sim,
        'POST',
        `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/eviction`,
        {
          token: sim.readOnlyToken,
          body: { metadata: { name: pod.metadata.name } },
        },
      );
      expect(ev.status).toBe(403);
      expect(ev.body.message).toBe(
        `pods "${pod.metadata.name}" is forbidden: User "viewer" cannot create resource "pods/eviction" in API group "" in the namespace "${pod.metadata.namespace}"`,
      );
      const noAnon = await startSim({ nodes: 0, anonymousAuth: false });
      expect((await api(noAnon, 'GET', '/api/v1/nodes', { token: null })).status).toBe(401);
      await noAnon.close();
    } finally {
      await sim.close();
    }
  });

  it('injects failures by verb, resource and name, and counts requests', async () => {
    const sim = await startSim({ nodes: 3, podsPerNode: 0 });
    try {
      const name = sim.state.list('nodes').then((n) => n[0]!.metadata.name);
      const n = await name;
      sim.injectFailures({ verb: 'patch', resource: 'nodes', name: n, status: 500, times: 1 });
      const patch = () =>
        api(sim, 'PATCH', `/api/v1/nodes/${n}`, {
          contentType: 'application/merge-patch+json',
          body: { metadata: { labels: { a: 'b' } } },
        });
      const failed = await patch();
      expect(failed.status).toBe(500);
      expect(failed.body).toMatchObject({ kind: 'Status', reason: 'InternalError', code: 500 });
      expect((await patch()).status).toBe(200);
      sim.injectFailures({ verb: 'GET', resource: 'nodes', status: 503, message: 'etcd is sad' });
      const list = await api(sim, 'GET', '/api/v1/nodes');
      expect(list.status).toBe(503);
      expect(list.body.message).toBe('etcd is sad');
      sim.clearFailures();
      sim.resetRequestCount();
      await api(sim, 'GET', '/api/v1/nodes');
      await api(sim, 'GET', `/api/v1/nodes/${n}`);
      await patch();
      expect(sim.requestCount()).toBe(3);
      expect(sim.requestCount({ verb: 'list', resource: 'nodes' })).toBe(1);
      expect(sim.requestCount({ verb: 'patch' })).toBe(1);
      expect(sim.requestCount({ resource: 'pods' })).toBe(0);
    } finally {
      await sim.close();
    }
  });

  it('restarts on the same port keeping state, and refuses connections while unreachable', async () => {
    const sim = await startSim({ nodes: 4, podsPerNode: 2 });
    try {
      const kc = new KubeConfig();
      kc.loadFromString(sim.kubeconfig());
      const core = kc.makeApiClient(CoreV1Api);
      const before = await core.listNode();
      const w = rawWatch(sim, `/api/v1/nodes?watch=true&resourceVersion=${before.metadata!.resourceVersion}`);
      await waitFor(() => sim.watchCount() === 1);
      await sim.restart();
      await w.ended;
      const after = await core.listNode();
      expect(after.items.map((n) => n.metadata!.uid)).toEqual(before.items.map((n) => n.metadata!.uid));
      expect(after.metadata!.resourceVersion).toBe(before.metadata!.resourceVersion);

      sim.setUnreachable(true);
      await expect(api(sim, 'GET', '/api/v1/nodes')).rejects.toThrow();
      sim.setUnreachable(false);
      expect((await api(sim, 'GET', '/api/v1/nodes')).status).toBe(200);

      await sim.restart({ resetState: true });
      const reset = await core.listNode();
      expect(reset.items).toHaveLength(4);
    } finally {
      await sim.close();
    }
  });

  it('generates a realistic, deterministic demo cluster', async () => {
    const a = await startSim({ nodes: 40, podsPerNode: 12, seed: 3 });
    const b = await startSim({ nodes: 40, podsPerNode: 12, seed: 3 });
    try {
      const nodes = await a.state.list<NodeObject>('nodes');
      expect((await b.state.list('nodes')).map((n) => n.metadata.name)).toEqual(
        nodes.map((n) => n.metadata.name),
      );
      expect(nodes).toHaveLength(40);
      const names = nodes.map((n) => n.metadata.name);
      expect(names.some((x) => /^ip-\d+-\d+-\d+-\d+\.ec2\.internal$/.test(x))).toBe(true);
      expect(names.some((x) => /^gke-prod-/.test(x))).toBe(true);
      expect(names.some((x) => /^cn-hangzhou\.\d+\.\d+\.\d+\.\d+$/.test(x))).toBe(true);
      const role = (r: string) =>
        nodes.filter((n) => n.metadata.labels![`node-role.kubernetes.io/${r}`] !== undefined);
      expect(role('control-plane')).toHaveLength(3);
      expect(
        role('control-plane').every((n) =>
          n.spec.taints!.some((t) => t.key === 'node-role.kubernetes.io/control-plane'),
        ),
      ).toBe(true);
      const gpu = role('gpu');
      expect(gpu.length).toBeGreaterThan(0);
      expect(
        gpu.every(
          (n) =>
            n.status.capacity!['nvidia.com/gpu'] &&
            n.spec.taints!.some((t) => t.key === 'nvidia.com/gpu' && t.value === 'present'),
        ),
      ).toBe(true);
      const ready = (n: (typeof nodes)[number]) =>
        n.status.conditions!.find((c) => c.type === 'Ready')!.status;
      expect(nodes.filter((n) => ready(n) !== 'True')).toHaveLength(2);
      expect(nodes.filter((n) => n.spec.unschedulable)).toHaveLength(1);
      const raw = JSON.stringify(nodes[5]);
      expect(raw.length).toBeGreaterThan(9000);
      expect(nodes[5]!.metadata.managedFields).toBeDefined();
      const pods = await a.state.list<PodObject>('pods');
      expect(pods.length).toBeGreaterThan(400);
      for (const ds of ['kube-proxy', 'fluent-bit']) {
        const dsPods = pods.filter(
          (p) =>
            p.metadata.ownerReferences?.[0]?.kind === 'DaemonSet' && p.metadata.name.startsWith(`${ds}-`),
        );
        expect(new Set(dsPods.map((p) => p.spec.nodeName)).size).toBe(40);
      }
      const mirror = pods.filter((p) => p.metadata.annotations?.['kubernetes.io/config.mirror']);
      expect(mirror).toHaveLength(12);
      expect(pods.some((p) => p.spec.volumes?.some((v) => v.emptyDir))).toBe(true);
      expect(pods.some((p) => !p.metadata.ownerReferences)).toBe(true);
      expect(pods.some((p) => p.status.phase === 'Succeeded' || p.status.phase === 'Failed')).toBe(true);
      expect(
        pods.filter((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet').length,
      ).toBeGreaterThan(200);
      const pdbs = await a.state.list('poddisruptionbudgets');
      expect(pdbs.length).toBeGreaterThan(3);
      expect(pdbs.every((p) => typeof (p.status as any).disruptionsAllowed === 'number')).toBe(true);
      expect(
        (await a.state.list('events', { fieldSelector: 'involvedObject.kind=Node' })).length,
      ).toBeGreaterThan(40);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('generates the requested number of distinct nodes at larger sizes', async () => {
    const sim = await startSim({ nodes: 700, podsPerNode: 0 });
    try {
      const names = (await sim.state.list('nodes')).map((n) => n.metadata.name);
      expect(new Set(names).size).toBe(700);
    } finally {
      await sim.close();
    }
  });

  it('accepts YAML bodies and serves namespace subresources', async () => {
    const sim = await startSim({ nodes: 0 });
    try {
      const r = await api(sim, 'POST', '/api/v1/namespaces', {
        contentType: 'application/yaml',
        body: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: from-yaml\n',
      });
      expect(r.status).toBe(201);
      expect(r.body.metadata.labels['kubernetes.io/metadata.name']).toBe('from-yaml');
      const st = await api(sim, 'GET', '/api/v1/namespaces/from-yaml/status');
      expect(st.status).toBe(200);
      expect(st.body.status.phase).toBe('Active');
    } finally {
      await sim.close();
    }
  });

  it('uses the injected clock for timestamps and grace periods', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const timers: { at: number; fn: () => void }[] = [];
    const clock = {
      now: () => now,
      setTimeout: (fn: () => void, ms: number) => {
        const t = { at: now + ms, fn };
        timers.push(t);
        return t;
      },
      clearTimeout: (h: unknown) => {
        const i = timers.indexOf(h as (typeof timers)[number]);
        if (i >= 0) timers.splice(i, 1);
      },
    };
    const advance = (ms: number): void => {
      now += ms;
      for (const t of [...timers].sort((a, b) => a.at - b.at)) {
        if (t.at <= now && timers.includes(t)) {
          timers.splice(timers.indexOf(t), 1);
          t.fn();
        }
      }
    };
    const sim = await startSim({ nodes: 0, clock, bookmarkIntervalMs: 3_600_000 });
    try {
      sim.state.createNode({ metadata: { name: 'n' }, spec: {}, status: {} });
      const pod = sim.state.createPod({
        metadata: { name: 'p', namespace: 'default' },
        spec: { nodeName: 'n', containers: [{ name: 'c', image: 'x:1' }] },
        status: { phase: 'Running' },
      });
      expect(pod.metadata.creationTimestamp).toBe('2030-01-01T00:00:00Z');
      const del = await api(sim, 'DELETE', '/api/v1/namespaces/default/pods/p', {
        body: { gracePeriodSeconds: 30 },
      });
      expect(del.body.metadata.deletionTimestamp).toBe('2030-01-01T00:00:30Z');
      advance(29_000);
      expect(sim.state.getPod('default', 'p')).toBeDefined();
      advance(1_000);
      expect(sim.state.getPod('default', 'p')).toBeUndefined();
    } finally {
      await sim.close();
    }
  });

  it('moves only lastHeartbeatTime on a heartbeat', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const sim = await startSim({
      nodes: 5,
      podsPerNode: 0,
      clock: { now: () => now, setTimeout: () => undefined, clearTimeout: () => undefined },
    });
    try {
      const before = new Map((await sim.state.list('nodes')).map((n) => [n.metadata.name, n]));
      const w = rawWatch(sim, `/api/v1/nodes?watch=true&resourceVersion=${sim.state.resourceVersion}`);
      await waitFor(() => sim.watchCount() === 1);
      now += 10_000;
      sim.startChurn({
        heartbeatsPerSecond: 10,
        readyFlapsPerMinute: 0,
        podChurnPerSecond: 0,
        labelChangesPerMinute: 0,
      });
      sim.churnTick(1);
      await w.waitFor((e) => e.length >= 10);
      for (const e of w.events) {
        expect(e.type).toBe('MODIFIED');
        const old = before.get(e.object.metadata.name)!;
        const strip = (n: any) => ({
          ...n,
          kind: undefined,
          apiVersion: undefined,
          metadata: { ...n.metadata, resourceVersion: '' },
          status: {
            ...n.status,
            conditions: n.status.conditions.map((c: any) => ({ ...c, lastHeartbeatTime: '' })),
          },
        });
        expect(strip(e.object)).toEqual(strip(old));
        expect(
          e.object.status.conditions.every((c: any) => c.lastHeartbeatTime === '2030-01-01T00:00:10Z'),
        ).toBe(true);
      }
      w.close();
    } finally {
      await sim.close();
    }
  });

  it('leaves no timers, servers or sockets behind after close', async () => {
    const count = (): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
      return out;
    };
    const before = count();
    const sim = await startSim({
      nodes: 10,
      podsPerNode: 5,
      gracePeriodScale: 0.001,
      bookmarkIntervalMs: 50,
    });
    const w = rawWatch(sim, '/api/v1/pods?watch=true&allowWatchBookmarks=true&timeoutSeconds=600');
    await w.waitFor((e) => e.length > 10);
    sim.startChurn({
      heartbeatsPerSecond: 100,
      readyFlapsPerMinute: 600,
      podChurnPerSecond: 20,
      labelChangesPerMinute: 600,
    });
    await api(
      sim,
      'DELETE',
      `/api/v1/namespaces/${w.events[0]!.object.metadata.namespace}/pods/${w.events[0]!.object.metadata.name}`,
      {
        body: { gracePeriodSeconds: 600 },
      },
    );
    // The simulator's own timers are unref'd (they never keep a process alive), so they are counted here.
    expect(sim.state.timers.size).toBeGreaterThan(0);
    await sim.close();
    expect(sim.state.timers.size).toBe(0);
    await w.ended;
    // Handles are released on a later turn of the event loop; wait for that, with a deadline.
    const settled = (): boolean => {
      const after = count();
      return (['TCPServerWrap', 'TCPSocketWrap', 'Timeout', 'Immediate'] as const).every(
        (k) => (after[k] ?? 0) <= (before[k] ?? 0),
      );
    };
    await waitFor(settled, 3000, 'handles released');
  });

  it('churns heartbeats, flaps, pods and labels, and stops cleanly on close', async () => {
    const sim = await startSim({ nodes: 12, podsPerNode: 6, gracePeriodScale: 0.001 });
    try {
      const w = rawWatch(sim, `/api/v1/nodes?watch=true&resourceVersion=${sim.state.resourceVersion}`);
      const pw = rawWatch(sim, `/api/v1/pods?watch=true&resourceVersion=${sim.state.resourceVersion}`);
      sim.startChurn({
        heartbeatsPerSecond: 50,
        readyFlapsPerMinute: 600,
        podChurnPerSecond: 20,
        labelChangesPerMinute: 600,
      });
      await w.waitFor((e) => e.length >= 40, 5000);
      await pw.waitFor((e) => e.some((x) => x.type === 'ADDED') && e.some((x) => x.type === 'DELETED'), 5000);
      const heartbeat = w.events.find((e) => e.type === 'MODIFIED');
      expect(heartbeat).toBeDefined();
      sim.stopChurn();
      w.close();
      pw.close();
    } finally {
      await sim.close();
    }
    expect(sim.state.timers.size).toBe(0);
    expect(sim.watchCount()).toBe(0);
  });
});
