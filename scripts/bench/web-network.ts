/**
 * The console over a slow link: a 5,000-node node screen loaded in Chromium with the network throttled by the
 * DevTools protocol (Network.emulateNetworkConditions, which covers HTTP and WebSocket traffic), same build,
 * same machine, one run, in three settings:
 *   - compression off (KNM_COMPRESSION=false), the WebSocket on the page;
 *   - "before": compression on, the WebSocket on the page (`?socket=page`, how the console worked until the
 *     socket moved to a worker);
 *   - "after": compression on, the WebSocket in a worker that parses frames and hands a snapshot's rows to the
 *     page in slices (web/src/live/workerSocket.ts).
 * Reports per setting:
 *   - bytes on the wire for the whole load (HTTP and WebSocket, counted by a TCP relay between browser and server,
 *     so compressed frames count as sent);
 *   - navigation → usable table (rows in the DOM and painted; target ≤ 1.5 s);
 *   - the longest main-thread task from navigation until the table is usable and the live snapshot applied
 *     (PerformanceObserver 'longtask'; target ≤ 100 ms).
 *
 *   npx tsx scripts/bench/web-network.ts [--nodes 5000] [--runs 3] [--mbit 20] [--rtt 40]
 */
import net from 'node:net';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { launchBrowser, loginThroughUi, newContext } from '../../test/support/browser.js';
import {
  ADMIN_PASSWORD,
  ensureWebBuilt,
  startServer,
  type RunningServer,
} from '../../test/support/server-process.js';

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '5000' },
    runs: { type: 'string', default: '3' },
    mbit: { type: 'string', default: '20' },
    rtt: { type: 'string', default: '40' },
  },
});
const NODES = Number(args.nodes);
const RUNS = Number(args.runs);
const BYTES_PER_S = (Number(args.mbit) * 1e6) / 8;
const RTT = Number(args.rtt);

/** A TCP relay that counts the bytes going each way. */
async function countingRelay(target: string) {
  const { hostname, port } = new URL(target);
  const count = { down: 0, up: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.on('data', (d) => (count.up += d.length));
    upstream.on('data', (d) => (count.down += d.length));
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    count,
    reset() {
      count.down = 0;
      count.up = 0;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

interface Load {
  usable: number;
  longest: number;
  longTasks: number;
  bytes: number;
}

async function measure(
  page: Page,
  url: string,
  relay: Awaited<ReturnType<typeof countingRelay>>,
  run: number,
  query: string,
) {
  // Let every connection of the previous load finish, then count from zero.
  await page.goto('about:blank');
  relay.reset();
  await page.goto(`${url}/?perf=1&run=${run}${query ? `&${query}` : ''}#/nodes`);
  await page.waitForFunction(
    () =>
      (window as unknown as { __knmPerf?: { marks: Record<string, number> } }).__knmPerf?.marks
        .tableUsable !== undefined,
    undefined,
    { timeout: 120_000 },
  );
  // The load is over once every node is counted and the live socket's snapshot is applied.
  await page.waitForFunction(
    (n) =>
      (document.querySelector('[data-testid="node-count"]')?.textContent ?? '').startsWith(`${n} of`) &&
      document.querySelector('[data-testid="socket-status"]')?.textContent === 'Live',
    NODES,
    { timeout: 120_000 },
  );
  // Two frames, so a long task that ends the load is reported before it is read.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const r = await page.evaluate(() => {
    const w = window as unknown as { __knmPerf: { marks: Record<string, number> }; __longTasks: number[] };
    return { usable: w.__knmPerf.marks.tableUsable!, tasks: w.__longTasks };
  });
  return {
    usable: r.usable,
    longest: Math.max(0, ...r.tasks),
    longTasks: r.tasks.length,
    bytes: relay.count.down + relay.count.up,
  } satisfies Load;
}

async function runSetting(
  name: string,
  server: RunningServer,
  query: string,
): Promise<{ name: string; loads: Load[] }> {
  const relay = await countingRelay(server.url);
  const browser = await launchBrowser();
  try {
    const context = await newContext(browser);
    // Registered before any script of the page runs, so no task of the load is missed.
    await context.addInitScript({
      content: `window.__longTasks = [];
        try { new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push(e.duration); })
          .observe({ type: 'longtask', buffered: true }); } catch {}`,
    });
    const page = await context.newPage();
    await loginThroughUi(page, relay.url, 'admin', ADMIN_PASSWORD);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: RTT,
      downloadThroughput: BYTES_PER_S,
      uploadThroughput: BYTES_PER_S,
    });
    const loads: Load[] = [];
    for (let i = 0; i < RUNS; i++) loads.push(await measure(page, relay.url, relay, i, query));
    return { name, loads };
  } finally {
    await browser.close().catch(() => undefined);
    await relay.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (n: number) => `${Math.round(n)} ms`;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MB`;

async function main() {
  await ensureWebBuilt();
  const results: { name: string; loads: Load[] }[] = [];
  const servers = [
    {
      env: { KNM_COMPRESSION: 'false', KNM_DEMO_CHURN: 'false' },
      settings: [['compression off, socket on the page', 'socket=page']],
    },
    {
      env: { KNM_DEMO_CHURN: 'false' },
      settings: [
        ['before: compression on, socket on the page', 'socket=page'],
        ['after: compression on, socket and parsing in a worker', ''],
      ],
    },
  ] as const;
  for (const { env, settings } of servers) {
    process.stdout.write(`starting a server with ${NODES} simulated nodes (${JSON.stringify(env)})…\n`);
    const server = await startServer({ nodes: NODES, logName: 'bench-web-network.log', env });
    try {
      for (const [name, query] of settings) {
        process.stdout.write(`${name}…\n`);
        results.push(await runSetting(name, server, query));
      }
    } finally {
      await server.stop();
    }
  }
  process.stdout.write(
    `\nthrottled: ${args.mbit} Mbit/s each way, ${RTT} ms RTT (CDP); ${NODES} nodes; median of ${RUNS} loads (max in brackets)\n\n`,
  );
  const rows = [
    [
      'setting',
      'bytes on the wire',
      'navigation → usable table',
      'longest main-thread task',
      'tasks > 50 ms',
    ],
    ...results.map(({ name, loads }) => [
      name,
      mb(median(loads.map((l) => l.bytes))),
      `${ms(median(loads.map((l) => l.usable)))} (${ms(Math.max(...loads.map((l) => l.usable)))})`,
      `${ms(median(loads.map((l) => l.longest)))} (${ms(Math.max(...loads.map((l) => l.longest)))})`,
      String(median(loads.map((l) => l.longTasks))),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |\n`;
  process.stdout.write(line(rows[0]!));
  process.stdout.write(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n`);
  for (const r of rows.slice(1)) process.stdout.write(line(r));
  process.stdout.write('\ntargets: usable table ≤ 1500 ms, no task > 100 ms\n');
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
