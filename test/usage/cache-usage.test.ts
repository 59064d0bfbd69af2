// Usage and requests in node rows, end to end over the simulator: the pod index's request sums equal what
// the pods ask for, a cluster without metrics.k8s.io shows unavailable and null usage (never 0), the usage
// filter and sort work across clusters, and shares are pushed only when they move by a step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheManager, type NodeChange } from '../../src/cache/manager.js';
import { parseNodeQuery } from '../../src/cache/query-parse.js';
import { QueryError } from '../../src/cache/query.js';
import { parseQuantity } from '../../src/cache/quantity.js';
import { HttpKubeClient, kubeConfigFromText } from '../../src/kube/client.js';
import { realClock } from '../../src/sim/clock.js';
import { startSim, type SimServer } from '../../src/sim/index.js';
import { METRICS_WINDOW_MS } from '../../src/sim/metrics.js';
import { NOT_SERVED, UsagePoller } from '../../src/usage/poller.js';
import { podResources } from '../../src/usage/pod-resources.js';
import { UsageStore } from '../../src/usage/store.js';
import { RESOURCE_SHARE_FIELDS } from '../../src/usage/types.js';
import type { NodeRow } from '../../src/cache/types.js';
import { until } from '../informer/fake-client.js';
import { FAST, log } from '../cache/sim-helpers.js';

let t = Date.UTC(2026, 0, 1);
const simClock = { now: () => t, setTimeout: realClock.setTimeout, clearTimeout: realClock.clearTimeout };
let withMetrics: SimServer;
let without: SimServer;
let cache: CacheManager;
let poller: UsagePoller;
const clients: HttpKubeClient[] = [];
const changes: NodeChange[] = [];

beforeAll(async () => {
  withMetrics = await startSim({ nodes: 12, podsPerNode: 10, clock: simClock, namePrefix: 'm-' });
  without = await startSim({ nodes: 5, podsPerNode: 10, metrics: false, namePrefix: 'x-' });
  const store = new UsageStore({ intervalMs: 30_000, historyMs: 3_600_000 });
  cache = new CacheManager({ log, podIndex: true, ...FAST, usage: store });
  // A long interval: the test drives scrapes with pollNow.
  poller = new UsagePoller({ store, intervalMs: 3_600_000, log, onScrape: (c) => cache.usageScraped(c) });
  cache.on('change', (c) => changes.push(c));
  for (const [name, sim] of [
    ['m', withMetrics],
    ['x', without],
  ] as const) {
    const client = new HttpKubeClient(name, kubeConfigFromText(sim.kubeconfig()));
    clients.push(client);
    cache.startCluster(name, client);
    expect(await cache.waitForSync(name, 10_000)).toBe(true);
    expect(await cache.waitForPodIndex(name, 10_000)).toBe(true);
    poller.startCluster(name, client);
  }
  await until(() => cache.status('m').usage?.available === true, 'first scrape of m');
  await until(() => cache.status('x').usage?.available === false, 'first scrape of x');
});

afterAll(async () => {
  poller.close();
  await cache.close();
  for (const c of clients) c.close();
  await withMetrics.close();
  await without.close();
});

const rows = (cluster: string): NodeRow[] => cache.rows(cluster)!;

