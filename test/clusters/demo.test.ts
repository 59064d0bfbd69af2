import { afterEach, describe, expect, it } from 'vitest';
import { startSim } from '../../src/sim/index.js';
import type { SimServer } from '../../src/clusters/demo.js';
import { makeTestApp, type TestApp } from '../server/harness.js';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

describe('the demo cluster', () => {
  it('is registered from the simulator at start, answers through its client, and is never stored', async () => {
    let sim: SimServer | undefined;
    const a = await makeTestApp({
      listen: true,
      knm: { KNM_DEMO: 'true', KNM_DEMO_NODES: '4', KNM_DEMO_PODS_PER_NODE: '2', KNM_DEMO_CHURN: 'false' },
      startSim: async (opts) => (sim = await startSim(opts)),
    });
    apps.push(a);
    const list = (await a.call('GET', '/api/v1/clusters')).json();
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({
      name: 'demo',
      source: 'demo',
      server: sim!.url,
      createdBy: 'system',
    });
    const nodes = await a.app.services.clusters
      .client('demo')
      .request<{ items: unknown[] }>({ path: '/api/v1/nodes' });
    expect(nodes.items).toHaveLength(4);
    expect(await a.app.services.store.db.selectFrom('clusters').selectAll().execute()).toHaveLength(0);
    expect(a.logs.text).not.toContain(sim!.token);

    await a.close();
    apps.pop();
    // Stopping the app stopped the simulator.
    await expect(fetch(`${sim!.url}/version`)).rejects.toThrow();
  });

  it('yields its name to a saved cluster called "demo"', async () => {
    const a = await makeTestApp();
    await a.app.services.store.db
      .insertInto('clusters')
      .values({
        name: 'demo',
        source: 'in-cluster',
        server: 'https://10.0.0.1:443',
        context: 'in-cluster',
        credentials_enc: null,
        created_at: new Date().toISOString(),
        created_by: 'alice',
        options: '{"podIndex":true}',
      })
      .execute();
    await a.close();
    let started = 0;
    let closed = 0;
    const b = await makeTestApp({
      dataDir: a.dataDir,
      listen: true,
      knm: { KNM_DEMO: 'true', KNM_DEMO_NODES: '1', KNM_DEMO_CHURN: 'false' },
      startSim: async (opts) => {
        started++;
        const s = await startSim(opts);
        return {
          ...s,
          kubeconfig: () => s.kubeconfig(),
          close: async () => (closed++, s.close()),
        } as SimServer;
      },
    });
    apps.push(b);
    const demo = (await b.call('GET', '/api/v1/clusters/demo')).json();
    expect(demo).toMatchObject({ source: 'in-cluster', createdBy: 'alice' });
    expect([started, closed]).toEqual([1, 1]);
  });
});
