/**
 * Screenshots for a person to look at, written as PNGs to test-results/screenshots/ (gitignored): the fleet
 * overview, the job panel while a 1,000-node job runs (light and dark), and the node list at 1024×768 with a
 * selection. Each shot is taken once what it is meant to show is on screen, so a missing part fails the run
 * instead of producing an empty picture.
 *
 *   npx vitest run --project e2e test/e2e/screenshots.test.ts
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  ADMIN_PASSWORD,
  ApiClient,
  ensureWebBuilt,
  launchBrowser,
  loginThroughUi,
  newContext,
  screenshot,
  SCREENSHOTS,
  startServer,
  until,
  type RunningServer,
} from './setup.js';

const JOB_NODES = 1000;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  await ensureWebBuilt();
  server = await startServer({
    nodes: 1200,
    logName: 'e2e-screenshots.log',
    env: { KNM_DEMO_CHURN: 'false' },
  });
  browser = await launchBrowser();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function signedIn(width: number, height: number): Promise<Page> {
  const page = await (await newContext(browser, { width, height })).newPage();
  await loginThroughUi(page, server.url, 'admin', ADMIN_PASSWORD);
  return page;
}

const shot = async (page: Page, name: string) => {
  await screenshot(page, name);
  expect(existsSync(path.join(SCREENSHOTS, `${name}.png`)), name).toBe(true);
};

describe('screenshots', () => {
  it('the fleet overview', async () => {
    const page = await signedIn(1440, 900);
    await page.evaluate(() => (location.hash = '#/overview'));
    await until('the demo cluster counted', async () => {
      const total = await page.locator('[data-cluster="demo"] [data-testid="overview-total"]').textContent();
      return Number(total) === 1200;
    });
    await shot(page, 'overview');
  });

  it('the job panel during a 1,000-node job', async () => {
    const page = await signedIn(1440, 900);
    const api = await ApiClient.login(server.url, 'admin', ADMIN_PASSWORD);
    const names = (
      await api.ok<{ items: { name: string }[] }>('GET', `/nodes?cluster=demo&limit=${JOB_NODES}`)
    ).items.map((n) => n.name);
    expect(names).toHaveLength(JOB_NODES);
    // One node at a time, so the job is still running when the panel is photographed.
    const { job } = await api.ok<{ job: { id: string } }>('POST', '/jobs', {
      operation: 'labels',
      targets: [{ cluster: 'demo', nodes: names }],
      params: { set: { 'example.com/screenshot': 'yes' }, remove: [] },
      concurrency: 1,
    });
    await page.evaluate((id) => (location.hash = `#/jobs/${id}`), job.id);
    const done = page.locator('[data-testid="job-done"]');
    await until('the panel showing the job part-way', async () => {
      const m = /(\d+)\D+(\d+)/.exec((await done.textContent().catch(() => '')) ?? '');
      return !!m && Number(m[1]) > 0 && Number(m[1]) < JOB_NODES && Number(m[2]) === JOB_NODES;
    });
    await shot(page, 'job-panel-1000-nodes');
    await page.evaluate(() => document.documentElement.classList.add('dark'));
    await shot(page, 'job-panel-1000-nodes-dark');
    await api.call('POST', `/jobs/${job.id}/cancel`);
  });

  it('the node list at 1024×768 with a selection', async () => {
    const page = await signedIn(1024, 768);
    const boxes = page.locator('[data-testid="node-row"] input[data-testid="node-select"]');
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.locator('[data-testid="batch-drain"]').waitFor();
    await shot(page, 'layout-1024-nodes');
    await page.evaluate(() => (location.hash = '#/overview'));
    await page.locator('[data-testid="overview-cluster"]').first().waitFor();
    await shot(page, 'layout-1024-overview');
  });
});
