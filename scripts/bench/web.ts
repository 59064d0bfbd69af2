/**
 * Web console performance in Chromium, against the real server with a large simulated cluster:
 *   - navigation → usable node table, and usable table relative to the API answer (target ≤ 1.5 s);
 *   - scroll frame times while the mouse wheel scrolls the table (target p95 ≤ 20 ms), and under a stress
 *     scroll that moves the table three rows on every frame;
 *   - a live update of one node: WebSocket message → row changed in the DOM → painted (target ≤ 200 ms);
 *   - the JS heap after loading.
 * The page is opened with ?perf=1 so the console exposes its measurement hooks (window.__knmPerf).
 *
 *   npx tsx scripts/bench/web.ts [--nodes 5000] [--runs 5] [--updates 10] [--scroll-seconds 5] [--no-churn]
 */
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { ApiClient } from '../../test/support/api-client.js';
import { launchBrowser, loginThroughUi, newContext } from '../../test/support/browser.js';
import { ADMIN_PASSWORD, ensureWebBuilt, startServer } from '../../test/support/server-process.js';
import { until } from '../../test/support/until.js';

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '5000' },
    runs: { type: 'string', default: '5' },
    updates: { type: 'string', default: '10' },
    'scroll-seconds': { type: 'string', default: '5' },
    'no-churn': { type: 'boolean', default: false },
  },
});
const NODES = Number(args.nodes);
const RUNS = Number(args.runs);
const UPDATES = Number(args.updates);
const SCROLL_MS = Number(args['scroll-seconds']) * 1000;

interface Perf {
  marks: Record<string, number>;
  messages: Map<string, number>;
}

function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(1)} ms` : 'n/a');
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

async function measureLoad(page: Page, base: string, run: number) {
  // A distinct query each time: navigating to the same URL with only a hash would not reload the page.
  await page.goto(`${base}/?perf=1&run=${run}#/nodes`);
  await page.waitForFunction(
    () => (window as unknown as { __knmPerf?: Perf }).__knmPerf?.marks.tableUsable !== undefined,
    undefined,
    { timeout: 120_000 },
  );
  return page.evaluate(() => {
    const p = (window as unknown as { __knmPerf: Perf }).__knmPerf;
    const res = performance.getEntriesByType('resource').find((e) => e.name.includes('/api/v1/nodes')) as
      PerformanceResourceTiming | undefined;
    return {
      listRequested: p.marks.listRequested!,
      apiAnswer: p.marks.apiAnswer!,
      tableUsable: p.marks.tableUsable!,
      responseEnd: res?.responseEnd ?? NaN,
      transferSize: res?.encodedBodySize ?? NaN,
    };
  });
}

async function measureScroll(page: Page, durationMs: number) {
  return page.evaluate(async (duration) => {
    const scroller = Array.from(document.querySelectorAll<HTMLElement>('[data-testid="node-table"] *')).find(
      (el) => el.scrollHeight > el.clientHeight + 100 && getComputedStyle(el).overflowY !== 'visible',
    );
    if (!scroller) throw new Error('no scrollable table body');
    scroller.scrollTop = 0;
    const deltas: number[] = [];
    const step = 120; // three rows per frame: fast, sustained wheel scrolling
    await new Promise<void>((resolve) => {
      let last = performance.now();
      const start = last;
      let dir = 1;
      const frame = (now: number) => {
        deltas.push(now - last);
        last = now;
        const max = scroller.scrollHeight - scroller.clientHeight;
        if (scroller.scrollTop >= max - 1) dir = -1;
        if (scroller.scrollTop <= 0) dir = 1;
        scroller.scrollTop += dir * step;
        if (now - start < duration) requestAnimationFrame(frame);
        else resolve();
      };
      requestAnimationFrame(frame);
    });
    scroller.scrollTop = 0;
    return { deltas: deltas.slice(1), rows: document.querySelectorAll('[data-testid="node-row"]').length };
  }, durationMs);
}

/**
 * Frame times while the mouse wheel scrolls the table (real input events through the browser, as a user
 * scrolls); the page records requestAnimationFrame deltas meanwhile.
 */
