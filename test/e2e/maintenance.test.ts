/**
 * Rolling maintenance end to end in Chromium: the real server with its simulated cluster (churn off). Two
 * nodes join the simulated cluster as a pool (through its own API, as kubelets register; the demo's other
 * nodes carry budgets nothing restores, since the demo runs no workload controllers); on the Maintenance page an operator composes a plan for
 * that label selector, sees the dry run (two waves of one node, each with its drain preview), starts it, pauses
 * and resumes it, marks each held node done, and watches the plan finish with both nodes uncordoned. Then,
 * on the Nodes page, Maintain… on the pool's selection opens that form prefilled.
 */
import { describe, expect, it } from 'vitest';
import { demoClusterClient } from '../support/demo-cluster.js';
import { adminConsoleSuite, chooseOption, nodeRow, screenshot, until } from './setup.js';

const pool = ['maint-e2e-1', 'maint-e2e-2'];

const rowOf = (name: string) => nodeRow(s.admin, name);

/** A Ready node joining the simulated cluster, as a kubelet registers it. */
function poolNode(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, 'node-role.kubernetes.io/worker': '', 'maint-pool': 'e2e' },
    },
    status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] },
  };
}

const s = adminConsoleSuite('maintenance', {
  nodes: 12,
  async prepare({ server, admin }) {
    const kube = demoClusterClient(server.dataDir);
    for (const n of pool) expect((await kube('POST', '/api/v1/nodes', poolNode(n))).status).toBe(201);
    for (const n of pool)
      await until(
        `${n} in the product`,
        async () => (await admin.call('GET', `/clusters/demo/nodes/${n}`)).status === 200,
      );
  },
});

async function pick(testid: string, option: string) {
  const { page } = s;
  await chooseOption(page, page.locator(`[data-testid="${testid}"]`), option);
}

describe('rolling maintenance in the console', () => {
  it('previews a plan, starts it, pauses and resumes it, and finishes it by marking held nodes done', async () => {
    const { page, pageErrors } = s;
    await page.locator('.el-menu-item', { hasText: 'Maintenance' }).click();
    await page.locator('[data-testid="maintenance-page"]').waitFor();
    await page.locator('[data-testid="maintenance-new"]').click();
    await pick('maintenance-cluster', 'demo');
    await page.locator('input[data-testid="maintenance-selector"]').fill('maint-pool=e2e');
    await page.locator('input[data-testid="maintenance-max-unavailable"]').fill('1');
    await pick('maintenance-hold', 'Until marked done');
    expect(await page.locator('[data-testid="maintenance-start"]').isDisabled()).toBe(true);
    await page.locator('[data-testid="maintenance-preview"]').click();
    const dry = page.locator('[data-testid="maintenance-dry-run"]');
    await dry.waitFor();
    expect(await dry.textContent()).toContain('2 wave(s) of up to 1 node(s)');
    for (const n of pool) expect(await dry.textContent()).toContain(n);
    await screenshot(page, 'maintenance-dry-run');
    await page.locator('[data-testid="maintenance-start"]').click();

    const plan = page.locator('[data-testid="maintenance-plan"]');
    await plan.waitFor();
    const [first, second] = pool as [string, string];
    const step = (n: string) => page.locator(`[data-testid="maintenance-step-${n}"]`);
    await until(
      'the first node to be held',
      async () => (await step(first).textContent())?.includes('Held'),
      60_000,
    );
    expect((await rowOf(first)).schedulable).toBe(false);
    expect((await step(second).textContent())?.trim()).toBe('Pending');
    await screenshot(page, 'maintenance-held');

    await page.locator('[data-testid="maintenance-pause"]').click();
    await page.locator('[data-testid="maintenance-paused"]').waitFor();
    expect(await page.locator('[data-testid="maintenance-pause-reason"]').textContent()).toContain(
      'paused by admin',
    );
    await page.locator('[data-testid="maintenance-resume"]').click();
    await page.locator('[data-testid="maintenance-pause"]').waitFor();

    await page.locator(`[data-testid="maintenance-done-${first}"]`).click();
    await until(
      'the second node to be held',
      async () => (await step(second).textContent())?.includes('Held'),
      60_000,
    );
    expect((await rowOf(first)).schedulable).toBe(true);
    await page.locator(`[data-testid="maintenance-done-${second}"]`).click();
    await until('the plan to succeed', async () => (await plan.textContent())?.includes('Succeeded'), 60_000);
    for (const n of pool) expect((await step(n).textContent())?.trim()).toBe('Done');
    expect((await rowOf(second)).schedulable).toBe(true);
    await screenshot(page, 'maintenance-done');
    expect(pageErrors).toEqual([]);
  }, 240_000);

  it('Maintain… on the Nodes page opens the plan form with the selected nodes and their cluster', async () => {
    const { page, server, pageErrors } = s;
    await page.goto(`${server.url}/#/nodes?selector=${encodeURIComponent('maint-pool=e2e')}&sort=name`);
    await page.reload();
    const rows = page.locator('[data-testid="node-row"]');
    await until('the pool listed alone', async () => (await rows.count()) === pool.length, 30_000);
    for (let i = 0; i < pool.length; i++) await rows.nth(i).locator('[data-testid="node-select"]').click();
    await page.locator('[data-testid="batch-maintain"]').click();
    await page.locator('[data-testid="maintenance-page"]').waitFor();
    expect(page.url()).toContain('#/maintenance?cluster=demo&nodes=');
    expect(await page.locator('textarea[data-testid="maintenance-nodes"]').inputValue()).toBe(
      pool.join('\n'),
    );
    expect(await page.locator('[data-testid="maintenance-cluster"]').textContent()).toContain('demo');
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
