/**
 * End-to-end harness: the real server with its simulated cluster, Debian's Chromium and a small API client for
 * changes "made by someone else" (from test/support, which the browser benchmarks share), plus what only the
 * suites need: screenshots, and the start-up of a suite that drives the console as the admin.
 * Never downloads a browser; never waits with fixed sleeps (every wait polls a condition with a deadline).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { launchBrowser, loginThroughUi, newContext } from '../support/browser.js';
import {
  ADMIN_PASSWORD,
  ensureWebBuilt,
  ROOT,
  startServer,
  type RunningServer,
} from '../support/server-process.js';

export { ApiClient } from '../support/api-client.js';
export { CHROMIUM, chooseOption, launchBrowser, loginThroughUi, newContext } from '../support/browser.js';
export {
  ADMIN_PASSWORD,
  ensureWebBuilt,
  freePort,
  ROOT,
  SERVER_ENTRY,
  startServer,
  type RunningServer,
} from '../support/server-process.js';
export { until } from '../support/until.js';

export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Let dialogs and drawers finish opening (CSS transitions; the row highlight animation may keep running).
  await page
    .waitForFunction(
      () => document.getAnimations().every((a) => !(a instanceof CSSTransition) || a.playState !== 'running'),
      undefined,
      {
        timeout: 3000,
      },
    )
    .catch(() => undefined);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

/** A node's row as the product lists it (the single-node answer may wrap it with its details). */
export async function nodeRow(
  api: ApiClient,
  name: string,
  cluster = 'demo',
): Promise<{ name: string; status: string; roles: string[]; schedulable: boolean }> {
  type Row = { name: string; status: string; roles: string[]; schedulable: boolean };
  const r = await api.ok<Row | { node: Row }>('GET', `/clusters/${cluster}/nodes/${name}`);
  return 'node' in r ? r.node : r;
}

/** What a suite started by `adminConsoleSuite` works with (filled in before its first test). */
export interface AdminConsole {
  server: RunningServer;
  browser: Browser;
  /** A page signed in as the admin through the form, on the node list. */
  page: Page;
  /** The admin over the API. */
  admin: ApiClient;
  /** Uncaught errors in the page, for the suite to assert there were none. */
  pageErrors: string[];
}

/**
 * Registers the hooks of a suite that drives the console as the admin: the real server with `nodes` simulated
 * nodes, random churn off unless `churn` (so only the suite's own changes happen), a browser, and the admin
 * signed in over the API and then through the form (a 1600×1300 page unless `viewport`). `prepare` runs before
 * the page opens, for what the suite arranges through the API or the cluster first. A failed test leaves a
 * screenshot `failed-<name>-<test>`; the server's log is test-results/e2e-<name>.log.
 */
export function adminConsoleSuite(
  name: string,
  o: {
    nodes: number;
    churn?: boolean;
    viewport?: { width: number; height: number };
    prepare?: (s: Pick<AdminConsole, 'server' | 'admin'>) => Promise<void>;
  },
): AdminConsole {
  const s = { pageErrors: [] as string[] } as AdminConsole;
  beforeAll(async () => {
    await ensureWebBuilt();
    s.server = await startServer({
      nodes: o.nodes,
      env: { KNM_DEMO_CHURN: String(o.churn ?? false) },
      logName: `e2e-${name}.log`,
    });
    s.browser = await launchBrowser();
    s.admin = await ApiClient.login(s.server.url, 'admin', ADMIN_PASSWORD);
    await o.prepare?.(s);
    const context = await newContext(s.browser, o.viewport ?? { width: 1600, height: 1300 });
    s.page = await context.newPage();
    s.page.on('pageerror', (e) => s.pageErrors.push(e.message));
    await loginThroughUi(s.page, s.server.url, 'admin', ADMIN_PASSWORD);
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && s.page)
      await screenshot(
        s.page,
        `failed-${name}-${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}`,
      ).catch(() => undefined);
  });
  afterAll(async () => {
    await s.browser?.close().catch(() => undefined);
    await s.server?.stop();
  });
  return s;
}
