/* eslint-disable @typescript-eslint/no-explicit-any -- tests read arbitrary Kubernetes JSON */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startSim, type SimServer } from '../../src/sim/index.js';
import { api, node, runningPod } from './helpers.js';

describe('simulator LIST', () => {
  let sim: SimServer;
  let core: CoreV1Api;

  beforeAll(async () => {
    sim = await startSim({ nodes: 30, podsPerNode: 10, seed: 7 });
    const kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfig());
    core = kc.makeApiClient(CoreV1Api);
  });
  afterAll(() => sim.close());

  it('pages nodes with limit/continue through @kubernetes/client-node and reports remainingItemCount', async () => {
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    let firstRv: string | undefined;
    do {
      const page = await core.listNode({ limit: 7, _continue: token });
      expect(page.kind).toBe('NodeList');
      firstRv ??= page.metadata?.resourceVersion;
      expect(page.metadata?.resourceVersion).toBe(firstRv);
      names.push(...page.items.map((n) => n.metadata!.name!));
      token = page.metadata?._continue;
      if (token) expect(page.metadata?.remainingItemCount).toBe(30 - names.length);
      pages++;
    } while (token);
    expect(pages).toBe(5);
    expect(names).toHaveLength(30);
    expect([...names].sort()).toEqual(names);
    expect(new Set(names).size).toBe(30);
  });

  it('keeps a consistent snapshot across pages while nodes change', async () => {
    const first = await api(sim, 'GET', '/api/v1/nodes?limit=10');
    const seen = first.body.items.map((n: any) => n.metadata.name);
    const all = (await api(sim, 'GET', '/api/v1/nodes')).body.items.map((n: any) => n.metadata.name);
    const later = all[20];
    const victim = all[25];
    // After the first page: add a node, delete one, relabel one — none of this may show in later pages.
    sim.state.createNode(node('zzz-added-after-first-page'));
    sim.state.deleteNode(victim);
    sim.state.updateNode(later, (n) => {
      n.metadata.labels!['changed'] = 'yes';
    });
    let token = first.body.metadata.continue;
    const rest: any[] = [];
    while (token) {
      const r = await api(sim, 'GET', `/api/v1/nodes?limit=10&continue=${encodeURIComponent(token)}`);
      expect(r.status).toBe(200);
      expect(r.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
      rest.push(...r.body.items);
      token = r.body.metadata.continue;
    }
    const names = [...seen, ...rest.map((n) => n.metadata.name)];
    expect(names).toEqual(all);
    expect(names).toContain(victim);
    expect(names).not.toContain('zzz-added-after-first-page');
    expect(rest.find((n) => n.metadata.name === later).metadata.labels.changed).toBeUndefined();
    // A fresh list sees the changes.
    const fresh = (await api(sim, 'GET', '/api/v1/nodes')).body.items;
    expect(fresh.map((n: any) => n.metadata.name)).toContain('zzz-added-after-first-page');
    expect(fresh.find((n: any) => n.metadata.name === later).metadata.labels.changed).toBe('yes');
    sim.state.deleteNode('zzz-added-after-first-page');
  });

  it('serves resourceVersion=0 from memory, ignoring limit', async () => {
    const r = await api(sim, 'GET', '/api/v1/pods?resourceVersion=0&limit=5');
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBe(sim.state.count('pods'));
    expect(r.body.metadata.continue).toBeUndefined();
    expect(r.body.items[0].kind).toBeUndefined();
  });

  it('answers an exact resourceVersion list from history and 410 once it is compacted', async () => {
    const before = await api(sim, 'GET', '/api/v1/nodes');
    const rv = before.body.metadata.resourceVersion;
    const name = before.body.items[0].metadata.name;
    sim.state.updateNode(name, (n) => {
      n.metadata.labels!['exact-test'] = '1';
    });
    const exact = await api(sim, 'GET', `/api/v1/nodes?resourceVersion=${rv}&resourceVersionMatch=Exact`);
    expect(exact.status).toBe(200);
    expect(exact.body.metadata.resourceVersion).toBe(rv);
    expect(exact.body.items[0].metadata.labels['exact-test']).toBeUndefined();
    sim.compact();
    const gone = await api(sim, 'GET', `/api/v1/nodes?resourceVersion=${rv}&resourceVersionMatch=Exact`);
    expect(gone.status).toBe(410);
    expect(gone.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
  });

  it('expires a continue token after compaction with 410 Expired and an inconsistent-continue token', async () => {
    const first = await api(sim, 'GET', '/api/v1/nodes?limit=5');
    sim.state.updateNode(first.body.items[0].metadata.name, (n) => {
      n.metadata.labels!['bump'] = String(Date.now());
    });
    sim.compact();
    const r = await api(sim, 'GET', `/api/v1/nodes?limit=5&continue=${first.body.metadata.continue}`);
    expect(r.status).toBe(410);
    expect(r.body.reason).toBe('Expired');
    expect(r.body.message).toContain('The provided continue parameter is too old');
    expect(typeof r.body.metadata.continue).toBe('string');
    const resumed = await api(sim, 'GET', `/api/v1/nodes?limit=5&continue=${r.body.metadata.continue}`);
    expect(resumed.status).toBe(200);
    expect(resumed.body.items[0].metadata.name > first.body.items[4].metadata.name).toBe(true);
  });

  it('rejects a malformed continue token and resourceVersion together with continue', async () => {
    expect((await api(sim, 'GET', '/api/v1/nodes?limit=5&continue=not-a-token')).status).toBe(400);
    const first = await api(sim, 'GET', '/api/v1/nodes?limit=5');
    const both = await api(
      sim,
      'GET',
      `/api/v1/nodes?limit=5&resourceVersion=5&continue=${first.body.metadata.continue}`,
    );
    expect(both.status).toBe(400);
    expect(both.body.message).toBe('specifying resource version is not allowed when using continue');
  });

  it('supports the full label selector syntax', async () => {
    const count = async (sel: string): Promise<number> => {
      const r = await api(sim, 'GET', `/api/v1/nodes?labelSelector=${encodeURIComponent(sel)}`);
      expect(r.status).toBe(200);
      return r.body.items.length;
    };
    const all = await count('');
    const cp = await count('node-role.kubernetes.io/control-plane');
    expect(cp).toBe(3);
    expect(await count('!node-role.kubernetes.io/control-plane')).toBe(all - cp);
    const a = await count('pool=pool-a');
    expect(await count('pool==pool-a')).toBe(a);
    expect(await count('pool!=pool-a')).toBe(all - a);
    const b = await count('pool in (pool-b)');
    expect(await count('pool in (pool-a, pool-b)')).toBe(a + b);
    expect(await count('pool notin (pool-a,pool-b)')).toBe(all - a - b);
    expect(await count('kubernetes.io/os=linux,pool=pool-a')).toBe(a);
    expect(await count('no-such-label notin (x)')).toBe(all);
    const bad = await api(sim, 'GET', `/api/v1/nodes?labelSelector=${encodeURIComponent('a in b')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.reason).toBe('BadRequest');
  });

  it('filters pods with field selectors and rejects unsupported fields like the real server', async () => {
    const nodeName = (await api(sim, 'GET', '/api/v1/nodes')).body.items[5].metadata.name;
    const onNode = await api(
      sim,
      'GET',
      `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${nodeName}`)}`,
    );
    expect(onNode.body.items.length).toBeGreaterThan(0);
    expect(onNode.body.items.every((p: any) => p.spec.nodeName === nodeName)).toBe(true);
    const all = (await api(sim, 'GET', '/api/v1/pods')).body.items;
    expect(onNode.body.items.length).toBe(all.filter((p: any) => p.spec.nodeName === nodeName).length);
    const notRunning = await api(
      sim,
      'GET',
      `/api/v1/pods?fieldSelector=${encodeURIComponent('status.phase!=Running')}`,
    );
    expect(notRunning.body.items.every((p: any) => p.status.phase !== 'Running')).toBe(true);
    const combined = await api(
      sim,
      'GET',
      `/api/v1/namespaces/kube-system/pods?fieldSelector=${encodeURIComponent(`spec.nodeName==${nodeName},status.phase=Running`)}`,
    );
    expect(
      combined.body.items.every(
        (p: any) => p.metadata.namespace === 'kube-system' && p.spec.nodeName === nodeName,
      ),
    ).toBe(true);
    const bad = await api(sim, 'GET', `/api/v1/pods?fieldSelector=${encodeURIComponent('spec.foo=bar')}`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      kind: 'Status',
      reason: 'BadRequest',
      message: 'field label not supported: spec.foo',
      code: 400,
    });
    const nodeNs = await api(
      sim,
      'GET',
      `/api/v1/nodes?fieldSelector=${encodeURIComponent('metadata.namespace=x')}`,
    );
    expect(nodeNs.status).toBe(400);
    const nodeByName = await api(
      sim,
      'GET',
      `/api/v1/nodes?fieldSelector=${encodeURIComponent(`metadata.name=${nodeName}`)}`,
    );
    expect(nodeByName.body.items.map((n: any) => n.metadata.name)).toEqual([nodeName]);
  });

  it('pages a per-node pod list with the field selector, as kubectl drain does', async () => {
    const nodeName = (await api(sim, 'GET', '/api/v1/nodes')).body.items[4].metadata.name;
    for (let i = 0; i < 6; i++) sim.state.createPod(runningPod('default', `extra-${i}`, nodeName));
    const sel = encodeURIComponent(`spec.nodeName=${nodeName}`);
    const expected = (await api(sim, 'GET', `/api/v1/pods?fieldSelector=${sel}`)).body.items.length;
    let token = '';
    let got = 0;
    do {
      const r = await api(
        sim,
        'GET',
        `/api/v1/pods?fieldSelector=${sel}&limit=3${token ? `&continue=${token}` : ''}`,
      );
      got += r.body.items.length;
      expect(r.body.metadata.remainingItemCount).toBeUndefined();
      token = r.body.metadata.continue ?? '';
    } while (token);
    expect(got).toBe(expected);
  });

  it('keeps a per-node pod page sequence consistent while pods on that node come and go', async () => {
    const nodeName = (await api(sim, 'GET', '/api/v1/nodes')).body.items[7].metadata.name;
    const sel = encodeURIComponent(`spec.nodeName=${nodeName}`);
    const all = (await api(sim, 'GET', `/api/v1/pods?fieldSelector=${sel}`)).body.items.map(
      (p: any) => `${p.metadata.namespace}/${p.metadata.name}`,
    );
    const first = await api(sim, 'GET', `/api/v1/pods?fieldSelector=${sel}&limit=2`);
    const last = all[all.length - 1].split('/');
    sim.state.deletePod(last[0], last[1], { gracePeriodSeconds: 0 });
    sim.state.createPod(runningPod('zzz-late', 'late-arrival', nodeName));
    const names = first.body.items.map((p: any) => `${p.metadata.namespace}/${p.metadata.name}`);
    let token = first.body.metadata.continue;
    while (token) {
      const r = await api(sim, 'GET', `/api/v1/pods?fieldSelector=${sel}&limit=2&continue=${token}`);
      names.push(...r.body.items.map((p: any) => `${p.metadata.namespace}/${p.metadata.name}`));
      token = r.body.metadata.continue;
    }
    expect(names).toEqual(all);
  });

  it('lists events for a node by involvedObject fields', async () => {
    const nodeName = (await api(sim, 'GET', '/api/v1/nodes')).body.items[0].metadata.name;
    const sel = encodeURIComponent(`involvedObject.kind=Node,involvedObject.name=${nodeName}`);
    const r = await api(sim, 'GET', `/api/v1/events?fieldSelector=${sel}`);
    expect(r.body.kind).toBe('EventList');
    expect(r.body.items.length).toBeGreaterThan(0);
    expect(r.body.items.every((e: any) => e.involvedObject.name === nodeName)).toBe(true);
  });

  it('answers missing objects and unknown resources with NotFound Status bodies', async () => {
    const r = await api(sim, 'GET', '/api/v1/nodes/does-not-exist');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'nodes "does-not-exist" not found',
      reason: 'NotFound',
      details: { name: 'does-not-exist', kind: 'nodes' },
      code: 404,
    });
    const pdb = await api(sim, 'GET', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/nope');
    expect(pdb.body.message).toBe('poddisruptionbudgets.policy "nope" not found');
    expect(pdb.body.details).toEqual({ name: 'nope', group: 'policy', kind: 'poddisruptionbudgets' });
    expect((await api(sim, 'GET', '/api/v1/widgets')).status).toBe(404);
  });
});
