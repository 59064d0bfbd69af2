/**
 * Health history end to end: the real server with its simulated cluster (random churn off, so only this test's
 * flaps happen). A worker's Ready condition is flipped three times through the simulator's own API, as a
 * kubelet would report it; the Health page then lists the node as flapping and the node drawer's Health tab
 * shows its three outages on the 30-day timeline.
 */
import { describe, expect, it } from 'vitest';
import type { NodeObject } from '../../src/sim/types.js';
import { demoClusterClient, type KubeCall } from '../support/demo-cluster.js';
import { adminConsoleSuite, nodeRow, screenshot, until } from './setup.js';

let victim: string;

async function setReady(kube: KubeCall, name: string, ready: boolean): Promise<void> {
  const got = await kube('GET', `/api/v1/nodes/${name}`);
  const n = got.body as NodeObject;
  const now = new Date().toISOString();
  const conditions = n.status.conditions!.map((c) =>
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
    return (await nodeRow(s.admin, name)).status === (ready ? 'Ready' : 'NotReady');
  });
}

const s = adminConsoleSuite('health', {
  nodes: 20,
  async prepare({ server, admin }) {
    const all = await admin.ok<{ items: { name: string; status: string; roles: string[] }[] }>(
      'GET',
      '/nodes?limit=1000&sort=name',
    );
    victim = all.items.find((n) => n.roles.includes('worker') && n.status === 'Ready')!.name;
    const kube = demoClusterClient(server.dataDir);
    for (let i = 0; i < 3; i++) {
      await setReady(kube, victim, false);
      await setReady(kube, victim, true);
    }
  },
});

describe('health history in the console', () => {
  it('the Health page lists the flapping node, and its outages among the longest', async () => {
    const { page, admin, server } = s;
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
    const { page, pageErrors } = s;
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
