/**
 * Benchmark of the live node cache (issue 3): `npm run bench [-- --out FILE] [--nodes N] [--pods-per-node N]`.
 *
 * The simulated cluster runs in a child process (its heap and CPU are not the product's); the product side —
 * informers, cache, pod index, realtime hub and an HTTP server with the node and WebSocket routes — runs here.
 * Steps: cold sync of nodes, then of the pod index, each followed by a retained-heap measurement after full
 * GC; then churn (≥ 200 node updates/s, mostly heartbeats) while measuring filtered/sorted pages of 50 and
 * full lists over HTTP, Kubernetes API calls per query, change-to-WebSocket latency with 10 subscribed
 * clients, and the same page answered by LISTing nodes from the API server (the approach the seed rejects);
 * the usage poll (one metrics.k8s.io LIST of every node) is timed and its history measured, and runs every
 * 10 s meanwhile.
 * The page and full-list figures come twice: the same request repeated (nodePage*, fullList*: mostly answered
 * from the query memo, kept so before/after is visible in one run) and the realistic mix (mix*: varied
 * questions from a seeded generator by several concurrent users, `lib/query-mix.ts`), with its memo hit share.
 * Prints a table; `--out FILE` also writes the figures as JSON.
 */
import fs from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { clearInternPools } from '../../src/cache/intern.js';
import { httpRequests, queryMemo } from '../../src/metrics/registry.js';
import { CacheManager, type NodeChange } from '../../src/cache/manager.js';
import { listNodeRecords } from '../../src/cache/direct.js';
import { parseNodeQuery } from '../../src/cache/query-parse.js';
import { runQuery } from '../../src/cache/query.js';
import { HttpKubeClient, kubeConfigFromText } from '../../src/kube/client.js';
import { createLogger } from '../../src/log/logger.js';
import { startProduct } from './lib/product.js';
import { ChildRpc, SimProcess } from './lib/sim-process.js';
import { generateMix, type MixResult } from './lib/query-mix.js';
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
/** The realistic mix: sessions (one user's question and its pages), concurrent users, generator seed. */
const MIX_SESSIONS = Number(arg('mix-sessions', '400'));
const MIX_CLIENTS = Number(arg('mix-clients', '4'));
const MIX_SEED = Number(arg('mix-seed', '19'));
const CHANGES = Number(arg('changes', '200'));
const DIRECT_REQUESTS = Number(arg('direct-requests', '15'));
const USAGE_POLLS = Number(arg('usage-polls', '10'));
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

function fillRowJson(cache: CacheManager): number {
  return cache.rowsJson(CLUSTER)?.length ?? 0;
}

/** Answers reused from the query memo (hit) or computed (miss) so far. */
async function memoHits(): Promise<{ hit: number; miss: number }> {
  const m = await queryMemo.get();
  const of = (r: string) => m.values.find((v) => v.labels.result === r)?.value ?? 0;
  return { hit: of('hit'), miss: of('miss') };
}

/** Cumulative bucket counts (by `le`) of the node-list route in the product's request-duration histogram. */
async function serverBuckets(): Promise<Map<string, number>> {
  const m = await httpRequests.get();
  const out = new Map<string, number>();
  for (const v of m.values) {
    if (v.labels.route !== '/api/v1/clusters/:cluster/nodes' || !String(v.metricName).endsWith('_bucket'))
      continue;
    const le = String((v.labels as Record<string, unknown>).le);
    out.set(le, (out.get(le) ?? 0) + v.value);
  }
  return out;
}

interface Series {
  ms: number[];
  bytes: number;
  first: { items: number; total: number; source: string };
}
interface WsStats {
  arrivals: Record<string, number[]>;
  types: Record<string, number>;
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
  const stops: (() => Promise<unknown>)[] = [];
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
    // Usage history is measured on its own, below.
    product.usage?.pause(CLUSTER);
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

