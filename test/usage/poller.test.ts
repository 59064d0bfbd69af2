// The usage poller on a fake clock: one LIST per cluster per interval, never more; a cluster without
// metrics.k8s.io is unavailable with its reason and shows no usage (not 0); it recovers on the next scrape.
import { describe, expect, it } from 'vitest';
import type { KubeClient, RequestOptions } from '../../src/kube/client.js';
import { KubeError } from '../../src/kube/errors.js';
import { createLogger } from '../../src/log/logger.js';
import { NODE_METRICS_PATH, parseNodeMetrics } from '../../src/usage/node-metrics.js';
import { NOT_SERVED, UsagePoller, nextScrapeAt } from '../../src/usage/poller.js';
import { UsageStore } from '../../src/usage/store.js';
import { FakeClock } from '../support/fake-clock.js';

class MetricsClient implements KubeClient {
  readonly server = 'https://fake';
  callCount = 0;
  requests: RequestOptions[] = [];
  answer: () => unknown = () => list({ 'n-1': ['250m', '1Gi'] });
  constructor(readonly cluster: string) {}
  async request<T>(o: RequestOptions): Promise<T> {
    this.callCount++;
    this.requests.push(o);
    return this.answer() as T;
  }
  watch(): never {
    throw new Error('metrics.k8s.io is never watched');
  }
  close(): void {}
}

function list(nodes: Record<string, [string, string]>): unknown {
  return {
    kind: 'NodeMetricsList',
    apiVersion: 'metrics.k8s.io/v1beta1',
    items: Object.entries(nodes).map(([name, [cpu, memory]]) => ({
      metadata: { name },
      timestamp: '2026-01-01T00:00:00Z',
      window: '20s',
      usage: { cpu, memory },
    })),
  };
}

const log = createLogger('silent');
const INTERVAL = 30_000;

function setup() {
  const clock = new FakeClock();
  const store = new UsageStore({ intervalMs: INTERVAL, historyMs: 3_600_000 });
  const scrapes: string[] = [];
  const poller = new UsagePoller({
    store,
    intervalMs: INTERVAL,
    log,
    clock,
    onScrape: (c) => scrapes.push(c),
  });
  return { clock, store, poller, scrapes };
}