describe('node usage and requests in the cache', () => {
  it("sums each node's pod requests and limits as the pods declare them", async () => {
    const pods = (await withMetrics.state.list('pods')) as {
      spec?: { nodeName?: string; containers?: unknown[] };
      status?: { phase?: string };
    }[];
    for (const row of rows('m')) {
      let cpu = 0;
      let memLim = 0;
      for (const p of pods) {
        if (p.spec?.nodeName !== row.name || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed')
          continue;
        const r = podResources(p.spec);
        cpu += r.cpuRequest;
        memLim += r.memLimit;
      }
      const allocCpu = parseQuantity(row.allocatable.cpu)! * 1000;
      const allocMem = parseQuantity(row.allocatable.memory)!;
      expect(row.cpuRequested).toBeCloseTo(cpu / allocCpu, 3);
      expect(row.memLimits).toBeCloseTo(memLim / allocMem, 3);
    }
    expect(rows('m').some((r) => (r.cpuRequested ?? 0) > 0)).toBe(true);
  });

  it('shows usage where metrics.k8s.io answers, and null (not 0) with the reason where it does not', () => {
    for (const r of rows('m')) {
      expect(r.cpuUsed).toBeGreaterThan(0);
      expect(r.memUsed).toBeGreaterThan(0);
    }
    for (const r of rows('x')) {
      expect(r.cpuUsed).toBeNull();
      expect(r.memUsed).toBeNull();
      // Requests come from the pod index and do not need the metrics API.
      expect(r.cpuRequested).not.toBeNull();
    }
    expect(cache.status('x').usage).toEqual({ available: false, reason: NOT_SERVED });
    expect(cache.status('m').usage).toMatchObject({ available: true });
  });

  it('filters and sorts by shares on the server; unknown shares never match and sort last', async () => {
    const all = await cache.query(parseNodeQuery({ sort: '-cpuUsed', limit: '100' }), ['m', 'x']);
    expect(all.total).toBe(17);
    const used = all.items.map((r) => r.cpuUsed);
    const known = used.filter((v): v is number => v !== null);
    expect(known).toEqual([...known].sort((a, b) => b - a));
    expect(used.slice(known.length).every((v) => v === null)).toBe(true);
    expect(all.items.slice(known.length).every((r) => r.cluster === 'x')).toBe(true);

    const median = known[Math.floor(known.length / 2)]!;
    const hot = await cache.query(parseNodeQuery({ usage: `cpuUsed>${median}`, limit: '100' }), ['m', 'x']);
    expect(hot.items.length).toBeGreaterThan(0);
    expect(hot.items.every((r) => r.cpuUsed! > median)).toBe(true);
    expect(hot.total).toBe(known.filter((v) => v > median).length);
    // Percent form, two comparisons: both must hold.
    const pct = await cache.query(
      parseNodeQuery({ usage: 'cpuUsed>=0%,memRequested<=1000%', limit: '100' }),
      ['m', 'x'],
    );
    expect(pct.total).toBe(12);
    // The serialised answer (what the HTTP route sends) carries the same shares.
    const json = JSON.parse(
      (await cache.queryJson(parseNodeQuery({ sort: '-cpuUsed', limit: '3' }), ['m'])).toString(),
    ) as { items: NodeRow[] };
    expect(json.items.map((r) => r.cpuUsed)).toEqual(all.items.slice(0, 3).map((r) => r.cpuUsed));

    for (const bad of ['cpuUsed>>1', 'cpuHot>0.5', 'cpuUsed', 'cpuUsed>abc']) {
      let err: unknown;
      try {
        parseNodeQuery({ usage: bad });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(QueryError);
      expect((err as QueryError).field).toBe('usage');
    }
  });

  it('pushes a node only when one of its shares moved by two points since the last push', async () => {
    const pushed = new Map<string, NodeRow>(rows('m').map((r) => [r.name, r]));
    let pushes = 0;
    let scrapes = 0;
    // Same metrics window: nothing moved, nothing is pushed.
    changes.length = 0;
    await poller.pollNow('m');
    expect(changes.filter((c) => c.kind === 'resources')).toEqual([]);
    for (let i = 0; i < 20; i++) {
      t += METRICS_WINDOW_MS;
      changes.length = 0;
      await poller.pollNow('m');
      scrapes++;
      const moved = new Set(changes.filter((c) => c.kind === 'resources').map((c) => c.name));
      pushes += moved.size;
      for (const r of rows('m')) {
        const last = pushed.get(r.name)!;
        const delta = Math.max(...RESOURCE_SHARE_FIELDS.map((f) => Math.abs((r[f] ?? 0) - (last[f] ?? 0))));
        if (moved.has(r.name)) {
          expect(delta).toBeGreaterThanOrEqual(0.02 - 1e-9);
          pushed.set(r.name, r);
        } else expect(delta).toBeLessThan(0.02);
      }
    }
    // Usage changed at every scrape, yet far fewer rows than nodes × scrapes reached the browsers.
    expect(pushes).toBeGreaterThan(0);
    expect(pushes).toBeLessThan((12 * scrapes) / 2);
  });
});
