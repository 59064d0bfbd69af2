import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealtimeHub } from '../../src/realtime/hub.js';
import type { SimServer } from '../../src/sim/index.js';
import type { CacheManager } from '../../src/cache/manager.js';
import { liveCacheServer } from '../support/live-cache-server.js';
import { restricted } from '../realtime/fakes.js';
import { until } from '../informer/fake-client.js';
import { log, setup } from './sim-helpers.js';

let sim: SimServer;
let cache: CacheManager;
let url: string;
const stops: (() => unknown)[] = [];

beforeAll(async () => {
  const s = await setup({ nodes: 40, podsPerNode: 4 });
  sim = s.sim;
  cache = s.cache;
  cache.startCluster('c1', s.client);
  await cache.waitForSync('c1', 10_000);
  await cache.waitForPodIndex('c1', 10_000);
  await until(() => !!cache.status('c1').version && sim.watchCount() === 2, 'version known, watches open');
  const hub = new RealtimeHub({ source: cache, log, pingIntervalMs: 0 });
  const srv = await liveCacheServer(cache, hub, { clusterNames: () => ['c1', 'c2'] });
  url = srv.url;
  stops.push(
    () => sim.close(),
    () => s.client.close(),
    () => cache.close(),
    () => hub.close(),
    () => srv.close(),
  );
});
afterAll(async () => {
  for (const f of stops.reverse()) await f();
});

async function get(path: string, user?: object) {
  const res = await fetch(url + path, { headers: user ? { 'x-test-user': JSON.stringify(user) } : {} });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & { items: Record<string, unknown>[] },
  };
}