describe('usage poller', () => {
  it('lists NodeMetrics once per interval per cluster, bounded, and keeps an hour of samples', async () => {
    const { clock, store, poller, scrapes } = setup();
    const t0 = clock.now();
    const a = new MetricsClient('a');
    const b = new MetricsClient('b');
    poller.startCluster('a', a);
    poller.startCluster('b', b);
    await clock.advance(0);
    expect(a.callCount).toBe(1);
    expect(b.callCount).toBe(1);
    expect(a.requests[0]).toMatchObject({ path: NODE_METRICS_PATH });
    expect(a.requests[0]!.maxBytes).toBeGreaterThan(0);
    expect(store.usage('a', 'n-1')).toEqual({ cpu: 250, memory: 2 ** 30 });
    expect(store.status('a')).toMatchObject({ available: true });

    // the second scrape comes at the cluster's own point of the interval, then one interval apart
    const second = nextScrapeAt('a', t0, INTERVAL) - t0;
    await clock.advance(second - 1);
    expect(a.callCount).toBe(1);
    await clock.advance(1);
    expect(a.callCount).toBe(2);
    await clock.advance(INTERVAL - 1);
    expect(a.callCount).toBe(2);
    await clock.advance(1);
    expect(a.callCount).toBe(3);
    await clock.advance(2 * 3_600_000 - INTERVAL);
    expect(a.callCount).toBe(2 + 240);
    // The ring keeps one hour: 120 samples at 30 s.
    expect(store.points('a', 'n-1')).toHaveLength(120);
    expect(scrapes.filter((c) => c === 'b').length).toBeGreaterThanOrEqual(241);
    poller.close();
    expect(poller.pendingTimers).toBe(0);
  });

  it('clusters added together scrape at different points of the interval, each exactly one interval apart', async () => {
    const { clock, poller } = setup();
    const t0 = clock.now();
    const names = Array.from({ length: 10 }, (_, i) => `fleet-${i + 1}`);
    const at = new Map<string, number[]>(names.map((n) => [n, []]));
    for (const n of names) {
      const c = new MetricsClient(n);
      const answer = c.answer;
      c.answer = () => {
        at.get(n)!.push(clock.now() - t0);
        return answer();
      };
      poller.startCluster(n, c);
    }
    await clock.advance(4 * INTERVAL);
    for (const n of names) {
      const t = at.get(n)!;
      expect(t[0]).toBe(0); // the first scrape at once: usage shows as soon as the cluster is added
      expect(t[1]! - t[0]!).toBeGreaterThanOrEqual(INTERVAL / 2);
      expect(t[1]! - t[0]!).toBeLessThan(1.5 * INTERVAL);
      for (let i = 2; i < t.length; i++) expect(t[i]! - t[i - 1]!).toBe(INTERVAL);
    }
    // after the first, the ten clusters' scrapes no longer fall at one instant
    const phases = new Set(names.map((n) => at.get(n)![2]! % INTERVAL));
    expect(phases.size).toBe(10);
    poller.close();
  });

  it('a cluster without metrics.k8s.io says so and shows no usage, then recovers', async () => {
    const { clock, store, poller } = setup();
    const c = new MetricsClient('c');
    c.answer = () => {
      throw new KubeError('NotFound', 'the server could not find the requested resource', 404);
    };
    poller.startCluster('c', c);
    await clock.advance(0);
    expect(store.status('c')).toEqual({ available: false, reason: NOT_SERVED });
    expect(store.usage('c', 'n-1')).toBeUndefined();

    c.answer = () => list({ 'n-1': ['1', '512Mi'] });
    await clock.advance(1.5 * INTERVAL); // the second scrape falls within half an interval to one and a half
    expect(store.status('c')?.available).toBe(true);
    expect(store.usage('c', 'n-1')).toEqual({ cpu: 1000, memory: 512 * 2 ** 20 });

    // metrics-server down behind a registered APIService: 503, unavailable again; the history keeps a gap.
    c.answer = () => {
      throw new KubeError('Unknown', 'service unavailable', 503);
    };
    await clock.advance(INTERVAL);
    expect(store.status('c')).toMatchObject({
      available: false,
      reason: expect.stringContaining('not answering'),
    });
    expect(store.usage('c', 'n-1')).toBeUndefined();
    const pts = store.points('c', 'n-1');
    expect(pts.at(-1)).toMatchObject({ cpu: null, memory: null });
    expect(pts.at(-2)).toMatchObject({ cpu: 1000 });
    poller.close();
  });

  it('a slow cluster does not delay another', async () => {
    const { clock, store, poller } = setup();
    const slow = new MetricsClient('slow');
    slow.answer = () => new Promise(() => {});
    const fast = new MetricsClient('fast');
    poller.startCluster('slow', slow);
    poller.startCluster('fast', fast);
    await clock.advance(3.5 * INTERVAL);
    expect(fast.callCount).toBe(4);
    expect(slow.callCount).toBe(1);
    expect(store.status('fast')?.available).toBe(true);
    poller.close();
  });

  it('skips malformed items and refuses an answer that is not a list', () => {
    const m = parseNodeMetrics({
      items: [
        { metadata: { name: 'ok' }, usage: { cpu: '1500000000n', memory: '2048Ki' } },
        { metadata: { name: 'bad' }, usage: { cpu: 'lots', memory: '1Ki' } },
        { metadata: {}, usage: { cpu: '1', memory: '1Ki' } },
        null,
        { metadata: { name: 'neg' }, usage: { cpu: '-1', memory: '1Ki' } },
      ],
    });
    expect([...m.keys()]).toEqual(['ok']);
    expect(m.get('ok')).toEqual({ cpu: 1500, memory: 2 * 1024 * 1024 });
    expect(() => parseNodeMetrics('<html>')).toThrow(/not a NodeMetricsList/);
  });
});
