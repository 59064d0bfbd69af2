/**
 * The usage poller: per cluster, one LIST of `metrics.k8s.io/v1beta1` NodeMetrics on a timer (the strategy
 * table's `nodemetrics` row), into the usage store. Never per query and never per node. Each cluster has its
 * own timer and its own bounded request, so a slow or hostile metrics API delays only its own cluster. A
 * cluster without the API (404: no metrics-server; 503: registered but down) is marked unavailable with the
 * reason, and its rows show no usage until a scrape succeeds again.
 *
 * With a `remote` fetcher (the ingest workers, src/ingest/remote-usage.ts) the request and its decoding run on
 * another thread: a 5,000-node answer is megabytes of JSON, tens of milliseconds of parsing that would hold
 * the request thread once per cluster and interval. The timers, the store and what follows stay here.
 */
import { fnv1a } from '../fnv.js';
import type { Logger } from '../log/logger.js';
import type { KubeClient, KubeConnectionSpec } from '../kube/client.js';
import { isKubeError } from '../kube/errors.js';
import { strategyFor } from '../kube/strategy.js';
import { systemClock, TimerSet, type Clock } from '../clock.js';
import type { UsageSample } from './history.js';
import { MAX_METRICS_BYTES, NODE_METRICS_PATH, parseNodeMetrics } from './node-metrics.js';
import type { UsageStore } from './store.js';

export const NOT_SERVED = 'usage unavailable: metrics.k8s.io not served';

export interface UsagePollerOptions {
  store: UsageStore;
  intervalMs: number;
  log: Logger;
  clock?: Clock;
  timeoutMs?: number;
  maxBytes?: number;
  /** After every scrape of a cluster, successful or not. */
  onScrape?: (cluster: string) => void;
  /** Scrapes elsewhere, for clusters whose connection can be shared (KubeClient.connectionSpec). */
  remote?: UsageFetcher;
}

/** One bounded NodeMetrics LIST of a cluster, made and decoded elsewhere; rejects as the request would. */
export type UsageFetcher = (
  spec: KubeConnectionSpec,
  req: { timeoutMs: number; maxBytes: number },
) => Promise<Map<string, UsageSample>>;

interface Target {
  client: KubeClient;
  /** Set when the remote fetcher scrapes this cluster. */
  spec?: KubeConnectionSpec;
  timers: TimerSet;
  stopped: boolean;
  inflight?: Promise<void>;
}

/** Minimal shape of the cluster registry followed. */
export interface UsageRegistryLike {
  on(ev: 'added', fn: (record: { name: string }, client: KubeClient, ...rest: unknown[]) => void): unknown;
  on(ev: 'removed', fn: (name: string, ...rest: unknown[]) => void): unknown;
}

/** Why a scrape failed, as users read it per cluster. */
export function unavailableReason(err: unknown): string {
  if (isKubeError(err, 'NotFound')) return NOT_SERVED;
  if (isKubeError(err, 'Forbidden')) return 'usage unavailable: not allowed to list nodes.metrics.k8s.io';
  if (isKubeError(err) && err.code === 503)
    return 'usage unavailable: metrics.k8s.io registered but not answering (metrics-server down?)';
  return `usage unavailable: ${(err as Error).message}`;
}

/**
 * When the scrape after one that began at `started` is due. Each cluster scrapes at its own point of the
 * interval (from a hash of its name), not one interval after it was added: clusters added together (a restart)
 * would otherwise parse and apply their answers at the same instant for ever, holding the request thread for
 * all of them at once. The first move to that point comes after half an interval to one and a half; from then
 * on scrapes are exactly one interval apart.
 */
export function nextScrapeAt(name: string, started: number, intervalMs: number): number {
  const phase = (fnv1a(name) / 2 ** 32) * intervalMs;
  const earliest = started + intervalMs / 2;
  const offset = (((phase - earliest) % intervalMs) + intervalMs) % intervalMs;
  return earliest + offset;
}

export class UsagePoller {
  private readonly targets = new Map<string, Target>();
  private readonly clock: Clock;
  /** Scrapes finished (successful or not) since start, over all clusters (benchmark, diagnostics). */
  scrapes = 0;

  constructor(private readonly o: UsagePollerOptions) {
    this.clock = o.clock ?? systemClock;
  }

  attach(registry: UsageRegistryLike): void {
    registry.on('added', (record, client) => {
      this.stopCluster(record.name);
      this.startCluster(record.name, client);
    });
    registry.on('removed', (name) => this.stopCluster(name));
  }

  startCluster(name: string, client: KubeClient): void {
    if (this.o.intervalMs <= 0 || this.targets.has(name)) return;
    const spec = this.o.remote ? client.connectionSpec?.() : undefined;
    const t: Target = { client, spec, timers: new TimerSet(this.clock), stopped: false };
    this.targets.set(name, t);
    t.timers.set(() => this.tick(name, t), 0);
  }

  stopCluster(name: string): void {
    const t = this.targets.get(name);
    if (!t) return;
    t.stopped = true;
    t.timers.clearAll();
    this.targets.delete(name);
    this.o.store.remove(name);
  }

  /** Scrape a cluster now (tests and the first scrape after start); resolves when it finished. */
  pollNow(name: string): Promise<void> {
    const t = this.targets.get(name);
    if (!t) return Promise.resolve();
    return (t.inflight ??= this.scrape(name, t).finally(() => (t.inflight = undefined)));
  }

  private tick(name: string, t: Target): void {
    const started = this.clock.now();
    void this.pollNow(name).finally(() => {
      if (t.stopped) return;
      const wait = Math.max(0, nextScrapeAt(name, started, this.o.intervalMs) - this.clock.now());
      t.timers.set(() => this.tick(name, t), wait);
    });
  }

  private async scrape(name: string, t: Target): Promise<void> {
    const s = strategyFor('nodemetrics');
    try {
      const req = {
        timeoutMs: this.o.timeoutMs ?? s.timeoutMs,
        maxBytes: this.o.maxBytes ?? MAX_METRICS_BYTES,
      };
      const samples =
        t.spec && this.o.remote
          ? await this.o.remote(t.spec, req)
          : parseNodeMetrics(await t.client.request<unknown>({ path: NODE_METRICS_PATH, ...req }));
      if (t.stopped) return;
      this.o.store.recorded(name, this.clock.now(), samples);
    } catch (err) {
      if (t.stopped) return;
      const reason = unavailableReason(err);
      const was = this.o.store.status(name);
      if (was?.reason !== reason) this.o.log.info({ cluster: name, reason }, 'node usage unavailable');
      this.o.store.failed(name, this.clock.now(), reason);
    }
    this.scrapes++;
    this.o.onScrape?.(name);
  }

  /** Stops every timer. A scrape still in flight ends by its own timeout and its answer is dropped. */
  close(): void {
    for (const name of [...this.targets.keys()]) this.stopCluster(name);
  }

  get pendingTimers(): number {
    let n = 0;
    for (const t of this.targets.values()) n += t.timers.size;
    return n;
  }
}
