/**
 * Everyday console behaviour an SRE hits first, in Chromium against the real server: the fleet overview as
 * the first screen and its links, the URL as the source of truth on the Nodes page (pasted links, coming back,
 * the open node), condition filters, one request per sign-in on Enter, no favicon 404, and axe-core on every
 * screen, in the light and the dark theme, failing on serious or critical violations.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  ADMIN_PASSWORD,
  ApiClient,
  ensureWebBuilt,
  launchBrowser,
  newContext,
  screenshot,
  startServer,
  until,
  type RunningServer,
} from './setup.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
let server: RunningServer;
let browser: Browser;
let page: Page;
const notFound: string[] = [];
const logins: string[] = [];

beforeAll(async () => {
  await ensureWebBuilt();
  server = await startServer({ nodes: 40, logName: 'e2e-console-ux.log' });
  browser = await launchBrowser();
  const ctx = await newContext(browser, { width: 1440, height: 900 });
  page = await ctx.newPage();
  page.on('response', (r) => {
    if (r.status() === 404) notFound.push(r.url());
  });
  page.on('request', (r) => {
    if (r.url().endsWith('/api/v1/auth/login')) logins.push(r.method());
  });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const hash = () => page.evaluate(() => location.hash);

/** Light or dark, as the theme switch sets it (Element Plus keys its dark palette on `html.dark`). */
async function setDark(dark: boolean): Promise<void> {
  await page.evaluate((d) => {
    document.documentElement.classList.toggle('dark', d);
    localStorage.setItem('knm.theme', d ? 'dark' : 'light');
  }, dark);
  // Transitions between the palettes would be caught half-way.
  await page
    .waitForFunction(
      () => document.getAnimations().every((a) => !(a instanceof CSSTransition) || a.playState !== 'running'),
      undefined,
      { timeout: 3000 },
    )
    .catch(() => undefined);
}

/**
 * axe-core on what is on screen now, in the light and then the dark theme (the page is left light); serious
 * and critical violations fail, with what, where and in which theme.
 */
async function axe(screen: string): Promise<void> {
  const found: string[] = [];
  for (const dark of [false, true]) {
    await setDark(dark);
    for (const v of await axeRun()) found.push(`${dark ? 'dark' : 'light'}: ${v}`);
  }
  await setDark(false);
  expect(found, `axe on ${screen}`).toEqual([]);
}

async function axeRun(): Promise<string[]> {
  // Evaluated rather than added as a script tag: the console's CSP rightly refuses inline scripts.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(AXE, 'utf8'));
  return page.evaluate(async () => {
    const w = window as unknown as {
      axe: {
        run(
          ctx: unknown,
          o: unknown,
        ): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>;
      };
    };
    const r = await w.axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) =>
          `${v.id} (${v.impact}): ${v.nodes
            .slice(0, 5)
            .map((n) => n.target.join(' '))
            .join(', ')}`,
      );
  });
}

describe('console everyday', () => {
  it('signs in with ONE request on Enter and lands on the fleet overview; no favicon 404', async () => {
    await page.goto(`${server.url}/`);
    await page.locator('input[data-testid="login-username"]').fill('admin');
    await page.locator('input[data-testid="login-password"]').fill(ADMIN_PASSWORD);
    await axe('sign-in');
    await page.locator('input[data-testid="login-password"]').press('Enter');
    await page.locator('[data-testid="overview-cluster"]').first().waitFor({ timeout: 30_000 });
    expect(logins).toEqual(['POST']);
    expect(notFound.filter((u) => u.includes('favicon'))).toEqual([]);
    expect(
      await page.evaluate(() => document.querySelector('link[rel="icon"]')?.getAttribute('href')),
    ).toMatch(/^data:image\/svg/);
    await screenshot(page, 'overview');
  });

  it('the overview counts the demo cluster and its numbers open the filtered node list', async () => {
    const card = page.locator('[data-cluster="demo"]');
    const total = Number(await card.locator('[data-testid="overview-total"]').textContent());
    expect(total).toBe(40);
    await axe('overview');
    await card.locator('[data-testid="overview-ready"]').click();
    await page.locator('[data-testid="node-row"]').first().waitFor();
    expect(await hash()).toBe('#/nodes?cluster=demo&status=Ready');
    expect(await page.locator('[data-testid="filter-status"]').textContent()).toContain('Ready');
  });

  it('a pasted link applies while the page is open; leaving and coming back keeps the filters', async () => {
    const api = await ApiClient.login(server.url, 'admin', ADMIN_PASSWORD);
    const name = (await api.ok<{ items: { name: string }[] }>('GET', '/nodes?cluster=demo&limit=1')).items[0]!
      .name;
    await page.evaluate((n) => (location.hash = `#/nodes?cluster=demo&search=${n}`), name);
    await until('the pasted search to filter the table', async () => {
      const v = await page.locator('input[data-testid="node-search"]').inputValue();
      const n = await page.locator('[data-testid="node-row"]').count();
      return v === name && n > 0;
    });
    const filtered = await page.locator('[data-testid="node-row"]').count();
    expect(filtered).toBeLessThan(40);
    await axe('nodes');
    await page.locator('[data-testid="nav-jobs"]').click();
    await until('jobs page', async () => (await hash()).startsWith('#/jobs'));
    await axe('jobs');
    await page.locator('[data-testid="nav-nodes"]').click();
    await until('filters restored on coming back', async () => (await hash()).includes(`search=${name}`));
    expect(await page.locator('input[data-testid="node-search"]').inputValue()).toBe(name);
    await until(
      'the same rows',
      async () => (await page.locator('[data-testid="node-row"]').count()) === filtered,
    );
  });

  it('condition and :NoExecute filters show what the API selects, instead of being ignored', async () => {
    const api = await ApiClient.login(server.url, 'admin', ADMIN_PASSWORD);
    for (const q of [
      'condition=MemoryPressure|DiskPressure|PIDPressure|NetworkUnavailable',
      'taint=:NoExecute',
    ]) {
      const want = (await api.ok<{ total: number }>('GET', `/nodes?cluster=demo&${q.replaceAll('|', '%7C')}`))
        .total;
      await page.evaluate((h) => (location.hash = h), `#/nodes?cluster=demo&${q}`);
      await until(`${q} to show ${want} nodes`, async () => {
        const text = (await page.locator('[data-testid="node-count"]').textContent()) ?? '';
        return Number(/\d+/.exec(text)?.[0]) === want;
      });
    }
    // And the filter reached the toolbar, not only the URL.
    expect(await page.locator('input[data-testid="filter-taint"]').inputValue()).toBe(':NoExecute');
  });

  for (const screen of ['clusters', 'templates', 'audit', 'maintenance', 'health', 'users', 'webhooks']) {
    it(`axe finds no serious or critical violation on ${screen}`, async () => {
      await page.evaluate((s) => (location.hash = `#/${s}`), screen);
      await page.waitForLoadState('networkidle').catch(() => undefined);
      await until(
        `${screen} rendered`,
        async () => (await page.locator('main').innerText()).trim().length > 0,
      );
      await axe(screen);
    });
  }
});
