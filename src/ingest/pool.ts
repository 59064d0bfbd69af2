/**
 * The ingest pool: a fixed number of worker threads (worker.ts) that run the clusters' informers — pod indexes
 * and node informers —, so the watch streams, the largest input of a fleet, are decoded off the request thread.
 * Each attachment (one cluster's pods, or its nodes) is given to the worker holding the fewest; what comes back
 * is routed by the attachment's key to its sink (a RemotePodIndex or a RemoteNodeFeed). A worker that exits or
 * fails is started again after a bounded, growing delay, and each of its attachments starts over with a fresh
 * LIST (its sink is told first: pod counts read as unknown, nodes are served stale within the grace period).
 *
 * The worker runs the same source as this file: `.js` next to it after `tsc` (npm start), `.ts` under tsx
 * (`npm run dev`, the benches) and vitest, where the thread loads tsx itself (tsWorker below).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { Gauge, Counter } from 'prom-client';
import type { NodeInformerTuning } from '../cache/node-informer.js';
import type { PodIndexTuning } from '../cache/pod-index.js';
import { Backoff } from '../informer/backoff.js';
import type { KubeConnectionSpec } from '../kube/client.js';
import type { Logger } from '../log/logger.js';
import { ingestWorkerRestarts, registry } from '../metrics/registry.js';
import type {
  ClusterMessage,
  FromWorker,
  IngestKind,
  IngestWorkerData,
  MetricsMessage,
  ScrapedMessage,
} from './protocol.js';

/** Where a worker's news about one cluster goes. */
export interface IngestSink {
  message(m: ClusterMessage): void;
  /** The worker holding the cluster died: its numbers are unknown until the restarted worker listed again. */
  workerLost(): void;
}

export interface IngestPoolOptions {
  /** Worker threads (at least 1; a configuration of 0 means no pool at all). */
  workers: number;
  log: Logger;
  /** How often workers report stats and metrics (default 1 s). */
  reportEveryMs?: number;
  /** Restart delays of a failed worker (default 0.5 s growing to 30 s). */
  restartBackoff?: { initialMs?: number; maxMs?: number };
  /** A detached cluster's stop is awaited at most this long (default 10 s). */
  stopTimeoutMs?: number;
}

export interface AttachOptions {
  /** A pod index (default) or a node informer. */
  kind?: IngestKind;
  tuning?: PodIndexTuning & NodeInformerTuning;
  flushMs?: number;
}

interface Attachment {
  key: number;
  spec: KubeConnectionSpec;
  sink: IngestSink;
  opts: AttachOptions;
}

interface Slot {
  n: number;
  worker?: Worker;
  startedAt: number;
  clusters: Map<number, Attachment>;
  backoff: Backoff;
  restartTimer?: NodeJS.Timeout;
  /** Resolves when the current worker has exited. */
  exited?: Promise<void>;
}

interface PendingScrape {
  slot: Slot;
  resolve: (m: ScrapedMessage) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** A scrape the worker has not answered this long after its own request timeout is given up. */
const SCRAPE_MARGIN_MS = 10_000;

const isTs = import.meta.url.endsWith('.ts');
/** A worker that ran this long before failing restarts after the shortest delay again. */
const HEALTHY_MS = 60_000;
const PINO_LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/**
 * The worker as TypeScript: `--import tsx` in a worker's execArgv does not register tsx's hooks there on
 * Node 20, so a two-line bootstrap registers them (tsx's ESM API, found through its own export map from here,
 * not from the working directory) before importing the worker.
 */
function tsWorker(url: URL, options: WorkerOptions): Worker {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8')) as {
    exports: Record<string, { import?: { default?: string } } | string>;
  };
  const entry = pkg.exports['./esm/api'];
  const rel = typeof entry === 'string' ? entry : entry?.import?.default;
  if (!rel) throw new Error('tsx has no ESM API to run the ingest worker from TypeScript');
  const api = pathToFileURL(path.join(path.dirname(pkgPath), rel)).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(code, { ...options, eval: true });
}

export class IngestPool {
  private readonly slots: Slot[];
  private readonly byKey = new Map<number, Slot>();
  private readonly stopping = new Map<number, { slot: Slot; release: () => void }>();
  private nextKey = 0;
  private closed = false;
  private readonly scrapes = new Map<number, PendingScrape>();
  private nextScrape = 0;