    // ---- the usage poll: one metrics.k8s.io NodeMetrics LIST of every node, parsed into the history ring ----
    // The ring of each node is allocated whole at its first sample, so the heap after the first scrape is
    // what an hour of history costs.
    phase('usage');
    const usage: Record<string, number> = {};
    if (product.usage) {
      const { poller, store } = product.usage;
      product.usage.resume(CLUSTER);
      await poller.pollNow(CLUSTER);
      await sleep(200);
      const heap4 = await heapAfterGc();
      usage.usageHistoryBytesPerNode = Math.round((heap4 - heap3) / nodeCount);
      usage.usageHistoryDataBytesPerNode = Math.round(store.footprint().dataBytes / nodeCount);
      const pollMs: number[] = [];
      const cpuPoll0 = process.cpuUsage();
      for (let i = 0; i < USAGE_POLLS; i++) {
        const s = performance.now();
        await poller.pollNow(CLUSTER);
        pollMs.push(performance.now() - s);
      }
      const cpuPoll = process.cpuUsage(cpuPoll0);
      usage.usagePollP50Ms = round(percentile(pollMs, 50));
      usage.usagePollMaxMs = round(Math.max(...pollMs));
      usage.usagePollProductCpuMs = round((cpuPoll.user + cpuPoll.system) / 1000 / USAGE_POLLS);
      say(
        `usage poll: ${nodeCount} NodeMetrics in ${usage.usagePollP50Ms} ms (p50), ${usage.usagePollProductCpuMs} ms CPU here; history ${usage.usageHistoryBytesPerNode} B/node`,
      );
    }

    // ---- realtime clients (in their own process, like browsers), churn ---------------------------------
    const server = { url: product.url };
    const clients = ChildRpc.spawnClients();
    stops.push(() => clients.close());
    await clients.call({
      cmd: 'wsOpen',
      url: server.url,
      headers: product.headers,
      clients: WS_CLIENTS,
      cluster: CLUSTER,
    });

