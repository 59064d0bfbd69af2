/**
 * Capacity of the simulated cluster at the supported maximum (5,000 nodes, 150,000 pods):
 * creation time, heap after GC, paged LIST of every pod, and watch fan-out to 10 concurrent watchers over
 * real HTTP (watch clients run in a worker thread so they do not share the server's event loop).
 *
 *   node --expose-gc --import tsx scripts/bench/sim-capacity.ts [--nodes 5000] [--pods-per-node 30] [--events 20000]
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { startSim } from '../../src/sim/index.js';
import { resourceDef } from '../../src/sim/resources.js';
import type { NodeObject } from '../../src/sim/types.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '5000' },
    'pods-per-node': { type: 'string', default: '30' },
    events: { type: 'string', default: '20000' },
    watchers: { type: 'string', default: '10' },
  },
});
const NODES = Number(values.nodes);
const PPN = Number(values['pods-per-node']);
const EVENTS = Number(values.events);
const WATCHERS = Number(values.watchers);

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = (): number => {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
};
const rows: [string, string][] = [];
const row = (k: string, v: string): void => {
  rows.push([k, v]);
  process.stderr.write(`${k}: ${v}\n`);
};

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
function get(url: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { Authorization: `Bearer ${token}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      })
      .on('error', reject);
  });
}

const WATCH_CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { url, token, watchers, expected } = workerData;
const counts = new Array(watchers).fill(0);
let done = 0;
for (let i = 0; i < watchers; i++) {
  http.get(url, { headers: { Authorization: 'Bearer ' + token }, agent: false }, (res) => {
    parentPort.postMessage({ type: 'open', i });
    res.on('data', (buf) => {
      let n = 0;
      for (let p = buf.indexOf(10); p !== -1; p = buf.indexOf(10, p + 1)) n++;
      const before = counts[i];
      counts[i] += n;
      if (before < expected && counts[i] >= expected) {
        parentPort.postMessage({ type: 'done', i, at: Date.now() });
        if (++done === watchers) process.exit(0);
      }
    });
  });
}
`;

async function main(): Promise<void> {
  const base = heapMb();
  let t = Date.now();
  // Plain HTTP: this measures the simulator's own work, not TLS.
  const sim = await startSim({ nodes: NODES, podsPerNode: PPN, historyLimit: 10_000, tls: false });
  const createMs = Date.now() - t;
  const nodes = sim.state.count('nodes');
  const pods = sim.state.count('pods');
  row('objects', `${nodes} nodes, ${pods} pods`);
  row('create (generate + load)', `${(createMs / 1000).toFixed(2)} s`);
  const heap = heapMb() - base;
  row('heap used after GC (simulator)', `${heap.toFixed(0)} MB`);
  row('  ≈ per pod (incl. nodes share)', `${((heap * 1024 * 1024) / (pods + nodes)).toFixed(0)} B/object`);

  // Paged LIST of every pod.
  t = Date.now();
  let token = '';
  let pages = 0;
  let items = 0;
  do {
    const r = await get(`${sim.url}/api/v1/pods?limit=500${token ? `&continue=${token}` : ''}`, sim.token);
    const j = JSON.parse(r.body) as { items: unknown[]; metadata: { continue?: string } };
    items += j.items.length;
    pages++;
    token = j.metadata.continue ?? '';
  } while (token);
  const pagedMs = Date.now() - t;
  row(
    'LIST all pods, limit=500',
    `${pages} pages, ${items} pods in ${(pagedMs / 1000).toFixed(2)} s (${(pagedMs / pages).toFixed(1)} ms/page)`,
  );

  t = Date.now();
  const nodeList = await get(`${sim.url}/api/v1/nodes?resourceVersion=0`, sim.token);
  row(
    'LIST all nodes, rv=0',
    `${(Date.now() - t).toFixed(0)} ms, ${(nodeList.body.length / 1024 / 1024).toFixed(1)} MB`,
  );
  const nodeName = (JSON.parse(nodeList.body) as { items: NodeObject[] }).items[1234 % nodes]!.metadata.name;
  t = Date.now();
  const perNode = 200;
  for (let i = 0; i < perNode; i++)
    await get(
      `${sim.url}/api/v1/pods?fieldSelector=spec.nodeName%3D${encodeURIComponent(nodeName)}`,
      sim.token,
    );
  row('per-node pod LIST (fieldSelector)', `${((Date.now() - t) / perNode).toFixed(2)} ms/request`);

  // Watch fan-out: WATCHERS clients on /api/v1/nodes from the current resourceVersion; EVENTS node updates.
  const rv = sim.state.resourceVersion;
  const worker = new Worker(WATCH_CLIENT, {
    eval: true,
    workerData: {
      url: `${sim.url}/api/v1/nodes?watch=true&resourceVersion=${rv}`,
      token: sim.token,
      watchers: WATCHERS,
      expected: EVENTS,
    },
  });
  let opened = 0;
  const doneAt: number[] = [];
  const allDone = new Promise<void>((resolve) => {
    worker.on('message', (m: { type: string; at?: number }) => {
      if (m.type === 'open') opened++;
      if (m.type === 'done') {
        doneAt.push(m.at!);
        if (doneAt.length === WATCHERS) resolve();
      }
    });
  });
  while (opened < WATCHERS || sim.watchCount() < WATCHERS) await new Promise((r) => setTimeout(r, 20));
  const def = resourceDef('nodes');
  const store = sim.state.store('nodes');
  const keys = [...store.keys.get()];
  const start = Date.now();
  for (let i = 0; i < EVENTS; i++) {
    const n = store.items.get(keys[i % keys.length]!) as NodeObject;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const conditions = (n.status.conditions ?? []).map((c) => ({ ...c, lastHeartbeatTime: now }));
    sim.state.commit(def, 'MODIFIED', { ...n, status: { ...n.status, conditions } }, n);
    if (i % 250 === 249) await new Promise((r) => setImmediate(r));
  }
  const producedMs = Date.now() - start;
  await allDone;
  const deliveredMs = Math.max(...doneAt) - start;
  const bytesPerEvent = JSON.stringify(store.items.get(keys[0]!)).length;
  row(
    'watch fan-out',
    `${WATCHERS} watchers × ${EVENTS} node events (~${(bytesPerEvent / 1024).toFixed(1)} KB each)`,
  );
  row('  produced', `${(EVENTS / (producedMs / 1000)).toFixed(0)} events/s`);
  row(
    '  delivered to every watcher',
    `${(deliveredMs / 1000).toFixed(2)} s → ${(EVENTS / (deliveredMs / 1000)).toFixed(0)} events/s per watcher, ${((EVENTS * WATCHERS) / (deliveredMs / 1000)).toFixed(0)} events/s total`,
  );
  await worker.terminate();
  row('heap used after GC (end)', `${(heapMb() - base).toFixed(0)} MB`);
  await sim.close();
  agent.destroy();

  const w = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(`\nsimulator capacity (${new Date().toISOString()}, node ${process.version})\n`);
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(w)}  ${v}\n`);
}

await main();
