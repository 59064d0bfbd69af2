// GET /api/v1/clusters/:cluster/nodes/:name/usage and the `usage` query parameter over HTTP: the history,
// allocatable and requests of a node; the reason when the cluster has no metrics API; 404 and 400 with the
// stable error shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/api/server.js';
import { nodeRoutes } from '../../src/api/routes/nodes.js';
import { usageRoutes } from '../../src/api/routes/usage.js';
import { CacheManager } from '../../src/cache/manager.js';
import { loadConfig } from '../../src/config/config.js';
import { HttpKubeClient, kubeConfigFromText } from '../../src/kube/client.js';
import { startSim, type SimServer } from '../../src/sim/index.js';
import { NOT_SERVED, UsagePoller } from '../../src/usage/poller.js';
import { UsageStore } from '../../src/usage/store.js';
import type { NodeUsageHistory } from '../../src/usage/types.js';
import { until } from '../informer/fake-client.js';
import { FAST, log } from '../cache/sim-helpers.js';

const sims: SimServer[] = [];
const clients: HttpKubeClient[] = [];
let cache: CacheManager;
let poller: UsagePoller;
let app: FastifyInstance;

beforeAll(async () => {
  const store = new UsageStore({ intervalMs: 30_000, historyMs: 3_600_000 });
  cache = new CacheManager({ log, podIndex: true, ...FAST, usage: store });
  poller = new UsagePoller({ store, intervalMs: 3_600_000, log, onScrape: (c) => cache.usageScraped(c) });
  for (const [name, metrics] of [
    ['m', true],
    ['x', false],
  ] as const) {
    const sim = await startSim({ nodes: 4, podsPerNode: 6, metrics, namePrefix: `${name}-` });
    sims.push(sim);
    const client = new HttpKubeClient(name, kubeConfigFromText(sim.kubeconfig()));
    clients.push(client);
    cache.startCluster(name, client);
    await cache.waitForSync(name, 10_000);
    await cache.waitForPodIndex(name, 10_000);
    poller.startCluster(name, client);
  }
  await until(
    () => cache.status('m').usage?.available === true && cache.status('x').usage?.available === false,
    'scraped',
  );
  app = await buildServer({ config: loadConfig({ KNM_DEMO: 'false' }), log });
  const clusters = { list: () => [{ name: 'm' }, { name: 'x' }] };
  await app.register(nodeRoutes, { cache, clusters });
  await app.register(usageRoutes, { cache, usage: store, clusters, intervalMs: 30_000 });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  poller.close();
  await cache.close();
  for (const c of clients) c.close();
  for (const s of sims) await s.close();
});

const first = (cluster: string) => cache.rows(cluster)![0]!.name;

describe('usage over HTTP', () => {
  it("serves a node's usage history with its allocatable and its pods' requests", async () => {
    const r = await app.inject(`/api/v1/clusters/m/nodes/${first('m')}/usage`);
    expect(r.statusCode).toBe(200);
    const h = r.json<NodeUsageHistory>();
    expect(h).toMatchObject({
      cluster: 'm',
      name: first('m'),
      intervalMs: 30_000,
      usage: { available: true },
    });
    expect(h.points).toHaveLength(1);
    expect(h.points[0]!.cpu).toBeGreaterThan(0);
    expect(h.allocatable.cpu).toBeGreaterThan(0);
    expect(h.requests!.cpuRequest).toBeGreaterThan(0);
  });

  it('says why a cluster has no usage, with no points rather than zeros', async () => {
    const h = (await app.inject(`/api/v1/clusters/x/nodes/${first('x')}/usage`)).json<NodeUsageHistory>();
    expect(h.usage).toEqual({ available: false, reason: NOT_SERVED });
    expect(h.points.every((p) => p.cpu === null && p.memory === null)).toBe(true);
    expect(h.requests).not.toBeNull();
  });

  it('answers 404 for an unknown cluster or node and 400 for a malformed name', async () => {
    expect((await app.inject('/api/v1/clusters/nope/nodes/a/usage')).statusCode).toBe(404);
    const missing = await app.inject('/api/v1/clusters/m/nodes/not-there/usage');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'NotFound' } });
    const bad = await app.inject('/api/v1/clusters/m/nodes/Bad_Name/usage');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { field: 'name' } });
  });

  it('filters and sorts the node list by usage, and refuses a malformed usage filter with its field', async () => {
    const r = await app.inject('/api/v1/nodes?usage=cpuUsed>=0&sort=-cpuUsed');
    expect(r.statusCode).toBe(200);
    const items = r.json<{ items: { cluster: string; cpuUsed: number }[] }>().items;
    expect(items.length).toBe(4);
    expect(items.every((i) => i.cluster === 'm')).toBe(true);
    const bad = await app.inject('/api/v1/nodes?usage=cpuUsed%3D%3D1');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'BadRequest', field: 'usage' } });
  });
});