describe('node routes', () => {
  it('lists a cluster from the cache with filters, sort and paging, and makes no API call', async () => {
    sim.resetRequestCount();
    const r = await get('/api/v1/clusters/c1/nodes?status=Ready&sort=-podCount&limit=5');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      source: 'cache',
      degraded: false,
      clusters: { c1: 'synced' },
      podCountSource: { c1: 'index' },
    });
    expect(r.body.items).toHaveLength(5);
    const counts = r.body.items.map((i) => i.podCount as number);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(typeof r.body.continue).toBe('string');
    const next = await get(
      `/api/v1/clusters/c1/nodes?status=Ready&sort=-podCount&limit=5&continue=${r.body.continue}`,
    );
    expect(next.body.items.map((i) => i.name)).not.toContain(r.body.items[4]!.name);
    expect(sim.requestCount({ verb: 'list' }) + sim.requestCount({ verb: 'get' })).toBe(0);
  });

  it('answers 400 naming the bad parameter', async () => {
    for (const [q, field] of [
      ['labelSelector=a%20in%20()', 'labelSelector'],
      ['sort=nope', 'sort'],
      ['limit=0', 'limit'],
      ['status=Sick', 'status'],
      ['taint=k:Never', 'taint'],
      ['cluster=c1', 'cluster'],
      ['sort=capacity.__proto__', 'sort'],
      ['sort=-allocatable.constructor', 'sort'],
      ['sort=capacity.toString', 'sort'],
      ['sort=__proto__', 'sort'],
    ]) {
      const r = await get(`/api/v1/clusters/c1/nodes?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error, q).toMatchObject({ code: 'BadRequest', field });
      if (field === 'sort')
        expect((r.body.error as { message: string }).message, q).toContain('podCount, kubeletVersion');
    }
    const t = await get('/api/v1/clusters/c1/nodes?status=Ready&limit=1');
    const wrong = await get(`/api/v1/clusters/c1/nodes?status=NotReady&limit=1&continue=${t.body.continue}`);
    expect(wrong.status).toBe(400);
    expect((wrong.body.error as { field: string }).field).toBe('continue');
  });

  it('all clusters: a registered cluster without a cache is reported, not hidden; unknown → 404', async () => {
    const r = await get('/api/v1/nodes?limit=1');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ total: 40, degraded: true, clusters: { c1: 'synced', c2: 'stopped' } });
    expect(r.body.errors).toEqual({ c2: 'cluster is not connected' });
    expect((await get('/api/v1/nodes?cluster=c1')).body.degraded).toBe(false);
    expect((await get('/api/v1/nodes?cluster=zz')).status).toBe(404);
    expect((await get('/api/v1/clusters/zz/nodes')).status).toBe(404);
    expect((await get('/api/v1/clusters/c2/nodes')).status).toBe(503);
    expect((await get('/api/v1/clusters/c2/nodes')).body.error).toMatchObject({ code: 'ClusterUnavailable' });
  });

  it('hides clusters a restricted user may not see', async () => {
    expect((await get('/api/v1/nodes', restricted)).body).toMatchObject({ items: [], total: 0 });
    expect((await get('/api/v1/nodes?cluster=c1', restricted)).status).toBe(404);
    expect((await get('/api/v1/clusters/c1/nodes', restricted)).status).toBe(404);
  });

  it('shows a node in full detail, 404 for a missing one, 400 for a bad name', async () => {
    const name = cache.rows('c1')![0]!.name;
    const r = await get(`/api/v1/clusters/c1/nodes/${name}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ source: 'cache', degraded: false, name, cluster: 'c1' });
    const node = r.body as Record<string, unknown>;
    for (const k of [
      'annotations',
      'addresses',
      'systemInfo',
      'conditions',
      'capacity',
      'allocatable',
      'labels',
      'taints',
    ]) {
      expect(node, k).toHaveProperty(k);
    }
    expect((await get('/api/v1/clusters/c1/nodes/no-such-node')).status).toBe(404);
    expect((await get('/api/v1/clusters/c1/nodes/Bad_Name')).status).toBe(400);
  });

  it("reads a node's pods (paged) and events directly from the API server", async () => {
    const row = cache.rows('c1')!.find((x) => (x.podCount ?? 0) >= 3)!;
    sim.resetRequestCount();
    const p1 = await get(`/api/v1/clusters/c1/nodes/${row.name}/pods?limit=2`);
    expect(p1.status).toBe(200);
    expect(p1.body.items).toHaveLength(2);
    expect(p1.body.items[0]).toMatchObject({
      namespace: expect.any(String),
      name: expect.any(String),
      phase: expect.any(String),
    });
    const rest = await get(
      `/api/v1/clusters/c1/nodes/${row.name}/pods?limit=500&continue=${p1.body.continue}`,
    );
    const all = [...p1.body.items, ...rest.body.items].filter(
      (p) => p.phase !== 'Succeeded' && p.phase !== 'Failed',
    );
    expect(all.length).toBe(row.podCount);
    expect(sim.requestCount({ verb: 'list', resource: 'pods' })).toBe(2);

    sim.state.createEvent({
      metadata: { name: 'e1', namespace: 'default' },
      involvedObject: { kind: 'Node', name: row.name },
      reason: 'Rebooted',
      message: 'older',
      type: 'Warning',
      lastTimestamp: '2025-01-01T00:00:00Z',
    });
    sim.state.createEvent({
      metadata: { name: 'e2', namespace: 'default' },
      involvedObject: { kind: 'Node', name: row.name },
      reason: 'NodeReady',
      message: 'newer',
      type: 'Normal',
      lastTimestamp: '2025-06-01T00:00:00Z',
    });
    const ev = await get(`/api/v1/clusters/c1/nodes/${row.name}/events?limit=10`);
    expect(ev.status).toBe(200);
    const msgs = ev.body.items.map((e) => e.message);
    expect(msgs.indexOf('newer')).toBeGreaterThanOrEqual(0);
    expect(msgs.indexOf('newer')).toBeLessThan(msgs.indexOf('older'));
    const times = ev.body.items.map((e) => e.lastTimestamp as string);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('falls back to direct reads while not synced, and says so', async () => {
    sim.injectFailures({ verb: 'watch', resource: 'nodes', status: 500 });
    sim.cutWatches();
    await until(() => cache.state('c1') === 'degraded', 'degraded');
    const r = await get('/api/v1/clusters/c1/nodes?limit=3');
    expect(r.body).toMatchObject({
      source: 'direct',
      degraded: true,
      total: 40,
      clusters: { c1: 'degraded' },
    });
    sim.clearFailures();
    await until(() => cache.state('c1') === 'synced', 'synced again');
  });
});
