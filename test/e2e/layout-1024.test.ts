/**
 * The console on a 1024×768 screen, in Chromium against the real server: on every screen the page does not
 * scroll sideways and every header menu entry is on screen; on the node list, the selection's primary actions
 * (cordon, uncordon, drain) and the list's own controls are on screen too. Light and dark share the layout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  ADMIN_PASSWORD,
  ensureWebBuilt,
  launchBrowser,
  loginThroughUi,
  newContext,
  screenshot,
  startServer,
  until,
  type RunningServer,
} from './setup.js';

const WIDTH = 1024;
const HEIGHT = 768;
const SCREENS = [
  'overview',
  'nodes',
  'health',
  'clusters',
  'jobs',
  'maintenance',
  'templates',
  'audit',
  'users',
  'webhooks',
  'tokens',
];

let server: RunningServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  await ensureWebBuilt();
  server = await startServer({ nodes: 60, logName: 'e2e-layout-1024.log' });
  browser = await launchBrowser();
  page = await (await newContext(browser, { width: WIDTH, height: HEIGHT })).newPage();
  await loginThroughUi(page, server.url, 'admin', ADMIN_PASSWORD);
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** How far the page scrolls sideways (0 = not at all). */
const sidewaysScroll = () => page.evaluate(() => document.scrollingElement!.scrollWidth - window.innerWidth);

/** Test ids of the elements among `ids` that are not wholly inside the viewport (or not shown at all). */
async function offScreen(ids: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const id of ids) {
    const el = page.locator(`[data-testid="${id}"]`).first();
    const box = (await el.isVisible()) ? await el.boundingBox() : null;
    if (!box || box.x < 0 || box.y < 0 || box.x + box.width > WIDTH || box.y + box.height > HEIGHT)
      out.push(id);
  }
  return out;
}

async function open(screen: string): Promise<void> {
  await page.evaluate((s) => (location.hash = `#/${s}`), screen);
  await until(`${screen} rendered`, async () => (await page.locator('main').innerText()).trim().length > 0);
  await page.waitForLoadState('networkidle').catch(() => undefined);
}

describe('console at 1024×768', () => {
  for (const theme of ['light', 'dark'] as const) {
    it(`no screen scrolls sideways and the whole header menu is on screen (${theme})`, async () => {
      const dark = await page.evaluate(() => document.documentElement.classList.contains('dark'));
      if (dark !== (theme === 'dark')) await page.locator('[data-testid="theme-switch"]').click();
      const nav = await page
        .locator('[data-testid^="nav-"]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')!));
      expect(nav).toContain('nav-webhooks'); // the admin sees every entry
      const problems: string[] = [];
      for (const screen of SCREENS) {
        await open(screen);
        const sideways = await sidewaysScroll();
        if (sideways > 0) problems.push(`${screen}: scrolls ${sideways}px sideways`);
        const hidden = await offScreen([...nav, 'user-menu', 'language-switch', 'theme-switch']);
        if (hidden.length) problems.push(`${screen}: off screen ${hidden.join(', ')}`);
      }
      expect(problems).toEqual([]);
      // Every entry is usable as well as visible: the last one navigates.
      await page.locator('[data-testid="nav-webhooks"]').click();
      await until('webhooks page', async () =>
        (await page.evaluate(() => location.hash)).startsWith('#/webhooks'),
      );
    });
  }

  it('the node list shows its controls and the selection primary actions on screen', async () => {
    await open('nodes');
    await page.locator('[data-testid="node-row"]').first().waitFor();
    const boxes = page.locator('[data-testid="node-row"] input[data-testid="node-select"]');
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.locator('[data-testid="selection-bar"]').waitFor();
    expect(await page.locator('[data-testid="selection-count"]').textContent()).toContain('2');
    expect(
      await offScreen([
        'node-search',
        'node-count',
        'nodes-refresh',
        'batch-cordon',
        'batch-uncordon',
        'batch-drain',
        'batch-labels',
        'selection-clear',
      ]),
    ).toEqual([]);
    expect(await sidewaysScroll()).toBeLessThanOrEqual(0);
    await screenshot(page, 'layout-1024-nodes');
  });
});
