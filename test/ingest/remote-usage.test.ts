// Usage scrapes made and decoded in an ingest worker: the store must hold what a scrape on the request thread
// would have put there, a cluster without metrics.k8s.io or with a hostile one must read as it does in-process,
// and a worker that stops mid-scrape must fail that scrape only, the next one landing after the restart.
import { describe, expect, it } from 'vitest';
import { RemotePodIndex } from '../../src/ingest/remote-pod-index.js';
import { remoteUsage } from '../../src/ingest/remote-usage.js';
import { HttpKubeClient, kubeConfigFromText } from '../../src/kube/client.js';
import { realClock } from '../../src/sim/clock.js';
import { startSim, type SimServer } from '../../src/sim/index.js';
import { NODE_METRICS_PATH, parseNodeMetrics } from '../../src/usage/node-metrics.js';
import { NOT_SERVED, UsagePoller } from '../../src/usage/poller.js';
import { UsageStore } from '../../src/usage/store.js';
import { startHostileServer } from '../bulkheads/hostile-server.js';
import { until } from '../support/until.js';
import { ingestSuite } from './suite.js';

const { log, cleanups, pool } = ingestSuite();

// A frozen clock: the simulator's usage moves each metrics window, and both scrapes must read the same one.
const frozen = {
  now: () => Date.UTC(2026, 0, 1),
  setTimeout: realClock.setTimeout,
  clearTimeout: realClock.clearTimeout,
};

async function sim(): Promise<SimServer> {
  const s = await startSim({ nodes: 40, podsPerNode: 3, clock: frozen });
  cleanups.push(() => s.close());
  return s;
}

function client(kubeconfig: string, name: string): HttpKubeClient {
  const c = new HttpKubeClient(name, kubeConfigFromText(kubeconfig), 5_000);
  cleanups.push(() => c.close());
  return c;
}

function poller(store: UsageStore): UsagePoller {
  const p = new UsagePoller({ store, intervalMs: 3_600_000, log, remote: remoteUsage(pool) });
  cleanups.push(() => p.close());
  return p;
}

const newStore = () => new UsageStore({ intervalMs: 10_000, historyMs: 600_000 });

describe('usage scrapes in an ingest worker', () => {
  it('store what a scrape on the request thread reads, without a request from it', async () => {
    const s = await sim();
    const local = client(s.kubeconfig(), 'u1');
    const expected = parseNodeMetrics(await local.request({ path: NODE_METRICS_PATH }));
    expect(expected.size).toBe(40);

    const c = client(s.kubeconfig(), 'u1');
    const store = newStore();
    const p = poller(store);
    p.startCluster('u1', c);
    await until('the first scrape', () => store.status('u1')?.available === true);
    // the store keeps samples as 32-bit floats
    for (const [name, { cpu, memory }] of expected)
      expect(store.usage('u1', name)).toEqual({ cpu: Math.fround(cpu), memory: Math.fround(memory) });
    // the request went out from the worker's own client, not this one
    expect(c.callCount).toBe(0);
  });

  it('read a cluster without metrics.k8s.io as not served, and recover when it appears', async () => {
    const s = await sim();
    s.setMetrics(false);
    const store = newStore();
    const p = poller(store);
    p.startCluster('u2', client(s.kubeconfig(), 'u2'));
    await until('the first scrape', () => store.status('u2'));
    expect(store.status('u2')).toEqual({ available: false, reason: NOT_SERVED });
    s.setMetrics(true);
    await p.pollNow('u2');
    expect(store.status('u2')?.available).toBe(true);
  });

  it('bound a hostile answer in the worker, which goes on serving other clusters', async () => {
    const h = await startHostileServer({ other: 'huge-body' });
    cleanups.push(() => h.close());
    const s = await sim();
    const store = newStore();
    const p = poller(store);
    p.startCluster('hostile', client(h.kubeconfig, 'hostile'));
    await until('the hostile scrape to fail', () => store.status('hostile'));
    expect(store.status('hostile')?.available).toBe(false);
    expect(store.status('hostile')?.reason).toMatch(/^usage unavailable: ResponseTooLarge: .* passed 32 MiB/);
    expect(h.bytesSent).toBeLessThan(100 * 2 ** 20);
    p.startCluster('fine', client(s.kubeconfig(), 'fine'));
    await until('the other cluster to be scraped', () => store.status('fine')?.available === true);
  });

  it('fail only the scrape in flight when the worker stops, and scrape again after its restart', async () => {
    const h = await startHostileServer({ other: 'slow-drip' });
    cleanups.push(() => h.close());
    const s = await sim();
    // a pod index gives the test a cluster by which to find (and kill) the one worker
    const idx = new RemotePodIndex({
      cluster: 'anchor',
      pool,
      spec: client(s.kubeconfig(), 'anchor').connectionSpec()!,
      flushMs: 10,
    });
    cleanups.push(() => idx.stop());
    idx.start();
    expect(await idx.waitForSync(20_000)).toBe(true);

    const store = newStore();
    const p = poller(store);
    p.startCluster('slow', client(h.kubeconfig, 'slow'));
    await until('the slow scrape to be under way', () => h.requests.other > 0);
    expect(store.status('slow')).toBeUndefined();
    expect(await pool.killWorkerOf('anchor')).toBe(true);
    await until('the scrape to fail', () => store.status('slow'));
    expect(store.status('slow')).toMatchObject({
      available: false,
      reason: 'usage unavailable: the ingest worker stopped',
    });

    // until the worker is back a scrape fails at once ('restarting'); the next one after it lands
    p.startCluster('after', client(s.kubeconfig(), 'after'));
    await until('a scrape after the restart', async () => {
      await p.pollNow('after');
      return store.status('after')?.available === true;
    });
    expect(store.status('slow')?.available).toBe(false);
  });
});
