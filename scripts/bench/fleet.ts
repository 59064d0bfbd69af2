/**
 * The fleet series (issue 19): `npm run bench:fleet [-- --sizes 1,5,10,20] [--nodes 5000] [--pods 30]
 * [--out-dir bench-results] [--ingest-workers 1] [--mix-seconds 180] [--fixture-nice 10]`. One product process (the full application) holds N
 * clusters, each a simulator in its own child process with churn on. Per fleet size: cold sync of every
 * cluster (nodes and pod index), retained memory per node and per pod, RSS, product CPU under churn, the
 * realistic query mix (pages, searches, full lists, the all-clusters view) with its memo hit share,
 * change→WebSocket latency with clients subscribed to every cluster, and the request thread's event-loop
 * delay. Prints a table and writes JSON and an SVG chart of latency and memory against fleet size to the output
 * folder (bench-results/, not committed: figures belong to the machine and the moment they were taken).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { clearInternPools } from '../../src/cache/intern.js';
import type { NodeChange } from '../../src/cache/manager.js';
import { queryMemo } from '../../src/metrics/registry.js';
import { createLogger } from '../../src/log/logger.js';
import { startProduct } from './lib/product.js';
import { generateMix, type MixResult } from './lib/query-mix.js';
import { ChildRpc, SimProcess } from './lib/sim-process.js';
import type { SimRequest } from './lib/sim-child.js';
import { heapAfterGc, percentile, round } from './lib/stats.js';

const args = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : def;
};
const SIZES = arg('sizes', '1,5,10,20')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const NODES = Number(arg('nodes', '5000'));
const PODS = Number(arg('pods', '30'));
const OUT_DIR = arg('out-dir', 'bench-results');
const MIX_SESSIONS = Number(arg('mix-sessions', '200'));
const MIX_CLIENTS = Number(arg('mix-clients', '4'));
const WS_CLIENTS = Number(arg('ws-clients', '4'));
const CHANGES = Number(arg('changes', '60'));
const CHURN_WARMUP_MS = Number(arg('warmup-ms', '3000'));
// An overloaded replica answers slowly: the mix stops starting sessions after this long (and says how many ran).
const MIX_MAX_S = Number(arg('mix-seconds', '180'));
// The simulators run at this niceness (0: the product's priority); see SimProcess.spawn.
const FIXTURE_NICE = Number(arg('fixture-nice', '10'));
// Pod indexes in worker threads (src/ingest): --ingest-workers 0 keeps them on the request thread. With
// workers, the retained-heap figures are the request thread's alone (worker heaps are in RSS).
if (args.includes('--ingest-workers')) process.env.KNM_INGEST_WORKERS = arg('ingest-workers', '1');
const INGEST_WORKERS = process.env.KNM_INGEST_WORKERS ?? '1';
/** Per cluster, as in `npm run bench`: ≥ 250 node updates/s (heartbeats mostly), flaps, pod churn, labels. */
const CHURN = {
  heartbeatsPerSecond: 250,
  readyFlapsPerMinute: 30,
  podChurnPerSecond: 5,
  labelChangesPerMinute: 30,
};

