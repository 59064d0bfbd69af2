/**
 * The node table's first screen over a slow start, in Chromium against the real server: while the live
 * snapshot has not arrived (held back here, in the page's WebSocket route), the table already shows its first
 * rows, in the order asked for, from one small page of the API; once the snapshot is in, the same rows stay on
 * top and every node is listed. The node list is never read in full over HTTP on the way.
 */
import { describe, expect, it } from 'vitest';
import type { Page, WebSocketRoute } from 'playwright-core';
import { adminConsoleSuite, until } from './setup.js';

const NODES = 300;
const s = adminConsoleSuite('node-first-page', { nodes: NODES });

const rowKeys = (page: Page, n: number) =>
  page.evaluate(
    (n) =>
      Array.from(document.querySelectorAll<HTMLElement>('[data-testid="node-row"]'))
        .sort((a, b) => Number(a.getAttribute('aria-rowindex')) - Number(b.getAttribute('aria-rowindex')))
        .slice(0, n)
        .map((e) => e.dataset.nodeKey ?? ''),
    n,
  );
const attr = (page: Page, name: string) => page.locator('[data-testid="node-table"]').getAttribute(name);
const countText = async (page: Page) =>
  (await page.locator('[data-testid="node-count"]').textContent())?.trim() ?? '';

describe('node table first page', () => {
  it('shows the first screen, sorted, before the snapshot arrives, and keeps it when the live rows come in', async () => {
    const page = s.page;
    let holding = true;
    const held: (() => void)[] = [];
    await page.context().routeWebSocket(/\/api\/v1\/ws/, (ws: WebSocketRoute) => {
      const server = ws.connectToServer();
      server.onMessage((m) => {
        if (holding && typeof m === 'string' && m.startsWith('{"type":"snapshot"'))
          held.push(() => ws.send(m));
        else ws.send(m);
      });
    });
    const nodeReads: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/v1/nodes') nodeReads.push(r.url());
    });

    // A fresh load, ordered by allocatable memory, largest first (an order the API gives exactly as the table).
    await page.goto('about:blank');
    // `socket=page` (a measurement switch, with perf=1) keeps the socket on the page, where the route can hold
    // its messages: Playwright does not route a worker's WebSocket. Loading is the same either way.
    await page.goto(`${s.server.url}/?perf=1&socket=page#/nodes?sort=-memory`);
    await until('the first rows on screen', async () => (await rowKeys(page, 1)).length === 1, 30_000);
    // The snapshot reached the route and waits there: what is on screen came without it.
    await until('the snapshot held back', async () => held.length > 0, 30_000);
    expect(await attr(page, 'data-complete')).toBe('false');
    expect(await countText(page)).toContain(`${NODES} of ${NODES}`);

    // The screen is the top of the server's own order.
    const top = await s.admin.ok<{ items: { cluster: string; name: string }[] }>(
      'GET',
      '/nodes?sort=-allocatable.memory&limit=15',
    );
    const expected = top.items.map((n) => `${n.cluster}/${n.name}`);
    const shown = await rowKeys(page, 15);
    expect(shown).toEqual(expected);

    // The rows arrive; the top of the table stays where it was and every node is listed.
    holding = false;
    for (const send of held.splice(0)) send();
    await until('every node in', async () => (await attr(page, 'data-complete')) === 'true', 60_000);
    expect(await page.locator('.knm-vt').getAttribute('aria-rowcount')).toBe(String(NODES + 1));
    expect(await rowKeys(page, 15)).toEqual(shown);

    // Only small pages were read over HTTP: the rows themselves came once, over the socket.
    expect(nodeReads.length).toBeGreaterThan(0);
    for (const u of nodeReads) expect(Number(new URL(u).searchParams.get('limit'))).toBeLessThanOrEqual(100);
  });
});