async function measureWheel(page: Page, durationMs: number) {
  const box = await page.locator('[data-testid="node-table"]').boundingBox();
  if (!box) throw new Error('no table on screen');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __recording: boolean };
    w.__frames = [];
    w.__recording = true;
    let last = performance.now();
    const frame = (now: number) => {
      w.__frames.push(now - last);
      last = now;
      if (w.__recording) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
  const end = Date.now() + durationMs;
  let events = 0;
  for (let dir = 1; Date.now() < end; events++) {
    await page.mouse.wheel(0, dir * 100);
    if (events % 100 === 99) dir = -dir;
  }
  const deltas = await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __recording: boolean };
    w.__recording = false;
    return w.__frames.slice(1);
  });
  return { deltas, events };
}

/** Arm an observer for `name`'s row to contain `expect`; resolves in the page with DOM and paint times. */
async function armRowWatch(page: Page, name: string, expect: string) {
  await page.evaluate(
    ([n, want]) => {
      const w = window as unknown as { __knmWatch?: Promise<{ dom: number; paint: number }> };
      w.__knmWatch = new Promise((resolve) => {
        const table = document.querySelector('[data-testid="node-table"]')!;
        const seen = () => {
          const row = table.querySelector(`[data-node-name="${n}"]`);
          return !!row && (row.textContent ?? '').includes(want!);
        };
        const obs = new MutationObserver(() => {
          if (!seen()) return;
          const dom = performance.now();
          obs.disconnect();
          requestAnimationFrame(() => resolve({ dom, paint: performance.now() }));
        });
        obs.observe(table, { subtree: true, childList: true, characterData: true, attributes: true });
      });
    },
    [name, expect] as const,
  );
}