const log = createLogger(process.env.KNM_LOG_LEVEL ?? 'warn');
const say = (s: string) => process.stdout.write(s + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function memoHits(): Promise<{ hit: number; miss: number }> {
  const m = await queryMemo.get();
  const of = (r: string) => m.values.find((v) => v.labels.result === r)?.value ?? 0;
  return { hit: of('hit'), miss: of('miss') };
}

type Row = Record<string, number>;

async function runSize(clusters: number): Promise<Row> {
  const sims: ChildRpc<SimRequest>[] = [];
  const names = Array.from({ length: clusters }, (_, i) => `fleet-${i + 1}`);
  try {
    // Simulators start one after another: each builds its cluster on one core, which would otherwise starve the
    // product of the CPU the measurement is about (they are the fixture, not the product).
    const configs: string[] = [];
    for (let i = 0; i < clusters; i++) {
      const sim = SimProcess.spawn(4096, FIXTURE_NICE);
      sims.push(sim);
      const s = await sim.call<{ kubeconfig: string }>({
        cmd: 'start',
        opts: { nodes: NODES, podsPerNode: PODS, seed: i + 1, historyLimit: 100_000 },
      });
      configs.push(s.kubeconfig);
    }
    const product = await startProduct('app', log);
    const cache = product.cache;
    clearInternPools();
    const heap0 = await heapAfterGc();
    const rss0 = process.memoryUsage().rss;

    // ---- cold sync of the whole fleet at once, as a restart does -------------------------------------------
    const cpuSync0 = process.cpuUsage();
    const t = performance.now();
    await Promise.all(names.map((n, i) => product.addCluster(n, configs[i]!, true)));
    for (const n of names) {
      if (!(await cache.waitForSync(n, 900_000))) throw new Error(`${n}: nodes did not sync`);
      if (!(await cache.waitForPodIndex(n, 1_800_000))) throw new Error(`${n}: pod index did not sync`);
    }
    const coldSyncS = (performance.now() - t) / 1000;
    const cpuSync = process.cpuUsage(cpuSync0);
    const res = cache.resources();
    await sleep(500);
    const heap1 = await heapAfterGc();
    const rss1 = process.memoryUsage().rss;
    // Nodes and pods sync together here, so the retained total is not split: bytesPerNodeAll and bytesPerPodAll
    // each divide the whole of it (an upper bound for each). `npm run bench` measures them apart.
    const retained = heap1 - heap0;
    say(
      `  ${clusters} cluster(s): ${res.nodes} nodes, ${res.pods} pods synced in ${round(coldSyncS, 1)} s; ${Math.round(retained / 2 ** 20)} MB retained, RSS ${Math.round(rss1 / 2 ** 20)} MB`,
    );

    // ---- clients subscribed to every cluster; churn everywhere ---------------------------------------------
    const clientsRpc = ChildRpc.spawnClients();
    try {
      await clientsRpc.call({
        cmd: 'wsOpen',
        url: product.url,
        headers: product.headers,
        clients: WS_CLIENTS,
        cluster: names[0]!,
        clusters: names,
      });
      await Promise.all(sims.map((s) => s.call({ cmd: 'startChurn', rates: CHURN })));
      await sleep(CHURN_WARMUP_MS);
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      const cpu0 = process.cpuUsage();
      const w0 = performance.now();
      const upd0 = names.reduce((a, n) => a + (cache.informerStats(n)?.nodes.events.MODIFIED ?? 0), 0);

      // the realistic mix across the fleet
      const rows = names.flatMap((n) => cache.rows(n) ?? []);
      const uniq = (xs: (string | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))];
      const sessions = generateMix(MIX_SESSIONS, 19, {
        clusters: names,
        names: rows.filter((_, i) => i % 7 === 0).map((r) => r.name),
        zones: uniq(rows.map((r) => r.labels['topology.kubernetes.io/zone'])),
        pools: uniq(rows.map((r) => r.labels['pool'])),
      });
      const memo0 = await memoHits();
      const mix = await clientsRpc.call<MixResult>({
        cmd: 'httpMix',
        origin: product.url,
        headers: product.headers,
        sessions,
        clients: MIX_CLIENTS,
        maxMs: MIX_MAX_S * 1000,
      });
      // an overloaded replica answering errors is a result of the series, not a failure of the benchmark
      for (const e of mix.errors) say(`    mix error: ${e.slice(0, 240)}`);
      const memo1 = await memoHits();

      // change → WebSocket, spread over the clusters
      await clientsRpc.call({ cmd: 'wsResetCounts' });
      const now = () => performance.timeOrigin + performance.now();
      const sentAt = new Map<string, number>();
      const workers = names.map((n) =>
        (cache.rows(n) ?? []).filter((r) => !r.roles.includes('control-plane')).map((r) => r.name),
      );
      // When the cache delivered each change: splits the latency into simulator+watch+ingest and hub+WebSocket.
      const cachedAt = new Map<string, number>();
      const onChange = (ch: NodeChange) => {
        if (ch.kind !== 'updated' || !ch.changed.includes('labels')) return;
        const seq = cache.row(ch.cluster, ch.name)?.labels['bench.knm.io/seq'];
        if (seq !== undefined && !cachedAt.has(seq)) cachedAt.set(seq, now());
      };
      cache.on('change', onChange);
      for (let i = 0; i < CHANGES; i++) {
        const c = i % clusters;
        const seq = `${clusters}-${i}`;
        const node = workers[c]![(i * 7919) % workers[c]!.length]!;
        sentAt.set(seq, now());
        sims[c]!.post({ cmd: 'label', node, key: 'bench.knm.io/seq', value: seq });
        await sleep(60 + ((i * 37) % 80));
      }
      let ws: {
        arrivals: Record<string, number[]>;
        types: Record<string, number>;
        closes?: string[];
        viaSnapshot?: number;
      } = { arrivals: {}, types: {} };
      const deadline = Date.now() + 60_000;
      for (;;) {
        ws = await clientsRpc.call({ cmd: 'wsStats' });
        if ([...sentAt.keys()].every((k) => (ws.arrivals[k]?.length ?? 0) >= WS_CLIENTS)) break;
        if (Date.now() > deadline) break; // report what arrived; missing ones count as lost
        await sleep(100);
      }
      cache.off('change', onChange);
      say(`    WebSocket messages during the changes: ${JSON.stringify(ws.types)}`);
      if (ws.closes?.length) say(`    WebSocket clients closed by the server: ${ws.closes.join('; ')}`);
      const lat: number[] = [];
      const toCache: number[] = [];
      const cacheToWs: number[] = [];
      let lost = 0;
      for (const [seq, at] of sentAt) {
        const a = ws.arrivals[seq] ?? [];
        const c = cachedAt.get(seq);
        if (c !== undefined) toCache.push(c - at);
        lost += Math.max(0, WS_CLIENTS - a.length);
        for (const x of a) {
          lat.push(x - at);
          if (c !== undefined) cacheToWs.push(x - c);
        }
      }
      loop.disable();
      const windowS = (performance.now() - w0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const upd = names.reduce((a, n) => a + (cache.informerStats(n)?.nodes.events.MODIFIED ?? 0), 0) - upd0;
      await Promise.all(sims.map((s) => s.call({ cmd: 'stopChurn' })));
      const rssEnd = process.memoryUsage().rss;
      const memoShare =
        (memo1.hit - memo0.hit) / Math.max(1, memo1.hit + memo1.miss - memo0.hit - memo0.miss);
      const row: Row = {
        clusters,
        nodes: res.nodes,
        pods: res.pods,
        coldSyncS: round(coldSyncS, 1),
        coldSyncCpuS: round((cpuSync.user + cpuSync.system) / 1e6, 1),
        retainedMb: round(retained / 2 ** 20, 1),
        bytesPerNodeAll: Math.round(retained / Math.max(1, res.nodes)),
        bytesPerPodAll: Math.round(retained / Math.max(1, res.pods)),
        rssMb: Math.round(Math.max(rss1, rssEnd) / 2 ** 20),
        rssGrowthMb: Math.round((rss1 - rss0) / 2 ** 20),
        productCpuPercent: round(((cpu.user + cpu.system) / 1000 / (windowS * 1000)) * 100, 1),
        nodeUpdatesPerSecond: round(upd / windowS, 1),
        mixSessions: mix.sessions,
        mixRequests: mix.requests,
        mixErrors: mix.errorCount,
        memoHitShare: round(memoShare, 3),
        pageP50Ms: round(percentile(mix.ms.page, 50)),
        pageP99Ms: round(percentile(mix.ms.page, 99)),
        searchP99Ms: round(percentile(mix.ms.search, 99)),
        fullListP50Ms: round(percentile(mix.ms.full, 50)),
        changeToWsP50Ms: round(percentile(lat, 50)),
        changeToWsP99Ms: round(percentile(lat, 99)),
        changeToWsLost: lost,
        // arrivals counted above that came inside a resync's snapshot rather than as an update
        changeToWsViaSnapshot: ws.viaSnapshot ?? 0,
        changeToCacheP99Ms: round(percentile(toCache, 99)),
        cacheToWsP99Ms: round(percentile(cacheToWs, 99)),
        // a client that fell too far behind is sent a fresh snapshot instead of the changes it missed
        wsResyncs: ws.types['resync'] ?? 0,
        loopDelayP99Ms: round(loop.percentile(99) / 1e6),
        loopDelayMaxMs: round(loop.max / 1e6),
        loadAverage1m: round(os.loadavg()[0]!, 1),
      };
      return row;
    } finally {
      await clientsRpc.close();
      await product.close();
    }
  } finally {
    await Promise.all(sims.map((s) => s.close()));
  }
}

/** A hand-drawn SVG: page p99, change→WS p99 and loop delay p99 (ms, left axis) and RSS (MB, right). */
function chart(rows: Row[]): string {
  const W = 720;
  const H = 360;
  const L = 60;
  const R = 660;
  const T = 40;
  const B = 300;
  const xs = rows.map((r) => r.clusters!);
  const xMax = Math.max(...xs, 1);
  const x = (v: number) => L + ((R - L) * v) / xMax;
  const series: [string, string, (r: Row) => number, 'l' | 'r'][] = [
    ['page p99 (ms)', '#d62728', (r) => r.pageP99Ms!, 'l'],
    ['change→WS p99 (ms)', '#1f77b4', (r) => r.changeToWsP99Ms!, 'l'],
    ['loop delay p99 (ms)', '#2ca02c', (r) => r.loopDelayP99Ms!, 'l'],
    ['RSS (MB)', '#7f7f7f', (r) => r.rssMb!, 'r'],
  ];
  const max = (side: 'l' | 'r') =>
    Math.max(
      1,
      ...series.filter((s) => s[3] === side).flatMap((s) => rows.map(s[2]).filter(Number.isFinite)),
    );
  const yl = max('l');
  const yr = max('r');
  const y = (v: number, side: 'l' | 'r') => B - ((B - T) * v) / (side === 'l' ? yl : yr);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="20" font-size="14">Kube Node Manager, one replica: latency and memory against fleet size (${NODES} nodes × ${PODS} pods per cluster)</text>`,
    `<line x1="${L}" y1="${B}" x2="${R}" y2="${B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${B}" stroke="black"/>`,
    `<line x1="${R}" y1="${T}" x2="${R}" y2="${B}" stroke="#7f7f7f"/>`,
    `<text x="${(L + R) / 2}" y="${B + 35}" text-anchor="middle">clusters</text>`,
    `<text x="${L - 8}" y="${T - 8}" text-anchor="end">${Math.round(yl)} ms</text>`,
    `<text x="${R + 8}" y="${T - 8}">${Math.round(yr)} MB</text>`,
  ];
  for (const c of xs) parts.push(`<text x="${x(c)}" y="${B + 16}" text-anchor="middle">${c}</text>`);
  series.forEach(([name, color, f, side], i) => {
    const pts = rows.filter((r) => Number.isFinite(f(r))).map((r) => `${x(r.clusters!)},${y(f(r), side)}`);
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(' ')}"/>`);
    for (const p of pts) {
      const [px, py] = p.split(',');
      parts.push(`<circle cx="${px}" cy="${py}" r="3" fill="${color}"/>`);
    }
    parts.push(
      `<rect x="${L + 10 + i * 150}" y="${H - 22}" width="10" height="10" fill="${color}"/><text x="${L + 24 + i * 150}" y="${H - 13}">${name}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

async function main(): Promise<void> {
  say(
    `knm fleet benchmark: ${SIZES.join(', ')} cluster(s) × ${NODES} nodes × ${PODS} pods per node, churn on, ${INGEST_WORKERS} ingest worker(s), simulators at nice ${FIXTURE_NICE}, node ${process.version}, ${os.cpus().length} CPUs, ${Math.round(os.totalmem() / 2 ** 30)} GB, load ${os
      .loadavg()
      .map((l) => round(l, 1))
      .join(' ')}`,
  );
  const rows: Row[] = [];
  for (const n of SIZES) {
    rows.push(await runSize(n));
    // written after each size: a size that does not fit in the time or memory still leaves the smaller ones
    fs.mkdirSync(OUT_DIR, { recursive: true });
    const meta = {
      nodesPerCluster: NODES,
      podsPerNode: PODS,
      ingestWorkers: Number(INGEST_WORKERS),
      fixtureNice: FIXTURE_NICE,
      sizes: SIZES,
      node: process.version,
      cpus: os.cpus().length,
    };
    fs.writeFileSync(path.join(OUT_DIR, 'fleet.json'), JSON.stringify({ ...meta, rows }, null, 2) + '\n');
    fs.writeFileSync(path.join(OUT_DIR, 'fleet.svg'), chart(rows));
  }
  const keys = Object.keys(rows[0]!);
  say('');
  say(`| ${keys.join(' | ')} |`);
  say(`|${keys.map(() => '---:').join('|')}|`);
  for (const r of rows) say(`| ${keys.map((k) => r[k]).join(' | ')} |`);
  say(`\nwrote ${path.join(OUT_DIR, 'fleet.json')} and ${path.join(OUT_DIR, 'fleet.svg')}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`fleet benchmark failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
