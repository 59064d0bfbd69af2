/**
 * Health history end to end: the real server with its simulated cluster (random churn off, so only this test's
 * flaps happen). A worker's Ready condition is flipped three times through the simulator's own API, as a
 * kubelet would report it; the Health page then lists the node as flapping and the node drawer's Health tab
 * shows its three outages on the 30-day timeline.
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  ADMIN_PASSWORD,
  ApiClient,
  ensureWebBuilt,
  launchBrowser,
  loginThroughUi,
  newContext,
  screenshot,
  startServer,
  until,
  type RunningServer,
} from './setup.js';

interface Row {
  name: string;
  status: string;
  roles: string[];
  schedulable: boolean;
}
interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

let server: RunningServer;
let browser: Browser;
let page: Page;
let admin: ApiClient;
let victim: string;
const pageErrors: string[] = [];

/** Talks to the simulated cluster as its kubelets would, with the kubeconfig the server wrote for it. */
function simClient(dataDir: string) {
  const kc = yaml.load(fs.readFileSync(path.join(dataDir, 'demo.kubeconfig'), 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data'?: string } }[];
    users: { user: { token: string } }[];
  };
  const { server: base, 'certificate-authority-data': caData } = kc.clusters[0]!.cluster;
  const token = kc.users[0]!.user.token;
  const ca = caData ? Buffer.from(caData, 'base64').toString('utf8') : undefined;
  return (method: string, p: string, body?: unknown, type = 'application/json') =>
    new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const u = new URL(p, base);
      const req = https.request(
        u,
        {
          method,
          ca,
          rejectUnauthorized: !!ca,
          headers: { authorization: `Bearer ${token}`, 'content-type': type, accept: 'application/json' },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }),
          );
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
}

async function setReady(kube: ReturnType<typeof simClient>, name: string, ready: boolean): Promise<void> {
  const got = await kube('GET', `/api/v1/nodes/${name}`);
  const n = got.body as { status: { conditions: Condition[] } };
  const now = new Date().toISOString();
  const conditions = n.status.conditions.map((c) =>
    c.type !== 'Ready'
      ? c
      : {
          ...c,
          status: ready ? 'True' : 'False',
          reason: ready ? 'KubeletReady' : 'KubeletNotReady',
          message: ready ? 'kubelet is posting ready status' : 'container runtime is down',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
  );
  const r = await kube(
    'PATCH',
    `/api/v1/nodes/${name}/status`,
    { status: { conditions } },
    'application/merge-patch+json',
  );
  expect(r.status).toBe(200);
  await until(`${name} to be ${ready ? 'Ready' : 'NotReady'} in the product`, async () => {
    const row = await admin.ok<Row | { node: Row }>('GET', `/clusters/demo/nodes/${name}`);
    return ('node' in row ? row.node : row).status === (ready ? 'Ready' : 'NotReady');
  });
}

beforeAll(async () => {
  ensureWebBuilt();
  server = await startServer({
    nodes: 20,
    env: { KNM_DEMO_CHURN: 'false' },
    logName: 'e2e-health-server.log',
  });
  browser = await launchBrowser();
  admin = await ApiClient.login(server.url, 'admin', ADMIN_PASSWORD);
  const all = await admin.ok<{ items: Row[] }>('GET', '/nodes?limit=1000&sort=name');
  victim = all.items.find((n) => n.roles.includes('worker') && n.status === 'Ready')!.name;
  const kube = simClient(server.dataDir);
  for (let i = 0; i < 3; i++) {
    await setReady(kube, victim, false);
    await setReady(kube, victim, true);
  }
  const context = await newContext(browser, { width: 1600, height: 1300 });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await loginThroughUi(page, server.url, 'admin', ADMIN_PASSWORD);
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail')
    await screenshot(page, `failed-health-${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}`).catch(
      () => undefined,
    );
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
});

describe('health history in the console', () => {
  it('the Health page lists the flapping node, and its outages among the longest', async () => {
    // Recording is batched (about a second): the API says when it is in, then the page is read once.
    await until('the flaps to be recorded', async () => {
      const f = await admin.ok<{ flapping: { node: string; transitions: number }[] }>(
        'GET',
        '/health/fleet?flapping=6',
      );
      return f.flapping.some((x) => x.node === victim && x.transitions === 6);
    });
    await page.goto(`${server.url}/#/health?period=24h&flapping=3`);
    await page.locator('[data-testid="health-view"]').waitFor({ timeout: 60_000 });
    const flapRow = page.locator('[data-testid="health-flapping-nodes"] .el-table__row', { hasText: victim });
    await flapRow.waitFor();
    // Three outages: three starts and three ends.
    await expect.poll(async () => (await flapRow.textContent()) ?? '').toContain('6');
    await expect.poll(async () => (await flapRow.textContent()) ?? '').toContain('Healthy');
    expect(
      await page.locator('[data-testid="health-longest"] .el-table__row', { hasText: victim }).count(),
    ).toBe(3);
    expect(
      await page.locator('[data-testid="health-unhealthy"] .el-table__row', { hasText: victim }).count(),
    ).toBe(0);
    // One cluster group with a measured MTTR and an availability below 100 %.
    const groups = page.locator('[data-testid="health-groups"] .el-table__row');
    expect(await groups.count()).toBe(1);
    expect(await page.locator('[data-testid="health-availability"]').first().textContent()).not.toContain(
      '100.00',
    );
    await screenshot(page, 'health-page');

    // The node links into the filtered node list.
    await flapRow.locator('a', { hasText: victim }).click();
    await until('the node list filtered to the node', () => page.url().includes(`search=${victim}`));
    await page.locator(`[data-testid="node-row"][data-node-name="${victim}"]`).waitFor();
  });

  it('the node drawer shows the three outages on its 30-day timeline', async () => {
    await page
      .locator(`[data-testid="node-row"][data-node-name="${victim}"] [data-testid="node-name"]`)
      .click();
    await page.locator('[data-testid="drawer-node-name"]', { hasText: victim }).waitFor();
    await page.locator('[data-testid="drawer-tabs"] .el-tabs__item', { hasText: 'Health' }).click();
    const lane = page.locator('[data-testid="health-timeline"] .knm-health-lane[data-kind="NotReady"]');
    await lane.waitFor();
    expect(await lane.locator('[data-testid="health-bar"]').count()).toBe(3);
    // The demo cluster may have cordoned this node already: that interval is listed too, so count outages.
    const rows = page.locator('[data-testid="health-intervals"] .el-table__row', { hasText: 'Not ready' });
    expect(await rows.count()).toBe(3);
    expect(await rows.first().textContent()).toContain('KubeletNotReady');
    expect(await page.locator('[data-testid="health-summary"]').textContent()).toContain('3 outages');
    await screenshot(page, 'health-drawer');
    expect(pageErrors).toEqual([]);
  });
});
