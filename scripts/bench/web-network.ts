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
 *   - navigation → usable table: the first screen of rows in the DOM, in the table's order, and painted
 *     (target ≤ 1.5 s). Until the live rows are in, that screen may be the API's first page of the same query
 *     (web/src/nodes/firstPage.ts), so the bench also checks that the rows on that screen are still the first
 *     rows once every node is in ("screen kept": a first screen that is not the true top of the order, or
 *     rows that jump when the live data arrives, show there);
 *   - the longest main-thread task, and tasks over 50 and 100 ms, from navigation until every node is in and
 *     the live snapshot applied (PerformanceObserver 'longtask'; target: none over 100 ms);
 *   - where the time goes (medians, from navigation): socket open, first slice of the snapshot on the page,
 *     whole snapshot on the page, snapshot applied to the store.
 *
 *   npx tsx scripts/bench/web-network.ts [--nodes 5000] [--runs 3] [--mbit 20] [--rtt 40] [--only worker]
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
    /** `worker`: only the console as shipped (socket in a worker, compression on). */
    only: { type: 'string', default: '' },
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
  over100: number;
  bytes: number;
  /** The first screen at "usable" is still the first screen once every node is in. */
  kept: boolean;
  /** Long tasks as duration@start (ms from navigation). */
  taskList: string;
  marks: Record<string, number>;
}

const TIMING_MARKS = [
  'longestTaskStart',
  'listRequested',
  'socketOpen',
  'firstPage',
  'snapshotFirstSlice',
  'snapshotReceived',
  'snapshotApplied',
];

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
  // The load is over once every node is in the table (not a first page) and the live socket is up.
  await page.waitForFunction(
    (n) =>
      document.querySelector('[data-testid="node-table"]')?.getAttribute('data-complete') === 'true' &&
      (document.querySelector('[data-testid="node-count"]')?.textContent ?? '').startsWith(`${n} of`) &&
      document.querySelector('[data-testid="socket-status"]')?.textContent === 'Live',
    NODES,
    { timeout: 120_000 },
  );
  // Two frames, so a long task that ends the load is reported before it is read.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const r = await page.evaluate(() => {
    const w = window as unknown as {
      __knmPerf: { marks: Record<string, number>; firstScreen?: string[] };
      __longTasks: [number, number][];
    };
    const now = Array.from(document.querySelectorAll<HTMLElement>('[data-testid="node-row"]'))
      .sort((a, b) => Number(a.getAttribute('aria-rowindex')) - Number(b.getAttribute('aria-rowindex')))
      .map((e) => e.dataset.nodeKey ?? '');
    const then = w.__knmPerf.firstScreen ?? [];
    return {
      marks: w.__knmPerf.marks,
      tasks: w.__longTasks.map(([, d]) => d),
      taskList: w.__longTasks.map(([t, d]) => `${Math.round(d)}@${Math.round(t)}`).join(' '),
      longestAt: [...w.__longTasks].sort((a, b) => b[1] - a[1])[0]?.[0],
      kept: then.length > 0 && then.every((k, i) => now[i] === k),
    };
  });
  return {
    usable: r.marks.tableUsable!,
    longest: Math.max(0, ...r.tasks),
    longTasks: r.tasks.filter((t) => t > 50).length,
    over100: r.tasks.filter((t) => t > 100).length,
    bytes: relay.count.down + relay.count.up,
    kept: r.kept,
    taskList: r.taskList,
    marks: { ...r.marks, ...(r.longestAt !== undefined ? { longestTaskStart: r.longestAt } : {}) },
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
        try { new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push([e.startTime, e.duration]); })
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
  const all = [
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
  const servers = args.only === 'worker' ? [{ env: all[1].env, settings: [all[1].settings[1]] }] : all;
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
      'tasks > 100 ms',
      'screen kept',
    ],
    ...results.map(({ name, loads }) => [
      name,
      mb(median(loads.map((l) => l.bytes))),
      `${ms(median(loads.map((l) => l.usable)))} (${ms(Math.max(...loads.map((l) => l.usable)))})`,
      `${ms(median(loads.map((l) => l.longest)))} (${ms(Math.max(...loads.map((l) => l.longest)))})`,
      String(median(loads.map((l) => l.longTasks))),
      String(median(loads.map((l) => l.over100))),
      `${loads.filter((l) => l.kept).length}/${loads.length}`,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |\n`;
  process.stdout.write(line(rows[0]!));
  process.stdout.write(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n`);
  for (const r of rows.slice(1)) process.stdout.write(line(r));
  process.stdout.write('\ntargets: usable table ≤ 1500 ms, no task > 100 ms\n');
  process.stdout.write('\nwhere the time goes (median ms from navigation; – = not reached):\n');
  for (const { name, loads } of results) {
    const parts = TIMING_MARKS.map((m) => {
      const xs = loads.map((l) => l.marks[m]).filter((x): x is number => x !== undefined);
      return `${m} ${xs.length ? Math.round(median(xs)) : '–'}`;
    });
    process.stdout.write(`  ${name}: ${parts.join(', ')}\n`);
    for (const l of loads) process.stdout.write(`    long tasks (ms@start): ${l.taskList || 'none'}\n`);
  }
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
