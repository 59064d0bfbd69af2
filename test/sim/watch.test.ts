import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { startSim, type SimServer } from '../../src/sim/index.js';
import { api, node, rawWatch, waitFor, type RawWatch } from './helpers.js';

describe('simulator WATCH', () => {
  let sim: SimServer;
  const open: RawWatch[] = [];
  const watch = (path: string, token?: string): RawWatch => {
    const w = rawWatch(sim, path, token);
    open.push(w);
    return w;
  };

  beforeAll(async () => {
    sim = await startSim({ nodes: 8, podsPerNode: 5, bookmarkIntervalMs: 100 });
  });
  afterEach(() => {
    for (const w of open.splice(0)) w.close();
  });
  afterAll(() => sim.close());

  it('streams events to a @kubernetes/client-node Watch', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfig());
    const list = await api(sim, 'GET', '/api/v1/nodes');
    const seen: { type: string; name: string; rv: string }[] = [];
    const ctrl = await new Watch(kc).watch(
      '/api/v1/nodes',
      { resourceVersion: list.body.metadata.resourceVersion },
      (type, obj) => seen.push({ type, name: obj.metadata.name, rv: obj.metadata.resourceVersion }),
      () => undefined,
    );
    try {
      await waitFor(() => sim.watchCount() > 0, 2000, 'watch registered');
      sim.state.createNode(node('watched-1'));
      sim.state.updateNode('watched-1', (n) => {
        n.metadata.labels!.x = 'y';
      });
      sim.state.deleteNode('watched-1');
      await waitFor(() => seen.length >= 3, 3000, 'three events');
      expect(seen.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
      expect(seen.every((e) => e.name === 'watched-1')).toBe(true);
      const rvs = seen.map((e) => Number(e.rv));
      expect(rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!).toBe(true);
    } finally {
      ctrl.abort();
    }
  });

  it('starts with synthetic ADDED events for every object when resourceVersion is unset or 0', async () => {
    const n = sim.state.count('nodes');
    for (const rv of ['', '&resourceVersion=0']) {
      const w = watch(`/api/v1/nodes?watch=true${rv}`);
      await w.waitFor((e) => e.length >= n);
      expect(w.events.slice(0, n).every((e) => e.type === 'ADDED' && e.object.kind === 'Node')).toBe(true);
      w.close();
    }
  });

  it('resumes from a resourceVersion with exactly the later events', async () => {
    sim.state.createNode(node('resume-a'));
    const rv = sim.state.resourceVersion;
    sim.state.updateNode('resume-a', (x) => {
      x.metadata.labels!.step = '1';
    });
    sim.state.createNode(node('resume-b'));
    sim.state.deleteNode('resume-a');
    const w = watch(`/api/v1/nodes?watch=1&resourceVersion=${rv}`);
    await w.waitFor((e) => e.length >= 3);
    expect(w.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'MODIFIED resume-a',
      'ADDED resume-b',
      'DELETED resume-a',
    ]);
    expect(w.events[2]!.object.metadata.resourceVersion).toBe(String(sim.state.resourceVersion));
    sim.state.updateNode('resume-b', (x) => {
      x.metadata.labels!.live = 'yes';
    });
    await w.waitFor((e) => e.length >= 4);
    expect(w.events[3]!.type).toBe('MODIFIED');
    sim.state.deleteNode('resume-b');
  });

  it('sends periodic bookmarks carrying only the resourceVersion once the kind has moved on', async () => {
    const list = await api(sim, 'GET', '/api/v1/nodes');
    const from = list.body.metadata.resourceVersion;
    const w = watch(`/api/v1/nodes?watch=true&allowWatchBookmarks=true&resourceVersion=${from}`);
    const plain = watch(`/api/v1/nodes?watch=true&resourceVersion=${from}`);
    await waitFor(() => sim.watchCount() >= 2);
    // Like the real watch cache, a kind with no change since the watch's start gets no bookmark.
    sim.state.createNode(node('bookmark-trigger'));
    await w.waitFor((e) => e.some((x) => x.type === 'BOOKMARK'), 3000);
    const bm = w.events.find((e) => e.type === 'BOOKMARK')!;
    expect(bm.object.kind).toBe('Node');
    expect(bm.object.metadata).toEqual({ resourceVersion: String(sim.state.store('nodes').latestRv) });
    expect(Number(bm.object.metadata.resourceVersion)).toBeGreaterThan(Number(from));
    await w.waitFor((e) => e.filter((x) => x.type === 'BOOKMARK').length >= 2, 3000);
    expect(plain.events.map((e) => e.type)).toEqual(['ADDED']);
    sim.state.deleteNode('bookmark-trigger');
  });

  it('answers a resume from a compacted resourceVersion with one 410 ERROR event and ends the stream', async () => {
    const rv = sim.state.resourceVersion;
    sim.state.createNode(node('after-compact'));
    sim.compact();
    const w = watch(`/api/v1/nodes?watch=true&resourceVersion=${rv}`);
    expect(await w.status).toBe(200);
    await w.ended;
    expect(w.events).toHaveLength(1);
    expect(w.events[0]!.type).toBe('ERROR');
    expect(w.events[0]!.object).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Expired',
      code: 410,
    });
    expect(w.events[0]!.object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
    // The current resourceVersion is still a valid starting point.
    const ok = watch(`/api/v1/nodes?watch=true&resourceVersion=${sim.state.resourceVersion}`);
    sim.state.deleteNode('after-compact');
    await ok.waitFor((e) => e.length === 1);
    expect(ok.events[0]!.type).toBe('DELETED');
  });

  it('reports 410 when the retained history limit is exceeded', async () => {
    const small = await startSim({ nodes: 3, podsPerNode: 0, historyLimit: 5 });
    try {
      const rv = small.state.resourceVersion;
      for (let i = 0; i < 6; i++) small.state.createNode(node(`h-${i}`));
      const w = rawWatch(small, `/api/v1/nodes?watch=true&resourceVersion=${rv}`, small.token);
      await w.ended;
      expect(w.events[0]!.object.code).toBe(410);
      const recent = rawWatch(small, `/api/v1/nodes?watch=true&resourceVersion=${rv + 2}`, small.token);
      await recent.waitFor((e) => e.length === 4);
      expect(recent.events.map((e) => e.object.metadata.name)).toEqual(['h-2', 'h-3', 'h-4', 'h-5']);
      recent.close();
    } finally {
      await small.close();
    }
  });

  it('turns selector transitions into ADDED/DELETED for a filtered watch', async () => {
    sim.state.createNode(node('sel-node', { tier: 'blue' }));
    const w = watch(
      `/api/v1/nodes?watch=true&resourceVersion=${sim.state.resourceVersion}&labelSelector=tier%3Dgreen`,
    );
    await waitFor(() => sim.watchCount() > 0);
    sim.state.updateNode('sel-node', (n) => {
      n.metadata.labels!.tier = 'green';
    });
    sim.state.updateNode('sel-node', (n) => {
      n.metadata.labels!.extra = '1';
    });
    sim.state.updateNode('sel-node', (n) => {
      n.metadata.labels!.tier = 'red';
    });
    await w.waitFor((e) => e.length >= 3);
    expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    sim.state.deleteNode('sel-node');
  });

  it('filters a pod watch by node with a field selector', async () => {
    const nodeName = (await api(sim, 'GET', '/api/v1/nodes')).body.items[2].metadata.name;
    const w = watch(`/api/v1/pods?watch=true&fieldSelector=spec.nodeName%3D${encodeURIComponent(nodeName)}`);
    const expected = (await sim.state.list('pods', { fieldSelector: `spec.nodeName=${nodeName}` })).length;
    await w.waitFor((e) => e.length >= expected);
    expect(w.events.every((e) => e.object.spec.nodeName === nodeName)).toBe(true);
  });

  it('closes the stream after timeoutSeconds', async () => {
    const started = Date.now();
    const w = watch(`/api/v1/nodes?watch=true&timeoutSeconds=1&resourceVersion=${sim.state.resourceVersion}`);
    await w.ended;
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('cutWatches() ends every open stream', async () => {
    const a = watch(`/api/v1/nodes?watch=true&resourceVersion=${sim.state.resourceVersion}`);
    const b = watch(`/api/v1/pods?watch=true&resourceVersion=${sim.state.resourceVersion}`);
    await waitFor(() => sim.watchCount() >= 2);
    sim.cutWatches();
    await Promise.all([a.ended, b.ended]);
    expect(sim.watchCount()).toBe(0);
  });

  it('waits for a future resourceVersion and then answers 504 Too large', async () => {
    const w = watch(`/api/v1/nodes?watch=true&resourceVersion=${sim.state.resourceVersion + 1000}`);
    await w.ended;
    expect(w.events[0]!.type).toBe('ERROR');
    expect(w.events[0]!.object).toMatchObject({ code: 504, reason: 'Timeout' });
    expect(w.events[0]!.object.details.causes[0].reason).toBe('ResourceVersionTooLarge');
  }, 10_000);
});
