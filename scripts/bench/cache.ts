/**
 * Benchmark of the live node cache (issue 3): `npm run bench [-- --out FILE] [--nodes N] [--pods-per-node N]`.
 *
 * The simulated cluster runs in a child process (its heap and CPU are not the product's); the product side —
 * informers, cache, pod index, realtime hub and an HTTP server with the node and WebSocket routes — runs here.
 * Steps: cold sync of nodes, then of the pod index, each followed by a retained-heap measurement after full
 * GC; then churn (≥ 200 node updates/s, mostly heartbeats) while measuring filtered/sorted pages of 50 and
 * full lists over HTTP, Kubernetes API calls per query, change-to-WebSocket latency with 10 subscribed
 * clients, and the same page answered by LISTing nodes from the API server (the approach the seed rejects).
 * Prints a table; `--out FILE` also writes the figures as JSON.
 */
import fs from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { clearInternPools } from '../../src/cache/intern.js';
import { CacheManager, type NodeChange } from '../../src/cache/manager.js';
import { listNodeRecords } from '../../src/cache/direct.js';
import { parseNodeQuery } from '../../src/cache/query-parse.js';
import { runQuery } from '../../src/cache/query.js';
import { HttpKubeClient, kubeConfigFromText } from '../../src/kube/client.js';
import { createLogger } from '../../src/log/logger.js';
import { closeAgent, timedGet } from './lib/http.js';
import { startProduct } from './lib/product.js';
import { SimProcess } from './lib/sim-process.js';
import { heapAfterGc, percentile, round } from './lib/stats.js';

