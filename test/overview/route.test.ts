/**
 * The fleet overview against the simulated API server: counts come from the cache (no API call), follow what
 * the cluster reports, and a cluster-restricted user sees only their clusters.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { overviewRoutes } from '../../src/api/routes/overview.js';
import type { CacheManager } from '../../src/cache/manager.js';
import type { HttpKubeClient } from '../../src/kube/client.js';
import type { SimServer } from '../../src/sim/index.js';
import type { FleetOverview } from '../../src/overview/types.js';
import { until } from '../informer/fake-client.js';
import { setup } from '../cache/sim-helpers.js';

let sim: SimServer;
let cache: CacheManager;
let client: HttpKubeClient;
let app: FastifyInstance;
const running = [{ targets: [{ cluster: 'c1' }, { cluster: 'c1' }] }, { targets: [{ cluster: 'gone' }] }];

beforeAll(async () => {
  const s = await setup({ nodes: 12, podsPerNode: 1, churn: false });
  ({ sim, cache, client } = s);
  cache.startCluster('c1', client);
  await cache.waitForSync('c1', 10_000);
  app = Fastify();
  app.addHook('onRequest', async (req) => {
    const h = req.headers['x-clusters'];
    req.user = { clusters: typeof h === 'string' ? h.split(',') : null } as never;
  });
  await app.register(overviewRoutes, {
    cache,
    clusters: { list: () => [{ name: 'c1' }, { name: 'c2' }] },
    jobs: { list: async () => ({ items: running }) },
  });
});
afterAll(async () => {
  await app?.close();
  cache?.close();
  client?.close();
  await sim?.close();
});

const overview = async (headers: Record<string, string> = {}) =>
  (await app.inject({ method: 'GET', url: '/api/v1/overview', headers })).json() as FleetOverview;

describe('fleet overview', () => {
  it('counts nodes by status, cordoned and under pressure from the cache, without calling the cluster', async () => {
    const names = (
      (await client.request({ path: '/api/v1/nodes' })) as { items: { metadata: { name: string } }[] }
    ).items.map((n) => n.metadata.name);
    const [cordon, press] = [names[0]!, names[1]!];
    await client.request({
      method: 'PATCH',
      path: `/api/v1/nodes/${cordon}`,
      body: { spec: { unschedulable: true } },
      patchType: 'merge',
    });
    const node = (await client.request({ path: `/api/v1/nodes/${press}` })) as {
      status: { conditions: { type: string; status: string }[] };
    };
    await client.request({
      method: 'PATCH',
      path: `/api/v1/nodes/${press}/status`,
      body: {
        status: {
          conditions: node.status.conditions.map((c) =>
            c.type === 'DiskPressure' ? { ...c, status: 'True' } : c,
          ),
        },
      },
      patchType: 'merge',
    });
    await until(
      () =>
        (cache.row('c1', press)?.conditions ?? []).some(
          (c) => c.type === 'DiskPressure' && c.status === 'True',
        ),
      'pressure seen by the cache',
    );
    await until(() => cache.row('c1', cordon)?.unschedulable === true, 'cordon seen by the cache');

    sim.resetRequestCount();
    const o = await overview();
    expect(sim.requestCount()).toBe(0);
    const c1 = o.clusters.find((c) => c.cluster === 'c1')!;
    const rows = cache.rows('c1')!;
    expect(c1.state).toBe('synced');
    expect(c1.nodes).toMatchObject({
      total: rows.length,
      ready: rows.filter((r) => r.status === 'Ready').length,
      cordoned: rows.filter((r) => r.unschedulable).length,
    });
    expect(c1.nodes!.cordoned).toBeGreaterThanOrEqual(1);
    expect(c1.nodes!.underPressure).toBeGreaterThanOrEqual(1);
    expect(c1.nodes!.ready + c1.nodes!.notReady + c1.nodes!.unknown).toBe(c1.nodes!.total);
    // A job with two targets in c1 counts once.
    expect(c1.runningJobs).toBe(1);
    // A registered cluster whose cache never started: its state, and no invented zero counts.
    const c2 = o.clusters.find((c) => c.cluster === 'c2')!;
    expect(c2.nodes).toBeUndefined();
    expect(c2.state).toBe('stopped');
  });

  it('shows a cluster-restricted user only their clusters', async () => {
    const o = await overview({ 'x-clusters': 'c2' });
    expect(o.clusters.map((c) => c.cluster)).toEqual(['c2']);
  });
});
