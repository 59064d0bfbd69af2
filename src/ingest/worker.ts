/**
 * An ingest worker thread: runs the pod index (src/cache/pod-index.ts, unchanged) or the node informer
 * (node-runner.ts) of each cluster the pool gives it, over its own HTTP client (own agent and sockets), and
 * reports to the request thread (pool.ts) flat tables of per-node numbers, and the node records that changed
 * visibly. Decoding LIST pages and watch events — the largest input the product reads, and kubelet heartbeats
 * that change nothing shown — happens here, off the thread that answers HTTP.
 *
 * A cluster's data is untrusted: the client and the reflector bound every size as in-process, and anything
 * one cluster throws is caught per cluster, so it never ends the thread the other clusters share.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Metric } from 'prom-client';
import { PodIndex } from '../cache/pod-index.js';
import { NodeRunner } from './node-runner.js';
import { UsageScraper } from './usage-scraper.js';
import { HttpKubeClient, kubeConfigFromText } from '../kube/client.js';
import { createLogger } from '../log/logger.js';
import {
  informerEvents,
  informerLastEvent,
  informerLists,
  informerReconnects,
  informerSynced,
  informerSyncLag,
  kubeApiCalls,
  kubeApiErrors,
  kubeRejectedAnswers,
} from '../metrics/registry.js';
import type {
  FromWorker,
  IngestWorkerData,
  MetricSample,
  NodesMessage,
  StartMessage,
  StatsMessage,
  ToWorker,
} from './protocol.js';

if (!parentPort) throw new Error('src/ingest/worker.ts runs only as a worker thread (see pool.ts)');
const port = parentPort;
const data = workerData as IngestWorkerData;

const post = (m: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);

const log = createLogger(data.logLevel, { write: (line: string) => post({ type: 'log', line }) });

type Running = { client: HttpKubeClient; lastStats?: string } & (
  { kind: 'pods'; index: PodIndex } | { kind: 'nodes'; runner: NodeRunner }
);
type PodsRunning = Extract<Running, { kind: 'pods' }>;
const running = new Map<number, Running>();
const scraper = new UsageScraper();

function statsOf(key: number, r: Running): StatsMessage | NodesMessage {
  if (r.kind === 'nodes') return { type: 'nodes', key, ops: [], stats: r.runner.reflector.stats() };
  return {
    type: 'stats',
    key,
    podCount: r.index.podCount,
    profileCount: r.index.profileCount,
    stats: r.index.stats(),
  };
}

/** Post a cluster's stats unless they are what was last posted. */
function reportStats(key: number, r: Running): void {
  const m = statsOf(key, r);
  const text = JSON.stringify(m);
  if (text === r.lastStats) return;
  r.lastStats = text;
  post(m);
}

function start(m: StartMessage): void {
  if (running.has(m.key)) return;
  let client: HttpKubeClient;
  try {
    client = new HttpKubeClient(
      m.spec.cluster,
      kubeConfigFromText(m.spec.kubeconfig),
      m.spec.timeoutMs,
      m.spec.limits,
    );
  } catch (e) {
    post({ type: 'failed', key: m.key, error: (e as Error).message });
    return;
  }
  if (m.kind === 'nodes') {
    const runner = new NodeRunner(
      m.key,
      m.spec.cluster,
      client,
      post,
      log.child({ cluster: m.spec.cluster }),
      m.tuning,
    );
    running.set(m.key, { kind: 'nodes', client, runner });
    runner.start();
    return;
  }
  const r: PodsRunning = {
    kind: 'pods',
    client,
    index: new PodIndex({
      cluster: m.spec.cluster,
      client,
      log: log.child({ cluster: m.spec.cluster }),
      tuning: m.tuning,
      flushMs: m.flushMs,
      onCounts: (changes) => {
        const t = r.index.table(changes.map(([n]) => n));
        post({ type: 'rows', key: m.key, ...t }, [t.rows.buffer as ArrayBuffer]);
      },
      onState: () => reportStats(m.key, r),
    }),
  };
  running.set(m.key, r);
  r.index.reflector.addHandler({
    listed: (cause) => {
      if (cause !== 'initial') return;
      const t = r.index.table();
      post(
        {
          type: 'table',
          key: m.key,
          ...t,
          podCount: r.index.podCount,
          profileCount: r.index.profileCount,
          stats: r.index.stats(),
        },
        [t.rows.buffer as ArrayBuffer],
      );
    },
  });
  r.index.start();
}

async function stop(key: number): Promise<void> {
  const r = running.get(key);
  running.delete(key);
  if (r) {
    try {
      await (r.kind === 'nodes' ? r.runner.stop() : r.index.stop());
    } finally {
      r.client.close();
    }
  }
  post({ type: 'stopped', key });
}

// ---- metrics: what this thread counted since the last report ---------------------------------------------

const COUNTERS: Metric[] = [
  kubeApiCalls,
  kubeApiErrors,
  kubeRejectedAnswers,
  informerLists,
  informerReconnects,
  informerEvents,
];
const GAUGES: Metric[] = [informerSynced, informerLastEvent, informerSyncLag];
const reported = new Map<string, number>();

async function reportMetrics(): Promise<void> {
  const counters: MetricSample[] = [];
  for (const c of COUNTERS) {
    const { name, values } = await c.get();
    for (const v of values) {
      const id = `${name}\u0000${JSON.stringify(v.labels)}`;
      const delta = v.value - (reported.get(id) ?? 0);
      if (delta <= 0) continue;
      reported.set(id, v.value);
      counters.push({ name, labels: v.labels as MetricSample['labels'], value: delta });
    }
  }
  const gauges: MetricSample[] = [];
  for (const g of GAUGES) {
    const { name, values } = await g.get();
    for (const v of values) gauges.push({ name, labels: v.labels as MetricSample['labels'], value: v.value });
  }
  if (counters.length || gauges.length) post({ type: 'metrics', counters, gauges });
}

const reporter = setInterval(() => {
  for (const [key, r] of running) reportStats(key, r);
  scraper.sweep();
  reportMetrics().catch((e: Error) => log.warn({ err: e.message }, 'ingest metrics report failed'));
}, data.reportEveryMs);
// The thread lives as long as the pool keeps it; the report timer alone must not be why.
reporter.unref();

port.on('message', (m: ToWorker) => {
  try {
    if (m.type === 'start') start(m);
    else if (m.type === 'scrape')
      void scraper.scrape(m).then((a) => post(a, 'usage' in a ? [a.usage.buffer as ArrayBuffer] : undefined));
    else if (m.type === 'stop')
      stop(m.key).catch((e: Error) => {
        log.warn({ err: e.message }, 'stopping a pod index failed');
        post({ type: 'stopped', key: m.key });
      });
  } catch (e) {
    // One cluster's start must never end the thread the other clusters share.
    log.error({ err: (e as Error).message }, 'ingest worker message failed');
    if (m.type === 'start') post({ type: 'failed', key: m.key, error: (e as Error).message });
  }
});