const args = process.argv.slice(2);
const arg = (name: string, def?: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const NODES = Number(arg('nodes', '5000'));
const PODS_PER_NODE = Number(arg('pods-per-node', '30'));
const OUT = arg('out');
/** `app` (default): the full application; `minimal`: cache and routes only. */
const MODE = (arg('mode', 'app') === 'minimal' ? 'minimal' : 'app') as 'app' | 'minimal';
const CLUSTER = 'bench';
const PAGE_REQUESTS = Number(arg('page-requests', '1000'));
const FULL_REQUESTS = Number(arg('full-requests', '40'));
const WS_CLIENTS = 10;
const CHANGES = Number(arg('changes', '200'));
const DIRECT_REQUESTS = Number(arg('direct-requests', '15'));
const CHURN = JSON.parse(
  arg(
    'churn',
    JSON.stringify({
      heartbeatsPerSecond: 250,
      readyFlapsPerMinute: 30,
      podChurnPerSecond: 5,
      labelChangesPerMinute: 30,
    }),
  )!,
) as Record<string, number>;
/** A filtered, sorted page: Ready, schedulable workers of the general pools, busiest first. */
const PAGE_QUERY =
  'status=Ready&schedulable=true&role=worker&labelSelector=kubernetes.io%2Fos%3Dlinux&sort=-podCount&limit=50';

const log = createLogger(process.env.KNM_LOG_LEVEL ?? 'warn');
const say = (s: string) => process.stdout.write(s + '\n');
/** Phase markers with process uptime, to line up with --trace-gc output. */
const phase = (s: string) =>
  process.env.KNM_BENCH_PHASES && say(`[${Math.round(process.uptime() * 1000)} ms] ${s}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, what: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(10);
  }
}

function fillRowJson(cache: CacheManager): number {
  return cache.rowsJson(CLUSTER)?.length ?? 0;
}

async function main(): Promise<void> {
  say(
    `knm cache benchmark: ${NODES} nodes, ~${NODES * PODS_PER_NODE} pods, node ${process.version}, ${os.cpus().length} CPUs, load ${os
      .loadavg()
      .map((l) => round(l, 1))
      .join(' ')}`,
  );
  const sim = SimProcess.spawn();
  const results: Record<string, number | string | boolean> = {};
  try {
    const t0 = Date.now();
    const started = await sim.call<{ url: string; kubeconfig: string; startMs: number }>({
      cmd: 'start',
      opts: { nodes: NODES, podsPerNode: PODS_PER_NODE, seed: 1, historyLimit: 100_000 },
    });
    const podTotal = await sim.call<number>({ cmd: 'podCount' });
    say(`simulator ready in ${round((Date.now() - t0) / 1000, 1)} s (${podTotal} pods)`);

    const product = await startProduct(MODE, log);
    const cache = product.cache;
    say(`product: ${MODE === 'app' ? 'the full application (auth, store, hooks)' : 'cache + routes only'}`);

    // ---- cold sync, as the product starts a cluster: node informer and pod index together ------------------
    let t = performance.now();
    await product.addCluster(CLUSTER, started.kubeconfig, true);
    if (!(await cache.waitForSync(CLUSTER, 300_000))) throw new Error('nodes did not sync');
    const nodesReadyS = (performance.now() - t) / 1000;
    if (!(await cache.waitForPodIndex(CLUSTER, 600_000))) throw new Error('pod index did not sync');
    const coldSyncS = (performance.now() - t) / 1000;
    say(`cold sync: nodes queryable after ${round(nodesReadyS)} s, pod counts after ${round(coldSyncS)} s`);
    await product.removeCluster(CLUSTER);
    clearInternPools(); // so the next phase's strings are attributed to it
    await sleep(500);

    // ---- retained memory, measured part by part --------------------------------------------------------
    // Each step settles briefly before the full GC: the HTTP response that carried the last LIST page is only
    // released after the current turn of the event loop, and it is I/O garbage, not cache.
    const heap0 = await heapAfterGc();
    t = performance.now();
    await product.addCluster(CLUSTER, started.kubeconfig, false);
    if (!(await cache.waitForSync(CLUSTER, 300_000))) throw new Error('nodes did not sync');
    const nodeSyncS = (performance.now() - t) / 1000;
    const nodeCount = cache.resources().nodes;
    await sleep(500);
    const heap1 = await heapAfterGc();
    const bytesPerNode = (heap1 - heap0) / nodeCount;
    say(`nodes: ${nodeCount} synced in ${round(nodeSyncS)} s; ${Math.round(bytesPerNode)} B/node retained`);
    t = performance.now();
    await cache.setPodIndex(CLUSTER, true);
    if (!(await cache.waitForPodIndex(CLUSTER, 600_000))) throw new Error('pod index did not sync');
    const podSyncS = (performance.now() - t) / 1000;
    const podsIndexed = cache.resources().pods;
    await sleep(500);
    const heap2 = await heapAfterGc();
    const bytesPerPod = (heap2 - heap1) / podsIndexed;
    say(
      `pod index: ${podsIndexed} pods synced in ${round(podSyncS)} s; ${Math.round(bytesPerPod)} B/pod retained`,
    );
    // The serialised-row cache is filled by the first full list or snapshot; measured separately, last.
    // (in a helper: a suspended async function's registers could otherwise keep the big result alive)
    if (fillRowJson(cache) === 0) throw new Error('no rows');
    await sleep(100);
    const heap3 = await heapAfterGc();
    const rowJsonBytesPerNode = (heap3 - heap2) / nodeCount;
    say(`serialised rows: ${Math.round(rowJsonBytesPerNode)} B/node once filled`);

    // ---- server, realtime clients, churn ----------------------------------------------------------------
    const server = { url: product.url };
    const arrivals = new Map<string, number[]>();
    const wsTypes: Record<string, number> = {};
    const sockets: WebSocket[] = [];
    let snapshots = 0;
    for (let i = 0; i < WS_CLIENTS; i++) {
      const ws = new WebSocket(server.url.replace('http', 'ws') + '/api/v1/ws', { headers: product.headers });
      ws.on('message', (d) => {
        const now = performance.now();
        const m = JSON.parse(d.toString()) as { type: string; node?: { labels?: Record<string, string> } };
        wsTypes[m.type] = (wsTypes[m.type] ?? 0) + 1;
        if (m.type === 'snapshot') snapshots++;
        const seq = m.node?.labels?.['bench.knm.io/seq'];
        if (m.type === 'node.updated' && seq !== undefined) {
          const list = arrivals.get(seq) ?? [];
          list.push(now);
          arrivals.set(seq, list);
        }
      });
      await new Promise((r, j) => ws.once('open', r).once('error', j));
      ws.send(JSON.stringify({ type: 'subscribe', clusters: [CLUSTER] }));
      sockets.push(ws);
    }
    await until(() => snapshots === WS_CLIENTS, 'snapshots delivered', 60_000);

    const informerEventsBefore = cache.informerStats(CLUSTER)!.nodes.events.MODIFIED ?? 0;
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const cpu0 = process.cpuUsage();
    const churnStart = performance.now();
    await sim.call({ cmd: 'startChurn', rates: CHURN });
    await sleep(3000); // warm-up under churn
    for (const k of Object.keys(wsTypes)) wsTypes[k] = 0;
    const wsWindowStart = performance.now();

    // ---- filtered, sorted pages of 50 over HTTP ------------------------------------------------------------
    phase('pages');
    await sim.call({ cmd: 'resetRequestCount' });
    const pageMs: number[] = [];
    let pageRows = 0;
    for (let i = 0; i < PAGE_REQUESTS; i++) {
      const r = await timedGet(
        `${server.url}/api/v1/clusters/${CLUSTER}/nodes?${PAGE_QUERY}`,
        product.headers,
      );
      if (r.status !== 200)
        throw new Error(`page query answered ${r.status}: ${r.body.toString().slice(0, 200)}`);
      pageMs.push(r.ms);
      if (i === 0) {
        const body = JSON.parse(r.body.toString()) as { items: unknown[]; total: number; source: string };
        pageRows = body.total;
        if (body.source !== 'cache' || body.items.length !== 50) throw new Error('unexpected page answer');
      }
    }
    // ---- full list (every node) over HTTP --------------------------------------------------------------------
    phase('full lists');
    const fullMs: number[] = [];
    let fullBytes = 0;
    for (let i = 0; i < FULL_REQUESTS; i++) {
      // The first answer is checked in full; later ones are only counted.
      const r = await timedGet(
        `${server.url}/api/v1/clusters/${CLUSTER}/nodes?limit=10000`,
        product.headers,
        i === 0,
      );
      if (i === 0) {
        const body = JSON.parse(r.body.toString()) as { items: unknown[]; total: number };
        if (body.items.length !== body.total) throw new Error('full list incomplete');
      }
      if (r.status !== 200) throw new Error(`full list answered ${r.status}`);
      fullMs.push(r.ms);
      fullBytes = r.bytes;
    }
    const queries = PAGE_REQUESTS + FULL_REQUESTS;
    const apiCalls = await sim.call<number>({ cmd: 'requestCount' });
    say(`queries done: ${queries} (${apiCalls} Kubernetes API requests meanwhile)`);

    // ---- change → WebSocket latency ------------------------------------------------------------------------
    phase('changes');
    const names = (cache.rows(CLUSTER) ?? [])
      .filter((r) => !r.roles.includes('control-plane'))
      .map((r) => r.name);
    const sentAt = new Map<string, number>();
    // When the informer delivered each change (splits the latency into simulator+watch and hub+WebSocket).
    const cachedAt = new Map<string, number>();
    const onChange = (c: NodeChange) => {
      if (c.kind !== 'updated' || !c.changed.includes('labels')) return;
      const seq = cache.row(CLUSTER, c.name)?.labels['bench.knm.io/seq'];
      if (seq !== undefined && !cachedAt.has(seq)) cachedAt.set(seq, performance.now());
    };
    cache.on('change', onChange);
    for (let i = 0; i < CHANGES; i++) {
      const seq = String(i);
      const node = names[(i * 7919) % names.length]!;
      sentAt.set(seq, performance.now());
      sim.post({ cmd: 'label', node, key: 'bench.knm.io/seq', value: seq });
      // irregular spacing so changes do not line up with the coalescing window
      await sleep(60 + ((i * 37) % 80));
    }
    await until(
      () => [...sentAt.keys()].every((s) => (arrivals.get(s)?.length ?? 0) >= WS_CLIENTS),
      'all changes delivered',
      30_000,
    );
    cache.off('change', onChange);
    const latencies: number[] = [];
    const toCache: number[] = [];
    const cacheToWs: number[] = [];
    for (const [seq, at] of sentAt) {
      const c = cachedAt.get(seq);
      if (c !== undefined) toCache.push(c - at);
      for (const a of arrivals.get(seq)!) {
        latencies.push(a - at);
        if (c !== undefined) cacheToWs.push(a - c);
      }
    }
    const wsWindowS = (performance.now() - wsWindowStart) / 1000;
    const churnS = (performance.now() - churnStart) / 1000;
    const nodeUpdates = (cache.informerStats(CLUSTER)!.nodes.events.MODIFIED ?? 0) - informerEventsBefore;
    loopDelay.disable();
    const cpu = process.cpuUsage(cpu0);
    const inf = cache.informerStats(CLUSTER)!;
    const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

    // ---- the same page by LISTing nodes from the API server ---------------------------------------------
    phase('direct lists');
    const direct = new HttpKubeClient('direct', kubeConfigFromText(started.kubeconfig), 60_000);
    const q = parseNodeQuery(Object.fromEntries(new URLSearchParams(PAGE_QUERY)));
    const directMs: number[] = [];
    for (let i = 0; i < DIRECT_REQUESTS; i++) {
      const s = performance.now();
      const recs = await listNodeRecords(direct);
      const page = runQuery(
        [
          {
            cluster: CLUSTER,
            size: recs.length,
            all: () => recs,
            podCount: (n) => cache.podCount(CLUSTER, n),
          },
        ],
        q,
      );
      if (page.hits.length !== 50) throw new Error('direct page incomplete');
      directMs.push(performance.now() - s);
    }
    direct.close();
    await sim.call({ cmd: 'stopChurn' });
    const heapEnd = await heapAfterGc();

    Object.assign(results, {
      mode: MODE,
      nodes: nodeCount,
      pods: podsIndexed,
      coldSyncSeconds: round(coldSyncS),
      coldSyncNodesQueryableSeconds: round(nodesReadyS),
      nodeOnlySyncSeconds: round(nodeSyncS),
      podIndexOnlySyncSeconds: round(podSyncS),
      bytesPerNode: Math.round(bytesPerNode),
      rowJsonBytesPerNode: Math.round(rowJsonBytesPerNode),
      bytesPerPod: Math.round(bytesPerPod),
      heapAfterRunMb: round(heapEnd / 2 ** 20, 1),
      pageMatches: pageRows,
      nodePageP50Ms: round(percentile(pageMs, 50)),
      nodePageP99Ms: round(percentile(pageMs, 99)),
      fullListP50Ms: round(percentile(fullMs, 50)),
      fullListP99Ms: round(percentile(fullMs, 99)),
      fullListBytes: fullBytes,
      apiCallsPerQuery: round(apiCalls / queries, 4),
      changeToWsP50Ms: round(percentile(latencies, 50)),
      changeToWsP99Ms: round(percentile(latencies, 99)),
      changeToCacheP50Ms: round(percentile(toCache, 50)),
      changeToCacheP99Ms: round(percentile(toCache, 99)),
      cacheToWsP50Ms: round(percentile(cacheToWs, 50)),
      cacheToWsP99Ms: round(percentile(cacheToWs, 99)),
      wsClients: WS_CLIENTS,
      changes: CHANGES,
      directListP50Ms: round(percentile(directMs, 50)),
      cacheSpeedup: round(percentile(directMs, 50) / percentile(pageMs, 50), 1),
      nodeUpdatesPerSecond: round(nodeUpdates / churnS, 1),
      eventLoopDelayP50Ms: round(loopDelay.percentile(50) / 1e6),
      eventLoopDelayP99Ms: round(loopDelay.percentile(99) / 1e6),
      eventLoopDelayMaxMs: round(loopDelay.max / 1e6),
      productCpuPercentDuringChurn: round(((cpu.user + cpu.system) / 1000 / (churnS * 1000)) * 100, 1),
      informerReconnectsDuringRun: sum(inf.nodes.reconnects) + sum(inf.pods?.reconnects ?? {}),
      informerRelistsDuringRun: inf.nodes.relists + (inf.pods?.relists ?? 0),
      loadAverage1m: round(os.loadavg()[0]!, 1),
      wsNodeMessagesPerClientPerSecond: round(
        ((wsTypes['node.updated'] ?? 0) + (wsTypes['node.added'] ?? 0) + (wsTypes['node.deleted'] ?? 0)) /
          WS_CLIENTS /
          wsWindowS,
        2,
      ),
      wsResyncsDuringRun: wsTypes['resync'] ?? 0,
      wsPodCountMessagesPerClientPerSecond: round(
        (wsTypes['node.podCount'] ?? 0) / WS_CLIENTS / wsWindowS,
        2,
      ),
      simulatorStartSeconds: round(started.startMs / 1000, 1),
    });

    for (const ws of sockets) ws.close();
    closeAgent();
    await product.close();
  } finally {
    await sim.close();
  }

  const targets: Record<string, [string, (v: number) => boolean]> = {
    coldSyncSeconds: ['≤ 20', (v) => v <= 20],
    bytesPerNode: ['≤ 4096', (v) => v <= 4096],
    bytesPerPod: ['≤ 250', (v) => v <= 250],
    nodePageP99Ms: ['≤ 5', (v) => v <= 5],
    fullListP50Ms: ['≤ 60', (v) => v <= 60],
    apiCallsPerQuery: ['= 0', (v) => v === 0],
    changeToWsP99Ms: ['≤ 100', (v) => v <= 100],
  };
  say('');
  say('| figure | value | target |');
  say('|---|---:|---|');
  for (const [k, v] of Object.entries(results)) {
    const t = targets[k];
    const mark = t ? `${t[0]} ${t[1](v as number) ? '✓' : '✗'}` : '';
    say(`| ${k} | ${v} | ${mark} |`);
  }
  if (OUT) {
    fs.writeFileSync(OUT, JSON.stringify(results, null, 2) + '\n');
    say(`\nwrote ${OUT}`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`benchmark failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