  constructor(private readonly o: IngestPoolOptions) {
    const n = Math.max(1, Math.floor(o.workers));
    this.slots = Array.from({ length: n }, (_, i) => ({
      n: i,
      startedAt: 0,
      clusters: new Map(),
      backoff: new Backoff({ initialMs: 500, maxMs: 30_000, ...o.restartBackoff }),
    }));
  }

  get size(): number {
    return this.slots.length;
  }

  /** Worker threads running now (0 after close). */
  get threads(): number {
    return this.slots.filter((s) => s.worker).length;
  }

  /** Start a cluster's pod index or node informer in the worker holding the fewest; returns its key. */
  attach(spec: KubeConnectionSpec, sink: IngestSink, opts: AttachOptions = {}): number {
    if (this.closed) throw new Error('the ingest pool is closed');
    const key = ++this.nextKey;
    const slot = this.leastBusy();
    const a: Attachment = { key, spec, sink, opts };
    slot.clusters.set(key, a);
    this.byKey.set(key, slot);
    if (!slot.worker && !slot.restartTimer) this.spawn(slot);
    else this.startIn(slot, a);
    return key;
  }

  /**
   * One NodeMetrics LIST of a cluster (the usage poller's), made and decoded by the worker already holding the
   * cluster, or the least busy one. Rejects when that worker is down or stops before answering.
   */
  scrape(spec: KubeConnectionSpec, req: { timeoutMs: number; maxBytes: number }): Promise<ScrapedMessage> {
    if (this.closed) return Promise.reject(new Error('the ingest pool is closed'));
    const slot = this.slotHolding(spec.cluster) ?? this.leastBusy();
    if (!slot.worker && !slot.restartTimer) this.spawn(slot);
    const w = slot.worker;
    if (!w) return Promise.reject(new Error('the ingest worker is restarting'));
    const id = ++this.nextScrape;
    return new Promise<ScrapedMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.scrapes.delete(id);
        reject(new Error('the ingest worker did not answer the scrape'));
      }, req.timeoutMs + SCRAPE_MARGIN_MS);
      this.scrapes.set(id, { slot, resolve, reject, timer });
      w.postMessage({ type: 'scrape', id, spec, ...req });
    });
  }

  private settleScrapes(slot: Slot | undefined, why: string): void {
    for (const [id, p] of this.scrapes) {
      if (slot && p.slot !== slot) continue;
      clearTimeout(p.timer);
      this.scrapes.delete(id);
      p.reject(new Error(why));
    }
  }

  /** Stop an attachment; resolves when its worker has closed the watch (or is gone). */
  detach(key: number): Promise<void> {
    const slot = this.byKey.get(key);
    if (!slot) return Promise.resolve();
    this.byKey.delete(key);
    slot.clusters.delete(key);
    const w = slot.worker;
    if (!w) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.stopping.delete(key);
        resolve();
      };
      // A worker too busy to answer must not hold a cluster's removal (or shutdown) for long.
      const timer = setTimeout(release, this.o.stopTimeoutMs ?? 10_000);
      this.stopping.set(key, { slot, release });
      w.postMessage({ type: 'stop', key });
    });
  }

  /** Terminate the worker holding `cluster`, as a crash would (tests of the restart). */
  async killWorkerOf(cluster: string): Promise<boolean> {
    const slot = this.slotHolding(cluster);
    if (!slot?.worker) return false;
    await slot.worker.terminate();
    await slot.exited;
    return true;
  }

  /** Terminate every worker; nothing of the pool keeps the process alive afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.slots) {
      clearTimeout(s.restartTimer);
      s.restartTimer = undefined;
    }
    for (const s of [...this.stopping.values()]) s.release();
    this.settleScrapes(undefined, 'the ingest pool is closed');
    await Promise.all(
      this.slots.map(async (s) => {
        const w = s.worker;
        if (!w) return;
        await w.terminate();
        await s.exited;
      }),
    );
    this.byKey.clear();
    for (const s of this.slots) s.clusters.clear();
  }

  // ---- workers --------------------------------------------------------------------------------------------

  /** The slot holding the fewest attachments. */
  private leastBusy(): Slot {
    return this.slots.reduce((a, b) => (b.clusters.size < a.clusters.size ? b : a));
  }

  /** The slot holding an attachment of `cluster`, if any. */
  private slotHolding(cluster: string): Slot | undefined {
    return this.slots.find((s) => [...s.clusters.values()].some((a) => a.spec.cluster === cluster));
  }

  private spawn(slot: Slot): void {
    const data: IngestWorkerData = {
      logLevel: this.o.log.level,
      reportEveryMs: this.o.reportEveryMs ?? 1000,
    };
    // Not this process's flags (heap sizes, --expose-gc, a loader): they were meant for the request thread.
    const options: WorkerOptions = { workerData: data, execArgv: [], name: `knm-ingest-${slot.n}` };
    const w = isTs
      ? tsWorker(new URL('./worker.ts', import.meta.url), options)
      : new Worker(new URL('./worker.js', import.meta.url), options);
    slot.worker = w;
    slot.startedAt = Date.now();
    let failure: string | undefined;
    slot.exited = new Promise<void>((resolve) => {
      w.once('exit', (code) => {
        resolve();
        this.exited(slot, w, failure ?? `exit code ${code}`);
      });
    });
    w.on('error', (e) => {
      failure = e.message;
    });
    w.on('message', (m: FromWorker) => this.receive(slot, m));
    for (const a of slot.clusters.values()) this.startIn(slot, a);
  }

  private startIn(slot: Slot, a: Attachment): void {
    slot.worker?.postMessage({
      type: 'start',
      key: a.key,
      kind: a.opts.kind ?? 'pods',
      spec: a.spec,
      tuning: a.opts.tuning,
      flushMs: a.opts.flushMs,
    });
  }

  private exited(slot: Slot, w: Worker, why: string): void {
    if (slot.worker !== w) return;
    slot.worker = undefined;
    // Whatever was stopping there is stopped now.
    for (const s of [...this.stopping.values()]) if (s.slot === slot) s.release();
    this.settleScrapes(slot, 'the ingest worker stopped');
    if (this.closed) return;
    if (Date.now() - slot.startedAt >= HEALTHY_MS) slot.backoff.reset();
    const delay = slot.backoff.next();
    ingestWorkerRestarts.inc();
    this.o.log.error(
      {
        worker: slot.n,
        clusters: [...slot.clusters.values()].map((a) => a.spec.cluster),
        why,
        delayMs: delay,
      },
      'ingest worker stopped; restarting it and listing its clusters again',
    );
    for (const a of slot.clusters.values()) a.sink.workerLost();
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (!this.closed) this.spawn(slot);
    }, delay);
  }

  private receive(slot: Slot, m: FromWorker): void {
    switch (m.type) {
      case 'log':
        return this.relog(slot, m.line);
      case 'metrics':
        return this.applyMetrics(slot, m);
      case 'stopped':
        return this.stopping.get(m.key)?.release();
      case 'scraped': {
        const p = this.scrapes.get(m.id);
        if (!p) return;
        clearTimeout(p.timer);
        this.scrapes.delete(m.id);
        return p.resolve(m);
      }
      default:
        // Late news about a detached cluster is dropped.
        if (this.byKey.get(m.key) === slot) slot.clusters.get(m.key)?.sink.message(m);
    }
  }

  private relog(slot: Slot, line: string): void {
    try {
      const {
        level,
        msg,
        time: _t,
        pid: _p,
        hostname: _h,
        service: _s,
        ...rest
      } = JSON.parse(line) as {
        level: number;
        msg?: string;
        [k: string]: unknown;
      };
      this.o.log[PINO_LEVELS[level] ?? 'info']({ ...rest, ingestWorker: slot.n }, msg ?? '');
    } catch {
      /* not a log line */
    }
  }

  private applyMetrics(slot: Slot, m: MetricsMessage): void {
    for (const c of m.counters) {
      const metric = registry.getSingleMetric(c.name) as Counter | undefined;
      metric?.inc(c.labels, c.value);
    }
    // A stopped cluster's series were removed here; a report sent before its stop must not bring them back.
    const live = new Set([...slot.clusters.values()].map((a) => a.spec.cluster));
    for (const g of m.gauges) {
      if (!live.has(String(g.labels.cluster))) continue;
      const metric = registry.getSingleMetric(g.name) as Gauge | undefined;
      metric?.set(g.labels, g.value);
    }
  }
}
