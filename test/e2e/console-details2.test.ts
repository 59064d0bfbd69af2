/**
 * Everyday details in Chromium against the real server: export of the filtered node list (all matching rows,
 * not the page) and of an audit query, audit entries as sentences with the query in the URL and a node prefix,
 * the drawer's YAML view, and a job's own link.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adminConsoleSuite, until } from './setup.js';

let cluster: string;
let names: string[];

const s = adminConsoleSuite('console-details2', {
  nodes: 40,
  churn: true,
  viewport: { width: 1440, height: 900 },
  async prepare({ admin }) {
    const list = await admin.ok<{ items: { cluster: string; name: string }[] }>('GET', '/nodes?limit=1000');
    cluster = list.items[0]!.cluster;
    names = list.items.filter((n) => n.cluster === cluster).map((n) => n.name);
  },
});

async function download(menu: string, item: string): Promise<string> {
  await s.page.locator(`[data-testid="${menu}"]`).click();
  const [file] = await Promise.all([
    s.page.waitForEvent('download'),
    s.page.locator(`[data-testid="${item}"]`).click(),
  ]);
  return readFileSync((await file.path())!, 'utf8');
}

describe('everyday details, batch 2', () => {
  it('exports every node the filter matches as CSV and JSON, read from the API', async () => {
    await s.page.goto(`${s.server.url}/#/nodes?cluster=${encodeURIComponent(cluster)}`);
    await s.page.locator('[data-testid="node-row"]').first().waitFor();
    const csv = await download('nodes-export', 'nodes-export-csv');
    const lines = csv
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toMatch(/^cluster,name,status,/);
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',')[1])
        .sort(),
    ).toEqual([...names].sort());
    const json = JSON.parse(await download('nodes-export', 'nodes-export-json')) as { name: string }[];
    expect(json).toHaveLength(names.length);
  });

  it('shows a batch cordon as a sentence; a shared audit link with a node prefix reproduces the query', async () => {
    const targets = names.slice(0, 3);
    const job = await s.admin.ok<{ job: { id: string } }>('POST', '/jobs', {
      operation: 'cordon',
      targets: [{ cluster, nodes: targets }],
      params: { reason: 'kernel' },
    });
    await until('the job to finish', async () => {
      const j = await s.admin.ok<{ job: { status: string } }>('GET', `/jobs/${job.job.id}`);
      return !['pending', 'running'].includes(j.job.status);
    });
    const prefix = targets[0]!.slice(0, -1);
    await s.page.goto(`${s.server.url}/#/audit?user=admin&node=${encodeURIComponent(prefix + '*')}`);
    await until('the sentence', async () =>
      (await s.page.locator('[data-testid="audit-row-sentence"]').allTextContents()).some(
        (s) => s.startsWith(`admin cordoned `) && s.includes(`in ${cluster}: kernel`),
      ),
    );
    expect(await s.page.locator('input[data-testid="audit-node"]').inputValue()).toBe(prefix + '*');
    // Every row names a node with that prefix.
    for (const n of await s.page.locator('[data-testid="audit-row-node"]').allTextContents())
      expect(n.split(', ').some((x) => x.startsWith(prefix))).toBe(true);

    await s.page.locator('.el-table__expand-icon').first().click();
    await s.page.locator('[data-testid="audit-details"]').first().waitFor();
    expect(await s.page.locator('[data-testid="audit-details"] th').allTextContents()).toContain('Field');

    // The export carries the same query.
    const csv = await download('audit-export', 'audit-export-csv');
    const rows = csv
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n')
      .slice(1);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.split(',')[1]).toBe('admin');

    // A pasted link while the page is open applies its query.
    await s.page.evaluate(() => (location.hash = '#/audit?user=nobody-here'));
    await until(
      'the new query to apply',
      async () => (await s.page.locator('input[data-testid="audit-user"]').inputValue()) === 'nobody-here',
    );
    await until(
      'no entries',
      async () => (await s.page.locator('[data-testid="audit-row-sentence"]').count()) === 0,
    );
  });

  it('shows the node as YAML in the drawer', async () => {
    const name = names[0]!;
    await s.page.goto(`${s.server.url}/#/nodes?node=${encodeURIComponent(`${cluster}/${name}`)}`);
    await s.page.locator('[data-testid="drawer-tabs"]').waitFor();
    await s.page.locator('#tab-yaml').click();
    const yaml = s.page.locator('[data-testid="node-yaml"]');
    await yaml.waitFor();
    expect(await yaml.textContent()).toContain(`name: ${name}`);
  });

  it('opens a job from its own link', async () => {
    const job = await s.admin.ok<{ job: { id: string } }>('POST', '/jobs', {
      operation: 'uncordon',
      targets: [{ cluster, nodes: names.slice(0, 3) }],
      params: {},
    });
    await s.page.goto(`${s.server.url}/#/jobs/${job.job.id}`);
    const link = s.page.locator('[data-testid="job-panel"] [data-testid="job-link"]');
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe(`#/jobs/${job.job.id}`);
    expect(await s.page.locator('[data-testid="job-operation"]').textContent()).toBe('Uncordon');
  });
});