async function main() {
  await ensureWebBuilt();
  process.stdout.write(`starting the server with ${NODES} simulated nodes…\n`);
  const t0 = Date.now();
  const server = await startServer({
    nodes: NODES,
    logName: 'bench-web-server.log',
    env: args['no-churn'] ? { KNM_DEMO_CHURN: 'false' } : {},
  });
  process.stdout.write(`server ready in ${((Date.now() - t0) / 1000).toFixed(1)} s at ${server.url}\n`);
  const browser = await launchBrowser();
  try {
    const admin = await ApiClient.login(server.url, 'admin', ADMIN_PASSWORD);

    // The API alone, from Node: what the page waits for before it can render anything.
    const apiTimes: number[] = [];
    let apiBytes = 0;
    for (let i = 0; i < RUNS; i++) {
      const s = performance.now();
      const r = await admin.call<{ items: unknown[] }>('GET', '/nodes?limit=10000');
      apiTimes.push(performance.now() - s);
      apiBytes = JSON.stringify(r.body).length;
      if (r.body.items.length < NODES) throw new Error(`expected ${NODES} nodes, got ${r.body.items.length}`);
    }

    const context = await newContext(browser);
    const page = await context.newPage();
    await loginThroughUi(page, server.url, 'admin', ADMIN_PASSWORD);

    const loads = [];
    for (let i = 0; i < RUNS; i++) loads.push(await measureLoad(page, server.url, i));
    await until(
      'all rows counted',
      async () =>
        (await page.locator('[data-testid="node-table"]').getAttribute('data-complete')) === 'true' &&
        ((await page.locator('[data-testid="node-count"]').textContent()) ?? '').startsWith(`${NODES} of`),
    );
    await until(
      'the live socket',
      async () => (await page.locator('[data-testid="socket-status"]').textContent()) === 'Live',
    );

    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await cdp.send('HeapProfiler.collectGarbage');
    const metrics = (await cdp.send('Performance.getMetrics')).metrics;
    const metric = (n: string) => metrics.find((m) => m.name === n)?.value ?? NaN;
    const domNodes = metric('Nodes');

    const wheel = await measureWheel(page, SCROLL_MS);
    const scroll = await measureScroll(page, SCROLL_MS);

    // Live updates: cordon/uncordon a node at the top of the (name-sorted) table through the API.
    // The row drawn nearest the top of the visible table (DOM order says nothing in a virtualized list).
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const first = await page.evaluate(() => {
      const table = document.querySelector('[data-testid="node-table"]')!.getBoundingClientRect();
      const rows = Array.from(document.querySelectorAll<HTMLElement>('[data-testid="node-row"]'))
        .map((r) => ({ name: r.dataset.nodeName, top: r.getBoundingClientRect().top }))
        .filter((r) => r.top >= table.top && r.top < table.top + 400)
        .sort((a, b) => a.top - b.top);
      return rows[1]?.name ?? rows[0]?.name;
    });
    if (!first) throw new Error('no row on screen');
    const live: { dom: number; paint: number }[] = [];
    for (let i = 0; i < UPDATES; i++) {
      const cordon = i % 2 === 0;
      const reason = `bench-${i}-${Date.now()}`;
      await armRowWatch(page, first, cordon ? reason : 'Schedulable');
      await admin.ok(
        'POST',
        `/clusters/demo/nodes/${first}/${cordon ? 'cordon' : 'uncordon'}`,
        cordon ? { reason } : {},
      );
      const r = await page.evaluate(async (key) => {
        const w = window as unknown as {
          __knmWatch: Promise<{ dom: number; paint: number }>;
          __knmPerf: Perf;
        };
        const seen = await Promise.race([
          w.__knmWatch,
          new Promise<null>((res) => setTimeout(() => res(null), 10_000)),
        ]);
        const msg = w.__knmPerf.messages.get(key);
        if (!seen) return { error: 'the row never showed the change' };
        if (msg === undefined) return { error: 'no WebSocket message was recorded for the node' };
        return { dom: seen.dom - msg, paint: seen.paint - msg };
      }, `demo/${first}`);
      if ('error' in r) throw new Error(`update ${i} of ${first}: ${r.error}`);
      live.push(r);
    }

    const usable = loads.map((l) => l.tableUsable);
    const afterApi = loads.map((l) => l.tableUsable - l.apiAnswer);
    const apiInPage = loads.map((l) => l.apiAnswer - l.listRequested);
    const frames = scroll.deltas;
    const rows: [string, string, string][] = [
      ['nodes', String(NODES), ''],
      [
        'API GET /nodes?limit=10000 (Node client), p50 / max',
        `${ms(pct(apiTimes, 50))} / ${ms(Math.max(...apiTimes))}`,
        `${(apiBytes / 1024 / 1024).toFixed(1)} MB JSON`,
      ],
      [
        'in page: request → answer parsed, p50',
        ms(pct(apiInPage, 50)),
        `${loads[0]!.transferSize > 0 ? mb(loads[0]!.transferSize) + ' on the wire' : ''}`,
      ],
      [
        'navigation → usable table, p50 / max',
        `${ms(pct(usable, 50))} / ${ms(Math.max(...usable))}`,
        `${RUNS} runs`,
      ],
      [
        'API answer → usable table, p50 / max',
        `${ms(pct(afterApi, 50))} / ${ms(Math.max(...afterApi))}`,
        'target ≤ 1500 ms',
      ],
      [
        'wheel scrolling: frame time p50 / p95 / max',
        `${ms(pct(wheel.deltas, 50))} / ${ms(pct(wheel.deltas, 95))} / ${ms(Math.max(...wheel.deltas))}`,
        `${wheel.deltas.length} frames, ${wheel.events} wheel events; target p95 ≤ 20 ms`,
      ],
      [
        'stress (scrollTop +120 px every frame): p50 / p95 / max',
        `${ms(pct(frames, 50))} / ${ms(pct(frames, 95))} / ${ms(Math.max(...frames))}`,
        `${frames.length} frames`,
      ],
      [
        'stress: frames over 20 ms',
        `${frames.filter((f) => f > 20).length} of ${frames.length}`,
        `${scroll.rows} rows mounted`,
      ],
      [
        'live update: WS message → row in DOM, p50 / max',
        `${ms(
          pct(
            live.map((l) => l.dom),
            50,
          ),
        )} / ${ms(Math.max(...live.map((l) => l.dom)))}`,
        `${UPDATES} updates`,
      ],
      [
        'live update: WS message → painted, p50 / max',
        `${ms(
          pct(
            live.map((l) => l.paint),
            50,
          ),
        )} / ${ms(Math.max(...live.map((l) => l.paint)))}`,
        'target ≤ 200 ms',
      ],
      [
        'JS heap used / total (after GC)',
        `${mb(metric('JSHeapUsedSize'))} / ${mb(metric('JSHeapTotalSize'))}`,
        `${domNodes} DOM nodes`,
      ],
    ];
    const w0 = Math.max(...rows.map((r) => r[0].length));
    const w1 = Math.max(...rows.map((r) => r[1].length));
    process.stdout.write(
      `\n| ${'measure'.padEnd(w0)} | ${'value'.padEnd(w1)} | note\n|${'-'.repeat(w0 + 2)}|${'-'.repeat(w1 + 2)}|------\n`,
    );
    for (const r of rows) process.stdout.write(`| ${r[0].padEnd(w0)} | ${r[1].padEnd(w1)} | ${r[2]}\n`);
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
  }
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