    const informerEventsBefore = cache.informerStats(CLUSTER)!.nodes.events.MODIFIED ?? 0;
    // Resource-share pushes (a node's used/requested share moved ≥ 2 points) per usage scrape while churn runs.
    const scrapesBefore = product.usage?.poller.scrapes ?? 0;
    let sharePushes = 0;
    const onSharePush = (c: NodeChange) => {
      if (c.kind === 'resources') sharePushes++;
    };
    cache.on('change', onSharePush);
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    // GC pauses in the product process while churn runs (to tell GC stalls from other waiting).
    const gcPauses: number[] = [];
    const gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) gcPauses.push(e.duration);
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    const cpu0 = process.cpuUsage();
    const churnStart = performance.now();
    await sim.call({ cmd: 'startChurn', rates: CHURN });
    await sleep(3000); // warm-up under churn
    await clients.call({ cmd: 'wsResetCounts' });
    const wsWindowStart = performance.now();

    // ---- filtered, sorted pages of 50 over HTTP ------------------------------------------------------------
    phase('pages');
    await sim.call({ cmd: 'resetRequestCount' });
    const serverBefore = await serverBuckets();
    const memoBefore = await memoHits();
    const pages = await clients.call<Series>({
      cmd: 'httpSeries',
      url: `${server.url}/api/v1/clusters/${CLUSTER}/nodes?${PAGE_QUERY}`,
      headers: product.headers,
      n: PAGE_REQUESTS,
      keepFirst: true,
    });
    if (pages.first.source !== 'cache' || pages.first.items !== 50) throw new Error('unexpected page answer');
    const pageMs = pages.ms;
    // The product's own view of the same requests (its request-duration histogram, from routing to the end of
    // the response): separates the server's time from waiting for a CPU on a shared machine.
    const serverAfter = await serverBuckets();
    const served = (le: string) => (serverAfter.get(le) ?? 0) - (serverBefore.get(le) ?? 0);
    const pageServerShareWithin5Ms = served('0.005') / Math.max(1, served('+Inf'));
    // Identical page requests reuse the previous answer until a node or pod count changes (churn does that
    // several times a second): the share shows how much of the page figure that accounts for.
    const memoAfter = await memoHits();
    const pageMemoHitShare =
      (memoAfter.hit - memoBefore.hit) /
      Math.max(1, memoAfter.hit + memoAfter.miss - memoBefore.hit - memoBefore.miss);
    const pageRows = pages.first.total;

    // ---- full list (every node) over HTTP --------------------------------------------------------------------
    phase('full lists');
    const full = await clients.call<Series>({
      cmd: 'httpSeries',
      url: `${server.url}/api/v1/clusters/${CLUSTER}/nodes?limit=10000`,
      headers: product.headers,
      n: FULL_REQUESTS,
      keepFirst: true,
    });
    if (full.first.items !== full.first.total || full.first.total !== cache.resources().nodes) {
      throw new Error('full list incomplete');
    }
    const fullMs = full.ms;
    const fullBytes = full.bytes;

    // ---- the realistic mix: varied filters, sorts, pages, searches, several users at once -----------------
    phase('mix');
    const rows = cache.rows(CLUSTER) ?? [];
    const uniq = (xs: (string | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))];
    const sessions = generateMix(MIX_SESSIONS, MIX_SEED, {
      clusters: [CLUSTER],
      names: rows.map((r) => r.name),
      zones: uniq(rows.map((r) => r.labels['topology.kubernetes.io/zone'])),
      pools: uniq(rows.map((r) => r.labels['pool'])),
    });
    const memoMix0 = await memoHits();
    const mixBefore = await serverBuckets();
    const mix = await clients.call<MixResult>({
      cmd: 'httpMix',
      origin: server.url,
      headers: product.headers,
      sessions,
      clients: MIX_CLIENTS,
    });
    if (mix.errors.length) throw new Error(`mix requests failed: ${mix.errors.join('; ')}`);
    const memoMix1 = await memoHits();
    const mixAfter = await serverBuckets();
    const mixServed = (le: string) => (mixAfter.get(le) ?? 0) - (mixBefore.get(le) ?? 0);
    const mixMemoHitShare =
      (memoMix1.hit - memoMix0.hit) /
      Math.max(1, memoMix1.hit + memoMix1.miss - memoMix0.hit - memoMix0.miss);
    say(
      `realistic mix: ${mix.requests} requests in ${MIX_SESSIONS} sessions by ${MIX_CLIENTS} users, memo hit share ${round(mixMemoHitShare, 3)}`,
    );

    const queries = PAGE_REQUESTS + FULL_REQUESTS + mix.requests;
    // The usage poller's LISTs run on its timer, whatever the queries: counted apart, not as query cost.
    const usageLists = await sim.call<number>({
      cmd: 'requestCount',
      filter: { resource: 'metrics.k8s.io' },
    });
    const apiCalls = (await sim.call<number>({ cmd: 'requestCount' })) - usageLists;
    say(
      `queries done: ${queries} (${apiCalls} Kubernetes API requests meanwhile, besides ${usageLists} timed usage LISTs)`,
    );

    // ---- change → WebSocket latency ------------------------------------------------------------------------
    phase('changes');
    const names = (cache.rows(CLUSTER) ?? [])
      .filter((r) => !r.roles.includes('control-plane'))
      .map((r) => r.name);
    // Absolute times (sub-millisecond), comparable with the client process's.
    const now = () => performance.timeOrigin + performance.now();
    const sentAt = new Map<string, number>();
    // When the informer delivered each change (splits the latency into simulator+watch and hub+WebSocket).
    const cachedAt = new Map<string, number>();
    const onChange = (c: NodeChange) => {
      if (c.kind !== 'updated' || !c.changed.includes('labels')) return;
      const seq = cache.row(CLUSTER, c.name)?.labels['bench.knm.io/seq'];
      if (seq !== undefined && !cachedAt.has(seq)) cachedAt.set(seq, now());
    };
    cache.on('change', onChange);
    for (let i = 0; i < CHANGES; i++) {
      const seq = String(i);
      const node = names[(i * 7919) % names.length]!;
      sentAt.set(seq, now());
      sim.post({ cmd: 'label', node, key: 'bench.knm.io/seq', value: seq });
      // irregular spacing so changes do not line up with the coalescing window
      await sleep(60 + ((i * 37) % 80));
    }
    let ws: WsStats = { arrivals: {}, types: {} };
    const deadline = Date.now() + 30_000;
    for (;;) {
      ws = await clients.call<WsStats>({ cmd: 'wsStats' });
      if ([...sentAt.keys()].every((k) => (ws.arrivals[k]?.length ?? 0) >= WS_CLIENTS)) break;
      if (Date.now() > deadline) throw new Error('not every change reached every client');
      await sleep(100);
    }
    cache.off('change', onChange);
    cache.off('change', onSharePush);
    const scrapesDuringChurn = (product.usage?.poller.scrapes ?? 0) - scrapesBefore;
    const latencies: number[] = [];
    const toCache: number[] = [];
    const cacheToWs: number[] = [];
    for (const [seq, at] of sentAt) {
      const c = cachedAt.get(seq);
      if (c !== undefined) toCache.push(c - at);
      for (const a of ws.arrivals[seq]!) {
        latencies.push(a - at);
        if (c !== undefined) cacheToWs.push(a - c);
      }
    }
    const wsTypes = ws.types;
    const wsWindowS = (performance.now() - wsWindowStart) / 1000;
    const churnS = (performance.now() - churnStart) / 1000;
    const nodeUpdates = (cache.informerStats(CLUSTER)!.nodes.events.MODIFIED ?? 0) - informerEventsBefore;
    loopDelay.disable();
    gcObserver.disconnect();
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
      nodePageServerShareWithin5Ms: round(pageServerShareWithin5Ms, 4),
      nodePageMemoHitShare: round(pageMemoHitShare, 4),
      nodePageP50Ms: round(percentile(pageMs, 50)),
      nodePageP99Ms: round(percentile(pageMs, 99)),
      fullListP50Ms: round(percentile(fullMs, 50)),
      fullListP99Ms: round(percentile(fullMs, 99)),
      fullListBytes: fullBytes,
      mixSessions: MIX_SESSIONS,
      mixClients: MIX_CLIENTS,
      mixRequests: mix.requests,
      mixMemoHitShare: round(mixMemoHitShare, 4),
      mixPageP50Ms: round(percentile(mix.ms.page, 50)),
      mixPageP99Ms: round(percentile(mix.ms.page, 99)),
      mixSearchP50Ms: round(percentile(mix.ms.search, 50)),
      mixSearchP99Ms: round(percentile(mix.ms.search, 99)),
      mixFullListP50Ms: round(percentile(mix.ms.full, 50)),
      mixFullListP99Ms: round(percentile(mix.ms.full, 99)),
      mixServerShareWithin5Ms: round(mixServed('0.005') / Math.max(1, mixServed('+Inf')), 4),
      apiCallsPerQuery: round(apiCalls / queries, 4),
      usageListsDuringQueries: usageLists,
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
      gcPausesDuringChurn: gcPauses.length,
      gcPauseTotalMs: round(gcPauses.reduce((a, b) => a + b, 0)),
      gcPauseMaxMs: round(Math.max(0, ...gcPauses)),
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
      ...usage,
      ...(product.usage
        ? {
            usageScrapesDuringChurn: scrapesDuringChurn,
            usageSharePushesPerScrape: round(sharePushes / Math.max(1, scrapesDuringChurn), 1),
          }
        : {}),
    });

    await clients.close();
    await product.close();
  } finally {
    for (const f of stops) await f().catch(() => undefined);
    await sim.close();
  }

  const targets: Record<string, [string, (v: number) => boolean]> = {
    coldSyncSeconds: ['≤ 20', (v) => v <= 20],
    bytesPerNode: ['≤ 4096', (v) => v <= 4096],
    bytesPerPod: ['≤ 250', (v) => v <= 250],
    nodePageP99Ms: ['≤ 5', (v) => v <= 5],
    fullListP50Ms: ['≤ 60', (v) => v <= 60],
    mixMemoHitShare: ['< 0.3', (v) => v < 0.3],
    mixPageP99Ms: ['≤ 5', (v) => v <= 5],
    mixSearchP99Ms: ['≤ 5', (v) => v <= 5],
    mixFullListP50Ms: ['≤ 60', (v) => v <= 60],
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
