/**
 * OpenID Connect sign-in end to end: the real server (demo cluster) configured with a real provider
 * (oidc-provider on a loopback port), driven in Chromium. A person signs in through the provider's own login
 * and consent pages, lands in the console with the role their group maps to and sees only the mapped
 * clusters; one whose groups map to nothing is sent back with the reason; sign-out goes through the
 * provider's end-session page and back to our login page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startIdp, type TestIdp } from '../auth/oidc-idp.js';
import {
  ensureWebBuilt,
  freePort,
  launchBrowser,
  newContext,
  screenshot,
  startServer,
  until,
  type RunningServer,
} from './setup.js';

let idp: TestIdp;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  await ensureWebBuilt();
  // The server needs the issuer's address and the provider the server's: reserve the provider's port first
  // (the server discovers the provider only at the first sign-in, by which time it listens).
  const idpPort = await freePort();
  server = await startServer({
    logName: 'e2e-oidc-server.log',
    env: {
      KNM_OIDC_ISSUER: `http://127.0.0.1:${idpPort}`,
      KNM_OIDC_CLIENT_ID: 'kube-node-manager',
      KNM_OIDC_CLIENT_SECRET: 'test-client-secret-0123456789',
      KNM_OIDC_SCOPES: 'openid profile groups',
      KNM_OIDC_NAME: 'Test IdP',
      KNM_OIDC_GROUP_ROLES: 'platform-ops=operator:demo;auditors=viewer:prod-a',
    },
  });
  idp = await startIdp({
    port: idpPort,
    redirectBases: [server.url],
    users: {
      olga: { username: 'olga', groups: ['platform-ops'] },
      vera: { username: 'vera', groups: ['auditors'] },
      mallory: { username: 'mallory', groups: ['marketing'] },
    },
  });
  browser = await launchBrowser();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await idp?.close();
});

/** From our login page through the provider's login and consent pages, back to the console. */
async function signInThroughProvider(page: Page, who: string) {
  await page.goto(`${server.url}/`);
  const button = page.locator('[data-testid="login-oidc"]');
  await button.waitFor();
  expect(await button.textContent()).toContain('Sign in with Test IdP');
  await button.click();
  await page.waitForURL((u) => u.origin === idp.issuer);
  await page.locator('input[name="login"]').fill(who);
  await page.locator('input[name="password"]').fill('any-password');
  await page.locator('button[type="submit"]').click();
  // The consent page of the provider: confirm.
  await page.locator('button[type="submit"]', { hasText: 'Continue' }).click();
  await page.waitForURL((u) => u.origin === server.url, { timeout: 30_000 });
}

/** The console opens on the fleet overview once signed in; these tests look at the node list. */
async function openNodes(page: Page) {
  await page.locator('[data-testid="user-role"]').waitFor();
  await page.goto(`${server.url}/#/nodes`);
}

const me = (page: Page) =>
  page.evaluate(async () => {
    const r = await fetch('/api/v1/me');
    return {
      status: r.status,
      body: (await r.json()) as { user: { role: string; clusters: string[] | null } },
    };
  });

describe('OpenID Connect sign-in in the console', () => {
  it('signs in at the provider and lands as an operator of the mapped cluster', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    try {
      await signInThroughProvider(page, 'olga');
      await openNodes(page);
      await page.locator('[data-testid="node-row"]').first().waitFor({ timeout: 30_000 });
      expect(await page.locator('[data-testid="user-menu"]').textContent()).toContain('olga');
      expect(await page.locator('[data-testid="user-role"]').textContent()).toBe('Operator');
      expect((await me(page)).body.user).toMatchObject({ role: 'operator', clusters: ['demo'] });
      await screenshot(page, 'oidc-01-operator');

      // Sign-out ends our session and goes through the provider's end-session page back to our login page.
      await page.locator('[data-testid="user-menu"]').click();
      await page.locator('[data-testid="menu-logout"]').click();
      await page.waitForURL((u) => u.origin === idp.issuer);
      await page
        .locator('button[type="submit"]', { hasText: /yes|sign.?out/i })
        .first()
        .click();
      await page.waitForURL((u) => u.origin === server.url);
      await page.locator('[data-testid="login-oidc"]').waitFor();
      expect((await me(page)).status).toBe(401);
    } finally {
      await ctx.close();
    }
  });

  it('shows a user mapped to other clusters none of the demo cluster', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    try {
      await signInThroughProvider(page, 'vera');
      await openNodes(page);
      await page.locator('[data-testid="user-role"]').waitFor();
      expect(await page.locator('[data-testid="user-role"]').textContent()).toBe('Viewer');
      expect((await me(page)).body.user).toMatchObject({ role: 'viewer', clusters: ['prod-a'] });
      await page.locator('.knm-vt-empty').waitFor();
      expect(await page.locator('[data-testid="node-row"]').count()).toBe(0);
      await page.locator('[data-testid="nav-clusters"]').click();
      await page.locator('[data-testid="cluster-table"]').waitFor();
      await until(
        'the cluster list to settle',
        async () => (await page.locator('.el-table__empty-text').count()) > 0,
      );
      expect(await page.locator('[data-testid="cluster-name"]').count()).toBe(0);
      await screenshot(page, 'oidc-02-other-clusters');
    } finally {
      await ctx.close();
    }
  });

  it('sends a user whose groups grant nothing back to the login page with the reason', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    try {
      await signInThroughProvider(page, 'mallory');
      const error = page.locator('[data-testid="login-error"]');
      await error.waitFor();
      expect(await error.textContent()).toContain('Your groups give no access');
      expect((await me(page)).status).toBe(401);
      await screenshot(page, 'oidc-03-refused');
    } finally {
      await ctx.close();
    }
  });
});
