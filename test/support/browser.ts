/**
 * Debian's Chromium driven through playwright-core (never a downloaded browser), and signing in through the
 * console's form.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { until } from './until.js';

export const CHROMIUM = process.env.KNM_CHROMIUM ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
  // launch() gives every run a fresh temporary profile (user data dir).
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A browser context for the console. Functions passed to page.evaluate are compiled by tsx/esbuild, which may
 * wrap named inner functions in a `__name` helper that does not exist in the page; define it as identity.
 */
export async function newContext(
  browser: Browser,
  viewport = { width: 1600, height: 1000 },
): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport, locale: 'en-US' });
  await ctx.addInitScript({ content: 'window.__name = window.__name || ((f) => f);' });
  return ctx;
}

/** Log in through the form and wait for the node table to hold rows. */
export async function loginThroughUi(
  page: Page,
  base: string,
  username: string,
  password: string,
): Promise<void> {
  // The first screen is the fleet overview; the suites start from the node list.
  await page.goto(`${base}/#/nodes`);
  await page.locator('input[data-testid="login-username"]').fill(username);
  await page.locator('input[data-testid="login-password"]').fill(password);
  await page.locator('[data-testid="login-submit"]').click();
  await page.locator('[data-testid="node-row"]').first().waitFor({ timeout: 30_000 });
}

/**
 * Choose `label` in an Element Plus select and wait until the select shows it. The dropdown can close under
 * the pointer (its options re-render when a list finishes loading, or focus settles in a dialog that has just
 * opened), so a click that lands on a closing dropdown is retried by opening it again, as a person would.
 */
export async function chooseOption(page: Page, select: Locator, label: string): Promise<void> {
  const item = page.locator('.el-select-dropdown__item:visible').filter({ hasText: label }).first();
  const shown = async () =>
    (await select.innerText())
      .split('\n')
      .map((s) => s.trim())
      .includes(label);
  await until(`"${label}" chosen`, async () => {
    if (await shown()) return true;
    if (!(await item.isVisible())) await select.click({ timeout: 5_000 });
    await item.click({ timeout: 3_000 }).catch(() => undefined);
    return shown();
  });
}
