/**
 * Cost of recording node health history: `node --expose-gc --import tsx scripts/bench/health.ts [--nodes 5000]
 * [--requests 400] [--database-url postgres://…] [--out FILE]`.
 *
 * The simulated cluster (its own process) runs at 5,000 nodes with the cache benchmark's churn, whose Ready
 * flaps are what the recorder writes. The product side here is the node cache and the product's HTTP server
 * with the node routes, plus, in the phases that say so, the health recorder writing to a real store (SQLite
 * in a temporary directory, or PostgreSQL). Each phase measures a filtered, sorted page of 50 over HTTP
 * (p50/p99/max) and the event-loop delay, with and without recording: at the churn's flap rate, and during a
 * storm in which thousands of nodes go NotReady and come back (every one an interval opened and closed).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CacheManager } from '../../src/cache/manager.js';
import { HttpKubeClient, kubeConfigFromText } from '../../src/kube/client.js';
import { createLogger } from '../../src/log/logger.js';
import { openStore } from '../../src/store/index.js';
import { createNodeHealth } from '../../src/health/index.js';
import { closeAgent, timedGet } from './lib/http.js';
import { buildServer } from '../../src/api/server.js';
import { nodeRoutes } from '../../src/api/routes/nodes.js';
import { loadConfig } from '../../src/config/config.js';
import { SimProcess } from './lib/sim-process.js';
import { percentile, round } from './lib/stats.js';

const args = process.argv.slice(2);
const arg = (name: string, def?: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const NODES = Number(arg('nodes', '5000'));
const REQUESTS = Number(arg('requests', '400'));
const DATABASE_URL = arg('database-url', '')!;
const OUT = arg('out');
/** The cache benchmark's churn: 250 heartbeats/s and 30 Ready flaps a minute. */
const CHURN = {
  heartbeatsPerSecond: 250,
  readyFlapsPerMinute: 30,
  podChurnPerSecond: 0,
  labelChangesPerMinute: 30,
};
/** The storm: 1,000 flaps a second for STORM_MS; each node stays down 5–30 s (scaled by the simulator). */
const STORM = { ...CHURN, readyFlapsPerMinute: 60_000 };
const STORM_MS = 5_000;
const PAGE = 'status=Ready&schedulable=true&role=worker&sort=-podCount&limit=50';
const CLUSTER = 'bench';

const log = createLogger(process.env.KNM_LOG_LEVEL ?? 'warn');
const say = (s: string) => process.stdout.write(s + '\n');

interface PhaseResult {
  phase: string;
  p50: number;
  p99: number;
  max: number;
  loopP99: number;
  loopMax: number;
  rowsWritten: number;
  transitions: number;
}

async function main(): Promise<void> {
  say(
    `knm health-history benchmark: ${NODES} nodes, node ${process.version}, ${os.cpus().length} CPUs, load ${os
      .loadavg()
      .map((l) => round(l, 1))
      .join(' ')}`,
  );
  const sim = SimProcess.spawn();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-bench-health-'));
  const results: PhaseResult[] = [];
  try {
    const started = await sim.call<{ kubeconfig: string }>({
      cmd: 'start',
      opts: { nodes: NODES, podsPerNode: 0, seed: 1, historyLimit: 100_000 },
    });
    const store = await openStore({ dataDir, databaseUrl: DATABASE_URL });
    say(`store: ${store.dialect} (${store.location})`);
    const cache = new CacheManager({ log, podIndex: false });
    // The product's own HTTP server (error mapping, schemas, logging hooks) with the node routes only.
    const server = await buildServer({ config: loadConfig({ KNM_DEMO: 'false' }), log }, { webDir: null });
    await server.register(nodeRoutes, { cache, clusters: { list: () => [{ name: CLUSTER }] } });
    await server.listen({ host: '127.0.0.1', port: 0 });
    const addr = server.server.address();
    const serverUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const client = new HttpKubeClient(CLUSTER, kubeConfigFromText(started.kubeconfig), 60_000);
    cache.startCluster(CLUSTER, client, { podIndex: false });
    if (!(await cache.waitForSync(CLUSTER, 300_000))) throw new Error('nodes did not sync');
    say(`cache synced: ${cache.resources().nodes} nodes`);

    let leader = false;
    const listeners: ((l: boolean) => void)[] = [];
    const lease = {
      get isLeader() {
        return leader;
      },
      onChange: (fn: (l: boolean) => void) => void listeners.push(fn),
    };
    let transitions = 0;
    const health = createNodeHealth({
      db: store.db,
      source: cache,
      leader: lease,
      log,
      retentionDays: 30,
      onTransition: () => void transitions++,
    });
    health.recorder.start();

    const url = `${serverUrl}/api/v1/clusters/${CLUSTER}/nodes?${PAGE}`;
    async function phase(name: string, during?: () => Promise<void>): Promise<void> {
      const written0 = health.recorder.writer.stats.written;
      const transitions0 = transitions;
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const side = during?.();
      const times: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        const r = await timedGet(url);
        if (r.status !== 200) throw new Error(`page answered ${r.status}`);
        times.push(r.ms);
        // About 20 pages a second: a few busy consoles, not a load test.
        await new Promise((res) => setTimeout(res, 50));
      }
      await side;
      await health.recorder.settle();
      loop.disable();
      results.push({
        phase: name,
        p50: round(percentile(times, 50)),
        p99: round(percentile(times, 99)),
        max: round(Math.max(...times)),
        loopP99: round(loop.percentile(99) / 1e6),
        loopMax: round(loop.max / 1e6),
        rowsWritten: health.recorder.writer.stats.written - written0,
        transitions: transitions - transitions0,
      });
    }

    const storm = async () => {
      await sim.call({ cmd: 'startChurn', rates: STORM });
      await new Promise((r) => setTimeout(r, STORM_MS));
      await sim.call({ cmd: 'startChurn', rates: CHURN });
    };
    await sim.call({ cmd: 'startChurn', rates: CHURN });
    await phase('churn, not recording');
    await phase('flap storm, not recording', storm);
    leader = true;
    for (const f of listeners) f(true);
    await health.recorder.settle();
    await phase('churn, recording');
    await phase('flap storm, recording', storm);
    await sim.call({ cmd: 'stopChurn' });

    say('');
    say(
      '| phase | page p50 ms | page p99 ms | page max ms | loop delay p99 ms | loop delay max ms | transitions | rows written |',
    );
    say('|---|---|---|---|---|---|---|---|');
    for (const r of results)
      say(
        `| ${r.phase} | ${r.p50} | ${r.p99} | ${r.max} | ${r.loopP99} | ${r.loopMax} | ${r.transitions} | ${r.rowsWritten} |`,
      );
    say(
      `largest write chunk: ${round(health.recorder.writer.stats.maxChunkMs)} ms wall (250 rows), ${health.recorder.writer.stats.flushes} flushes, ${health.recorder.writer.stats.failures} failures`,
    );
    if (OUT) fs.writeFileSync(OUT, JSON.stringify({ nodes: NODES, store: store.dialect, results }, null, 2));

    await health.recorder.stop();
    await server.close();
    await cache.close();
    client.close();
    await store.close();
  } finally {
    closeAgent();
    await sim.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
