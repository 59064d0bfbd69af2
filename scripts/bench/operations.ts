/**
 * Benchmark of node operations (issue 4): `npx tsx scripts/bench/operations.ts [--nodes N] [--pods N]`.
 *
 * The simulated cluster runs in a child process (its CPU is not ours). Measured here, through the real job
 * runner with its SQLite store (every node's start and result persisted) and conflict-safe writes:
 *   1. batch cordon of 1,000 nodes (default concurrency 20, then the maximum 50; an uncordon in between),
 *      wall time from submission to the job's end and the Kubernetes API calls it made;
 *   2. drain of one node carrying 110 evictable pods, kubectl-faithful: every pod evicted through the
 *      Eviction API at once, each awaited until gone with kubectl's 1 s polling. Pods have a 30 s grace
 *      period which the simulated kubelet scales by --grace-scale (default 0.01, i.e. 0.3 s) — said in the
 *      output; a real cluster's drain time is dominated by the pods' own shutdown.
 * Targets are resolved with direct LISTs (no live cache here), which the API-call figures include. Batches run
 * twice: each write reading the node fresh (GET + PATCH), and planning on a last-seen copy of the node as the
 * live cache provides it (PATCH only, the resourceVersion test still guarding it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HttpKubeClient, kubeConfigFromText } from '../../src/kube/client.js';
import { openStore } from '../../src/store/index.js';
import {
  DirectNodeSource,
  JobRunner,
  NodeOperations,
  type Actor,
  type Job,
} from '../../src/operations/index.js';
import { SimProcess } from './lib/sim-process.js';
import { round } from './lib/stats.js';

const args = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : def;
};
const NODES = Number(arg('nodes', '1000'));
const PODS = Number(arg('pods', '110'));
const GRACE_SCALE = Number(arg('grace-scale', '0.01'));
const CLUSTER = 'bench';

const admin: Actor = {
  username: 'bench',
  role: 'admin',
  clusters: null,
  canOverrideGuard: true,
  canOverrideSystemLabels: true,
};

type Row = {
  step: string;
  nodes: number;
  concurrency: string;
  wallMs: number;
  apiCalls: number;
  detail: string;
};

async function main() {
  const sim = SimProcess.spawn(2048);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-bench-ops-'));
  const store = await openStore({ dataDir: dir, databaseUrl: '' });
  const rows: Row[] = [];
  let client: HttpKubeClient | undefined;
  try {
    const started = await sim.call<{ kubeconfig: string }>({
      cmd: 'start',
      opts: { nodes: NODES, podsPerNode: 0, seed: 7, churn: false, gracePeriodScale: GRACE_SCALE },
    });
    client = new HttpKubeClient(CLUSTER, kubeConfigFromText(started.kubeconfig));
    const c = client;
    const clients = { client: (name: string) => (name === CLUSTER ? c : undefined) };
    const fresh = new NodeOperations({
      clients,
      nodes: new DirectNodeSource(clients, 60_000),
      guardMinSchedulable: 0.7,
    });
    // As with the live cache wired in: the first attempt plans on the last-seen node (one call per node).
    const viewed = new NodeOperations({
      clients,
      nodes: new DirectNodeSource(clients, 600_000, { offerView: true }),
      guardMinSchedulable: 0.7,
    });
    let runner = new JobRunner({ db: store.db, ops: fresh });
    const names = await sim.call<string[]>({ cmd: 'nodeNames' });

    const count = async (verb: string, resource?: string) =>
      sim.call<number>({ cmd: 'requestCount', filter: { verb, resource } });
    const calls = async () => ({
      get: await count('get', 'nodes'),
      list: await count('list', 'nodes'),
      patch: await count('patch', 'nodes'),
      all: await count(''),
    });

    const batch = async (operation: 'cordon' | 'uncordon', concurrency: number, mode: string) => {
      await sim.call({ cmd: 'resetRequestCount' });
      const t0 = performance.now();
      // The guard refuses taking every node out; the benchmark overrides it as an admin would.
      const job: Job = await runner.submit(admin, {
        operation,
        targets: [{ cluster: CLUSTER, nodes: names.slice(0, 1000) }],
        params: operation === 'cordon' ? { reason: 'benchmark' } : {},
        concurrency,
        override: true,
      });
      await runner.waitFor(job.id);
      const wallMs = performance.now() - t0;
      const done = await runner.get(admin, job.id);
      const k = await calls();
      rows.push({
        step: `batch ${operation} (${mode})`,
        nodes: done.total,
        concurrency: String(concurrency),
        wallMs,
        apiCalls: k.all,
        detail: `${done.status}: ok ${done.counts.ok}, unchanged ${done.counts.unchanged}, failed ${done.counts.failed}; GET ${k.get}, PATCH ${k.patch}, LIST ${k.list}; ${round(wallMs / done.total, 2)} ms/node`,
      });
    };

    await batch('cordon', 20, 'fresh read');
    await batch('uncordon', 20, 'fresh read');
    await batch('cordon', 50, 'fresh read');
    await batch('uncordon', 50, 'fresh read');
    runner = new JobRunner({ db: store.db, ops: viewed });
    await batch('cordon', 50, 'live view');
    await batch('uncordon', 50, 'live view');

    // Drain: one node, PODS evictable pods created through the API (the simulated kubelet starts them).
    const node = names[names.length - 1]!;
    await client
      .request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: 'bench' } } })
      .catch(() => undefined);
    await Promise.all(
      Array.from({ length: PODS }, (_, i) =>
        c.request({
          method: 'POST',
          path: '/api/v1/namespaces/bench/pods',
          body: {
            metadata: {
              name: `app-${i}`,
              ownerReferences: [
                { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'app', uid: 'rs-app', controller: true },
              ],
            },
            spec: {
              nodeName: node,
              terminationGracePeriodSeconds: 30,
              containers: [{ name: 'c', image: 'app:1' }],
            },
          },
        }),
      ),
    );
    await sim.call({ cmd: 'resetRequestCount' });
    const t0 = performance.now();
    const job = await runner.submit(admin, {
      operation: 'drain',
      targets: [{ cluster: CLUSTER, nodes: [node] }],
      params: {},
      override: true,
    });
    await runner.waitFor(job.id);
    const wallMs = performance.now() - t0;
    const done = await runner.get(admin, job.id);
    const evictions = await count('create', 'pods/eviction');
    const podGets = await count('get', 'pods');
    rows.push({
      step: 'drain 1 node',
      nodes: 1,
      concurrency: `${PODS} pods`,
      wallMs,
      apiCalls: await count(''),
      detail: `${done.status} (${done.nodes[0]?.message}); evictions ${evictions}, pod GETs ${podGets}, pod DELETEs ${await count('delete', 'pods')}; grace 30 s × ${GRACE_SCALE} = ${30 * GRACE_SCALE} s, polling every 1 s as kubectl`,
    });
  } finally {
    client?.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
    await sim.close();
  }

  const head = ['step', 'nodes', 'concurrency', 'wall time', 'API calls', 'detail'];
  const body = rows.map((r) => [
    r.step,
    String(r.nodes),
    r.concurrency,
    `${round(r.wallMs / 1000, 2)} s`,
    String(r.apiCalls),
    r.detail,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(
    `\nnode operations benchmark — ${os.cpus().length} CPUs, Node ${process.version}, simulator in a child process\n`,
  );
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
