/**
 * Saved views and a node's pods in Chromium against the real server: a view saved from the Nodes page survives a
 * reload and, picked, brings back its filters, sort and columns; the drawer's pods can be filtered, narrowed to
 * their owner, and say what a drain would do with each of them (from the server's own drain preview).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { adminConsoleSuite, until } from './setup.js';

const s = adminConsoleSuite('console-views-pods', { nodes: 30 });

const field = (page: Page, id: string) =>
  page.locator(`input[data-testid="${id}"], [data-testid="${id}"] input`).first();
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Serious and critical axe-core violations inside one part of the page. */
async function axeOn(page: Page, selector: string): Promise<string[]> {
  // Evaluated rather than added as a script tag: the console's CSP rightly refuses inline scripts.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(AXE, 'utf8'));
  return page.evaluate(async (sel) => {
    const w = window as unknown as {
      axe: {
        run(
          ctx: unknown,
          o: unknown,
        ): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>;
      };
    };
    const r = await w.axe.run(sel, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }, selector);
}

const query = (page: Page) => new URLSearchParams(page.url().split('?')[1] ?? '');

describe('saved views and pods on a node', () => {
  it('saves the page as a view, and after a reload picking it brings back its filters, sort and columns', async () => {
    const { page, server } = s;
    await page.goto(`${server.url}/#/nodes?schedulable=true&sort=-name&role=worker`);
    await page.locator('[data-testid="node-row"]').first().waitFor();
    // Hide the labels column: a view keeps the columns too.
    await page.locator('[data-testid="column-chooser"]').click();
    const labels = page.locator('[data-testid="column-toggle-labels"]');
    if (await labels.locator('input').isChecked()) await labels.click();
    await page.keyboard.press('Escape');

    await page.locator('[data-testid="saved-views"]').click();
    await field(page, 'saved-view-name').fill('workers by name');
    await page.locator('[data-testid="saved-view-save"]').click();
    await until('the view to be listed', async () =>
      (await page.locator('[data-testid="saved-view-apply"]').allTextContents()).some((t) =>
        t.includes('workers by name'),
      ),
    );
    expect(await page.locator('[data-testid="saved-views"]').textContent()).toContain('workers by name');
    expect(await axeOn(page, '[data-testid="saved-views-panel"]'), 'axe on the saved views').toEqual([]);
    const stored = await s.admin.ok<{
      items: { name: string; query: Record<string, string>; columns: string[] }[];
    }>('GET', '/views');
    const saved = stored.items.find((v) => v.name === 'workers by name')!;
    expect(saved.query).toEqual({ schedulable: 'true', sort: '-name', role: 'worker' });
    expect(saved.columns).not.toContain('labels');

    // Somewhere else, with the labels column back, after a reload.
    await page.goto(`${server.url}/#/nodes?status=Ready`);
    await page.reload();
    await page.locator('[data-testid="node-row"]').first().waitFor();
    await page.locator('[data-testid="column-chooser"]').click();
    if (!(await labels.locator('input').isChecked())) await labels.click();
    await page.keyboard.press('Escape');
    expect(await page.locator('[data-testid="saved-views"]').textContent()).not.toContain('workers by name');

    await page.locator('[data-testid="saved-views"]').click();
    await page.locator('[data-testid="saved-view-apply"]', { hasText: 'workers by name' }).click();
    await until('the view’s query in the address', async () => query(page).get('role') === 'worker');
    expect(Object.fromEntries(query(page))).toEqual({ schedulable: 'true', sort: '-name', role: 'worker' });
    await until('the labels column to be hidden', async () => !(await labels.locator('input').isChecked()));
    // The page shows that view now, and says so.
    await until('the toolbar to name the view', async () =>
      ((await page.locator('[data-testid="saved-views"]').textContent()) ?? '').includes('workers by name'),
    );
  });

  it('lists a node’s pods with owners, filters them, narrows to an owner and says what a drain would do', async () => {
    const { page, server, admin } = s;
    type Pod = { ownerKind?: string; workload?: { kind: string } };
    const list = await admin.ok<{ items: { cluster: string; name: string }[] }>('GET', '/nodes?limit=100');
    // A node running both a Deployment's pod and a DaemonSet's (the demo spreads its workloads at random).
    let node: { cluster: string; name: string } | undefined;
    for (const n of list.items) {
      const pods = await admin.ok<{ items: Pod[] }>('GET', `/clusters/${n.cluster}/nodes/${n.name}/pods`);
      if (pods.items.some((p) => p.workload) && pods.items.some((p) => p.ownerKind === 'DaemonSet')) {
        node = n;
        break;
      }
    }
    expect(node, 'a node with a Deployment pod and a DaemonSet pod').toBeDefined();
    await page.goto(`${server.url}/#/nodes?node=${encodeURIComponent(`${node!.cluster}/${node!.name}`)}`);
    await page.locator('[data-testid="drawer-tabs"]').waitFor();
    await page.locator('#tab-pods').click();
    const panel = page.locator('[data-testid="node-pods-panel"]');
    await panel.waitFor();
    const drain = panel.locator('[data-testid="pod-drain"]');
    await until('the drain preview to be shown', async () => (await drain.count()) > 0);
    expect(await axeOn(page, '[data-testid="node-pods-panel"]'), 'axe on the pods panel').toEqual([]);

    const owners = await panel.locator('[data-testid="pod-owner"]').allTextContents();
    expect(owners.some((o) => o.startsWith('DaemonSet/'))).toBe(true);
    // DaemonSet pods stay on a drain with the dialog's defaults, and the panel says why.
    const dsRow = panel
      .locator('.el-table__body tr', {
        has: page.locator('[data-testid="pod-owner"]', { hasText: /^DaemonSet\// }),
      })
      .first();
    expect(await dsRow.locator('[data-testid="pod-drain"] .el-tag').textContent()).toContain('Skip');
    expect(await dsRow.locator('[data-testid="pod-drain"] .knm-node-pods-cause').textContent()).toBe(
      'DaemonSet',
    );

    const total = await panel.locator('.el-table__body tr').count();
    await field(page, 'pods-filter').fill('daemonset');
    await until('the filter to narrow the list', async () => {
      const n = await panel.locator('.el-table__body tr').count();
      return n > 0 && n < total;
    });
    for (const o of await panel.locator('[data-testid="pod-owner"]').allTextContents())
      expect(o).toMatch(/^DaemonSet\//);
    await field(page, 'pods-filter').fill('');

    const deployment = panel.locator('[data-testid="pod-owner"]', { hasText: /^Deployment\// }).first();
    const owner = (await deployment.textContent())!.trim();
    await deployment.click();
    await panel.locator('[data-testid="pods-owner-filter"]').waitFor();
    expect(await panel.locator('[data-testid="pods-owner-filter"]').textContent()).toContain(owner);
    const shown = await panel.locator('[data-testid="pod-owner"]').allTextContents();
    expect(shown.length).toBeGreaterThan(0);
    for (const o of shown) expect(o.trim()).toBe(owner);
    expect(await panel.locator('.el-table__body tr').count()).toBeLessThan(total);
    expect(s.pageErrors).toEqual([]);
  });
});
