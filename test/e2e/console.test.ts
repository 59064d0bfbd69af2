/**
 * The web console end to end: the real server with its simulated 60-node cluster (churn on), driven in
 * Chromium. Scenarios follow issue 7: log in; filter; cordon with a reason; see another user's change live;
 * edit labels and taints; drain with a dry run first; batch-cordon 20 nodes with live progress (through the
 * safety guard); find it all in the audit log; a viewer sees no write action; switch language.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  ADMIN_PASSWORD,
  ApiClient,
  chooseOption,
  ensureWebBuilt,
  launchBrowser,
  loginThroughUi,
  newContext,
  screenshot,
  startServer,
  type RunningServer,
} from './setup.js';

interface Row {
  cluster: string;
  name: string;
  status: string;
  schedulable: boolean;
  roles: string[];
  internalIP?: string;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  cordon?: { reason?: string; by?: string };
}

const OPERATOR = { username: 'olivia', password: 'olivia-password-1' };
const VIEWER = { username: 'victor', password: 'victor-password-1' };

let server: RunningServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let admin: ApiClient;
let workers: Row[];
const pageErrors: string[] = [];

async function node(name: string): Promise<Row> {
  const a = await admin.ok<Row | { node: Row }>('GET', `/clusters/demo/nodes/${name}`);
  return 'node' in a ? a.node : a;
}

const rowOf = (p: Page, name: string) => p.locator(`[data-testid="node-row"][data-node-name="${name}"]`);

async function search(p: Page, text: string) {
  await p.locator('input[data-testid="node-search"]').fill(text);
}

async function openDrawer(p: Page, name: string) {
  await search(p, name);
  // The search re-filters after a pause in typing and redraws the rows; a click that lands on a row being
  // replaced is lost, as it would be for a person, who clicks again.
  const drawer = p.locator('[data-testid="drawer-node-name"]', { hasText: name });
  for (let attempt = 1; ; attempt++) {
    await rowOf(p, name).locator('[data-testid="node-name"]').click();
    try {
      await drawer.waitFor({ timeout: 5_000 });
      return;
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }
}

async function closeDrawer(p: Page) {
  await p.keyboard.press('Escape');
  await p.locator('[data-testid="drawer-node-name"]').waitFor({ state: 'hidden' });
}

const text = async (p: Page, sel: string) => ((await p.locator(sel).first().textContent()) ?? '').trim();

beforeAll(async () => {
  await ensureWebBuilt();
  server = await startServer({ nodes: 60 });
  browser = await launchBrowser();
  admin = await ApiClient.login(server.url, 'admin', ADMIN_PASSWORD);
  await admin.ok('POST', '/users', { ...OPERATOR, role: 'operator' });
  await admin.ok('POST', '/users', { ...VIEWER, role: 'viewer' });
  const all = await admin.ok<{ items: Row[] }>('GET', '/nodes?limit=1000&sort=name');
  workers = all.items.filter((n) => n.roles.includes('worker') && n.schedulable && n.status === 'Ready');
  expect(workers.length).toBeGreaterThanOrEqual(10);
  context = await newContext(browser, { width: 1600, height: 1300 });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

const extraPages = new Set<Page>();

afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  // Evidence for a failure: what every open page looked like.
  const slug = ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40);
  await screenshot(page, `failed-${slug}`).catch(() => undefined);
  for (const p of extraPages) await screenshot(p, `failed-${slug}-2`).catch(() => undefined);
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
});

describe('web console', () => {
  it('logs in (and refuses a wrong password)', async () => {
    await page.goto(`${server.url}/`);
    await page.locator('input[data-testid="login-username"]').fill('admin');
    await page.locator('input[data-testid="login-password"]').fill('not-the-password');
    await page.locator('[data-testid="login-submit"]').click();
    await page.locator('[data-testid="login-error"]').waitFor();
    await screenshot(page, '01-login');

    await loginThroughUi(page, server.url, 'admin', ADMIN_PASSWORD);
    await expect
      .poll(() => text(page, '[data-testid="node-count"]'), { timeout: 15_000 })
      .toBe('60 of 60 nodes');
    await expect.poll(() => text(page, '[data-testid="socket-status"]'), { timeout: 15_000 }).toBe('Live');
    await screenshot(page, '02-nodes');
  });

  it('filters nodes by name, IP, label selector and status', async () => {
    const target = workers[0]!;
    await search(page, target.name);
    await expect.poll(() => text(page, '[data-testid="node-count"]')).toBe('1 of 60 nodes');
    await expect.poll(() => rowOf(page, target.name).count()).toBe(1);

    await search(page, target.internalIP!);
    await expect.poll(() => rowOf(page, target.name).count()).toBe(1);
    await search(page, '');

    const pool = target.labels.pool!;
    const expected = (await admin.ok<{ total: number }>('GET', `/nodes?labelSelector=pool%3D${pool}&limit=1`))
      .total;
    await page.locator('input[data-testid="filter-selector"]').fill(`pool=${pool}`);
    await expect.poll(() => text(page, '[data-testid="node-count"]')).toBe(`${expected} of 60 nodes`);
    await page.locator('input[data-testid="filter-selector"]').fill(`pool in (${pool}`);
    // The API server's own parse error, word for word (the console parses with the server's code).
    await page
      .locator('.el-popper', { hasText: "found 'end of string', expected: ',', ')' or a value" })
      .waitFor();
    await page.locator('[data-testid="clear-filters"]').click();
    await expect.poll(() => text(page, '[data-testid="node-count"]')).toBe('60 of 60 nodes');

    await chooseOption(page, page.locator('[data-testid="filter-status"]'), 'Ready');
    await page.keyboard.press('Escape');
    const ready = (await admin.ok<{ total: number }>('GET', '/nodes?status=Ready&limit=1')).total;
    // Churn flips readiness now and then; the table and the API must agree within a moment.
    await expect
      .poll(async () => {
        const shown = Number((await text(page, '[data-testid="node-count"]')).split(' ')[0]);
        const api = (await admin.ok<{ total: number }>('GET', '/nodes?status=Ready&limit=1')).total;
        return Math.abs(shown - api) <= 1 && shown > 0 && shown <= ready + 2;
      })
      .toBe(true);
    await page.locator('[data-testid="clear-filters"]').click();
    await expect.poll(() => text(page, '[data-testid="node-count"]')).toBe('60 of 60 nodes');
  });

  it('sorts by a column and remembers the chosen columns', async () => {
    const names = (await admin.ok<{ items: Row[] }>('GET', '/nodes?limit=1000')).items.map((n) => n.name);
    const collator = new Intl.Collator(undefined, { numeric: true });
    const last = [...names].sort(collator.compare).at(-1)!;
    const header = (title: string) =>
      page.locator('[data-testid="node-table"] [role="columnheader"]', { hasText: new RegExp(`^${title}$`) });
    /** The row drawn at the top of the table (a virtualized list's DOM order means nothing). */
    const topRow = () =>
      page.evaluate(() => {
        const rows = Array.from(document.querySelectorAll<HTMLElement>('[data-testid="node-row"]'));
        rows.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
        return rows[0]?.dataset.nodeName;
      });
    await header('Name').click(); // ascending (the default order)
    await header('Name').click(); // descending
    await expect.poll(topRow).toBe(last);
    expect(page.url()).toContain('sort=-name');
    await header('Name').click(); // back to no explicit order

    // Every row's cells line up with the header cells.
    const misaligned = await page.evaluate(() => {
      const left = (e: Element) => Math.round(e.getBoundingClientRect().left);
      const head = Array.from(
        document.querySelectorAll('[data-testid="node-table"] [role="columnheader"]'),
      ).map(left);
      return Array.from(document.querySelectorAll<HTMLElement>('[data-testid="node-row"]'))
        .filter((r) =>
          Array.from(r.querySelectorAll('[role="cell"]')).some((c, i) => Math.abs(left(c) - head[i]!) > 1),
        )
        .map((r) => r.dataset.nodeName);
    });
    expect(misaligned).toEqual([]);

    expect(await header('Kubelet').count()).toBe(1);
    await page.locator('[data-testid="column-chooser"]').click();
    await page.locator('[data-testid="column-toggle-kubeletVersion"]').click();
    await expect.poll(() => header('Kubelet').count()).toBe(0);
    await page.reload();
    await page.locator('[data-testid="node-row"]').first().waitFor();
    expect(await header('Kubelet').count()).toBe(0);
    await page.locator('[data-testid="column-chooser"]').click();
    await page.locator('[data-testid="column-toggle-kubeletVersion"]').click();
    await expect.poll(() => header('Kubelet').count()).toBe(1);
    await page.keyboard.press('Escape');
  });

  it('cordons one node with a reason and shows who, when and why', async () => {
    const target = workers[1]!;
    await openDrawer(page, target.name);
    await screenshot(page, '03-node-drawer');
    await page.locator('[data-testid="action-cordon"]').click();
    await page.locator('textarea[data-testid="cordon-reason-input"]').fill('disk errors, OPS-101');
    await page.locator('[data-testid="cordon-submit"]').click();
    await expect.poll(() => text(page, '[data-testid="drawer-cordon-reason"]')).toBe('disk errors, OPS-101');
    await closeDrawer(page);
    await expect
      .poll(() => rowOf(page, target.name).locator('[data-testid="cordon-reason"]').textContent())
      .toBe('disk errors, OPS-101');
    const after = await node(target.name);
    expect(after.schedulable).toBe(false);
    expect(after.cordon).toMatchObject({ reason: 'disk errors, OPS-101', by: 'admin' });
  });

  it("shows another user's change without reloading", async () => {
    const target = workers[2]!;
    await search(page, target.name);
    await rowOf(page, target.name).waitFor();
    await page.evaluate(() => ((window as unknown as { __e2eMarker: number }).__e2eMarker = 42));
    const olivia = await ApiClient.login(server.url, OPERATOR.username, OPERATOR.password);
    await olivia.ok('POST', `/clusters/demo/nodes/${target.name}/cordon`, {
      reason: 'kernel upgrade by olivia',
    });
    await expect
      .poll(() => rowOf(page, target.name).locator('[data-testid="cordon-reason"]').textContent(), {
        timeout: 10_000,
      })
      .toBe('kernel upgrade by olivia');
    expect(await page.evaluate(() => (window as unknown as { __e2eMarker?: number }).__e2eMarker)).toBe(42);
    await olivia.ok('POST', `/clusters/demo/nodes/${target.name}/uncordon`, {});
    await expect
      .poll(() => rowOf(page, target.name).locator('[data-testid="node-schedulable"]').textContent(), {
        timeout: 10_000,
      })
      .toBe('Schedulable');
  });

  it('edits labels and taints with inline validation', async () => {
    const target = workers[3]!;
    await openDrawer(page, target.name);
    await page.locator('[data-testid="action-labels"]').click();
    const dialog = page.locator('[data-testid="labels-dialog"]');
    const keys = dialog.locator('input[data-testid="label-key"]');
    const values = dialog.locator('input[data-testid="label-value"]');
    const last = (await keys.count()) - 1;
    await keys.nth(last).fill('bad key');
    await dialog.locator('[data-testid="label-key-error"]').waitFor();
    expect(await dialog.locator('[data-testid="labels-submit"]').isDisabled()).toBe(true);
    await keys.nth(last).fill('e2e.example.com/owner');
    await values.nth(last).fill('sre-team');
    await dialog.locator('[data-testid="label-key-error"]').waitFor({ state: 'detached' });
    await screenshot(page, '04-label-editor');
    await dialog.locator('[data-testid="labels-submit"]').click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(async () => (await node(target.name)).labels['e2e.example.com/owner']).toBe('sre-team');

    await page.locator('[data-testid="action-taints"]').click();
    const tdialog = page.locator('[data-testid="taints-dialog"]');
    const tkeys = tdialog.locator('input[data-testid="taint-key"]');
    const tlast = (await tkeys.count()) - 1;
    await tkeys.nth(tlast).fill('e2e.example.com/maintenance');
    await tdialog.locator('input[data-testid="taint-value"]').nth(tlast).fill('x'.repeat(64));
    await tdialog.locator('[data-testid="taint-value-error"]').waitFor();
    await tdialog.locator('input[data-testid="taint-value"]').nth(tlast).fill('planned');
    await tdialog.locator('[data-testid="taints-submit"]').click();
    await tdialog.waitFor({ state: 'hidden' });
    await closeDrawer(page);
    await expect
      .poll(() => rowOf(page, target.name).locator('[data-testid="node-taints"]').getAttribute('title'))
      .toContain('e2e.example.com/maintenance=planned:NoSchedule');
    const after = await node(target.name);
    expect(after.taints).toContainEqual({
      key: 'e2e.example.com/maintenance',
      value: 'planned',
      effect: 'NoSchedule',
    });
  });

  it('previews a drain, then runs it as a job', async () => {
    const target = workers[4]!;
    await openDrawer(page, target.name);
    await page.locator('[data-testid="action-drain"]').click();
    const dialog = page.locator('[data-testid="drain-dialog"]');
    expect(await dialog.locator('[data-testid="drain-submit"]').isDisabled()).toBe(true);
    await dialog.locator('[data-testid="drain-preview"]').click();
    await dialog.locator('[data-testid="drain-preview-result"]').waitFor();
    await expect.poll(() => dialog.locator('[data-testid="drain-action"]').count()).toBeGreaterThan(0);
    await screenshot(page, '05-drain-preview');
    // Pods with local data or no controller block a drain unless allowed, as kubectl does.
    await dialog.locator('[data-testid="drain-delete-emptydir"]').click();
    await dialog.locator('[data-testid="drain-force"]').click();
    expect(await dialog.locator('[data-testid="drain-submit"]').isDisabled()).toBe(true);
    await dialog.locator('[data-testid="drain-preview"]').click();
    await dialog.locator('[data-testid="drain-would-fail"]').waitFor({ state: 'detached' });
    await expect.poll(() => dialog.locator('[data-testid="drain-submit"]').isDisabled()).toBe(false);
    await dialog.locator('[data-testid="drain-submit"]').click();
    await page.locator('.knm-confirm-box', { hasText: target.name }).waitFor();
    await page.locator('.knm-confirm-ok').click();
    const panel = page.locator('[data-testid="job-panel"]');
    await panel.locator('[data-testid="job-operation"]', { hasText: 'Drain' }).waitFor();
    await expect
      .poll(() => panel.locator('[data-testid="job-status"]').getAttribute('data-status'), {
        timeout: 90_000,
      })
      .toBe('succeeded');
    await screenshot(page, '06-drain-job');
    await page.keyboard.press('Escape');
    const after = await node(target.name);
    expect(after.schedulable).toBe(false);
    const pods = await admin.ok<{ items: { ownerKind?: string }[] }>(
      'GET',
      `/clusters/demo/nodes/${target.name}/pods`,
    );
    expect(pods.items.every((p) => p.ownerKind === 'DaemonSet')).toBe(true);
  });

  it('batch-cordons 20 nodes through the safety guard and shows the progress', async () => {
    await page.goto(`${server.url}/#/nodes?schedulable=true&sort=name`);
    await page.reload();
    await page.locator('[data-testid="node-row"]').first().waitFor();
    const checkboxes = page.locator('[data-testid="node-row"] [data-testid="node-select"]');
    await expect.poll(() => checkboxes.count()).toBeGreaterThanOrEqual(20);
    const names: string[] = [];
    for (let i = 0; i < 20; i++) {
      const row = page.locator('[data-testid="node-row"]').nth(i);
      names.push((await row.getAttribute('data-node-name'))!);
      await row.locator('[data-testid="node-select"]').click();
    }
    await expect.poll(() => text(page, '[data-testid="selection-count"]')).toBe('20 selected');
    await page.locator('[data-testid="batch-cordon"]').click();
    const dialog = page.locator('[data-testid="cordon-dialog"]');
    await expect
      .poll(() => text(page, '[data-testid="cordon-dialog"] [data-testid="op-scope"]'))
      .toBe('20 nodes in cluster demo');
    await dialog.locator('textarea[data-testid="cordon-reason-input"]').fill('rack 7 maintenance');
    await dialog.locator('[data-testid="cordon-submit"]').click();
    // With the nodes cordoned above, 20 more leave less than 70% schedulable: the guard refuses, an admin may override.
    const guard = page.locator('.knm-guard-box');
    await guard.waitFor();
    expect(await guard.textContent()).toContain('Ready nodes');
    await screenshot(page, '07-guard');
    await page.locator('.knm-guard-override').click();
    const panel = page.locator('[data-testid="job-panel"]');
    await panel.locator('[data-testid="job-operation"]', { hasText: 'Cordon' }).waitFor();
    await expect
      .poll(() => panel.locator('[data-testid="job-status"]').getAttribute('data-status'), {
        timeout: 60_000,
      })
      .toBe('succeeded');
    expect(await text(page, '[data-testid="job-done"]')).toBe('20 of 20 done');
    await screenshot(page, '08-batch-job');
    await page.keyboard.press('Escape');
    for (const n of names) expect((await node(n)).cordon?.reason).toBe('rack 7 maintenance');
    // The rows left the "schedulable" view live.
    await expect.poll(() => rowOf(page, names[0]!).count(), { timeout: 10_000 }).toBe(0);
  });

  it('finds all of it in the audit log', async () => {
    await page.locator('[data-testid="nav-audit"]').click();
    const table = page.locator('[data-testid="audit-table"]');
    await table.locator('[data-testid="audit-row-operation"]').first().waitFor();
    await table.locator('.el-loading-mask').waitFor({ state: 'detached' });
    await screenshot(page, '09-audit');
    const rows = async () =>
      table
        .locator('.el-table__row')
        .evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).innerText.replace(/\s+/g, ' ')));
    const all = await rows();
    const has = (action: string, node?: string) =>
      all.some((r) => r.includes(action) && (!node || r.includes(node)));
    expect(has('auth.login')).toBe(true);
    expect(has('node.cordon', workers[1]!.name)).toBe(true);
    expect(has('node.cordon', workers[2]!.name)).toBe(true); // by olivia, through the API
    expect(has('node.labels', workers[3]!.name)).toBe(true);
    expect(has('node.taints', workers[3]!.name)).toBe(true);
    expect(all.some((r) => /drain/.test(r) && r.includes(workers[4]!.name))).toBe(true);
    expect(has('job.cordon')).toBe(true);

    // Filters go to the server: by node, then by user.
    await page.locator('input[data-testid="audit-node"]').fill(workers[2]!.name);
    await page.locator('[data-testid="audit-search"]').click();
    await expect.poll(async () => (await rows()).every((r) => r.includes(workers[2]!.name))).toBe(true);
    await expect.poll(async () => (await rows()).some((r) => r.includes('olivia'))).toBe(true);
    await page.locator('input[data-testid="audit-node"]').fill('');
    await page.locator('input[data-testid="audit-user"]').fill('olivia');
    await page.locator('[data-testid="audit-search"]').click();
    await expect
      .poll(async () => {
        const r = await rows();
        return r.length > 0 && r.every((x) => x.includes('olivia'));
      })
      .toBe(true);
  });

  it('creates, applies and deletes a template', async () => {
    const target = workers[6]!;
    await page.locator('[data-testid="nav-templates"]').click();
    await page.locator('[data-testid="template-new"]').click();
    const dialog = page.locator('[data-testid="template-dialog"]');
    await dialog.locator('input[data-testid="template-name"]').fill('gold tier');
    await dialog.locator('input[data-testid="label-key"]').first().fill('e2e.example.com/tier');
    await dialog.locator('input[data-testid="label-value"]').first().fill('gold');
    await dialog.locator('[data-testid="template-save"]').click();
    await dialog.waitFor({ state: 'hidden' });
    const row = page.locator('[data-testid="templates-table"] .el-table__row', { hasText: 'gold tier' });
    await row.waitFor();
    expect(await row.textContent()).toContain('e2e.example.com/tier=gold');
    await screenshot(page, '13-templates');

    await row.locator('[data-testid="template-apply"]').click();
    const apply = page.locator('[data-testid="template-apply-dialog"]');
    await apply.locator('label', { hasText: 'Node names' }).click();
    await apply.locator('textarea[data-testid="template-apply-names"]').fill(target.name);
    // Applying waits for a preview of exactly what changes on each node.
    expect(await apply.locator('[data-testid="template-apply-submit"]').isDisabled()).toBe(true);
    await apply.locator('[data-testid="template-preview"]').click();
    await apply
      .locator('[data-testid="template-preview-change"]', { hasText: '+ e2e.example.com/tier=gold' })
      .waitFor();
    await apply.locator('[data-testid="template-apply-submit"]').click();
    await page.locator('.knm-confirm-ok').click();
    const panel = page.locator('[data-testid="job-panel"]');
    await panel.locator('[data-testid="job-operation"]', { hasText: 'Template' }).waitFor();
    await expect
      .poll(() => panel.locator('[data-testid="job-status"]').getAttribute('data-status'), {
        timeout: 30_000,
      })
      .toBe('succeeded');
    await page.keyboard.press('Escape');
    expect((await node(target.name)).labels['e2e.example.com/tier']).toBe('gold');

    await row.locator('[data-testid="template-delete"]').click();
    await page.locator('.knm-confirm-ok').click();
    await row.waitFor({ state: 'detached' });
  });

  it('shows clusters, users and a token secret once', async () => {
    await page.locator('[data-testid="nav-clusters"]').click();
    const cluster = page.locator('[data-testid="cluster-table"] .el-table__row', { hasText: 'demo' });
    await expect.poll(() => cluster.locator('[data-testid="cluster-state"]').textContent()).toBe('Synced');
    expect(await cluster.locator('[data-testid="cluster-node-count"]').textContent()).toMatch(/\/ 60$/);
    await page.locator('[data-testid="add-cluster"]').click();
    const add = page.locator('[data-testid="add-cluster-dialog"]');
    await add.locator('input[data-testid="cluster-name-input"]').fill('staging');
    await add
      .locator('textarea[data-testid="kubeconfig-input"]')
      .fill('apiVersion: v1\nkind: Config\nclusters: []\n');
    expect(await add.locator('[data-testid="cluster-save"]').isDisabled()).toBe(true);
    await add.locator('[data-testid="cluster-test"]').click();
    await add.locator('[data-testid="cluster-test-failed"]').waitFor();
    expect(await add.locator('[data-testid="cluster-save"]').isDisabled()).toBe(true);
    await screenshot(page, '14-add-cluster');
    await page.keyboard.press('Escape');
    await add.waitFor({ state: 'hidden' });
    await screenshot(page, '15-clusters');

    await page.locator('[data-testid="nav-users"]').click();
    const users = page.locator('[data-testid="users-table"]');
    await users.locator('.el-table__row', { hasText: VIEWER.username }).waitFor();
    await screenshot(page, '16-users');

    await page.locator('[data-testid="user-menu"]').click();
    await page.locator('[data-testid="menu-tokens"]').click();
    await page.locator('[data-testid="token-new"]').click();
    await page.locator('input[data-testid="token-name"]').fill('ci-readonly');
    // Narrowed to the demo cluster (a viewer token, the dialog's default role).
    await chooseOption(page, page.locator('[data-testid="token-clusters-select"]'), 'demo');
    await page.locator('input[data-testid="token-name"]').click(); // closes the (multiple) dropdown
    await page.locator('[data-testid="token-create"]').click();
    const secret = await page.locator('input[data-testid="token-secret"]').inputValue();
    expect(secret).toMatch(/^knm_/);
    const me = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
    expect(me.status).toBe(200);
    await page.locator('[data-testid="token-done"]').click();
    const tokenRow = page.locator('[data-testid="tokens-table"] .el-table__row', { hasText: 'ci-readonly' });
    await tokenRow.waitFor();
    expect(await tokenRow.locator('[data-testid="token-clusters"]').textContent()).toBe('demo');
    const answer = (await (
      await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } })
    ).json()) as { user: { clusters: string[] | null } };
    expect(answer.user.clusters).toEqual(['demo']);
    expect(await page.content()).not.toContain(secret);
    await expect.poll(() => page.locator('.el-overlay:visible').count()).toBe(0);
    await screenshot(page, '17-tokens');
  });

  it('gives a viewer no write action at all', async () => {
    const ctx = await newContext(browser);
    const vp = await ctx.newPage();
    extraPages.add(vp);
    await loginThroughUi(vp, server.url, VIEWER.username, VIEWER.password);
    await expect.poll(() => text(vp, '[data-testid="user-role"]')).toBe('Viewer');
    expect(await vp.locator('[data-testid="node-select"]').count()).toBe(0);
    expect(await vp.locator('[data-testid="node-select-all"]').count()).toBe(0);
    expect(await vp.locator('[data-testid="nav-users"]').count()).toBe(0);
    await openDrawer(vp, workers[5]!.name);
    expect(await vp.locator('[data-testid="drawer-actions"]').count()).toBe(0);
    await screenshot(vp, '10-viewer-drawer');
    await closeDrawer(vp);
    await vp.locator('[data-testid="nav-templates"]').click();
    await vp.locator('[data-testid="templates-table"]').waitFor();
    expect(await vp.locator('[data-testid="template-new"]').count()).toBe(0);
    await vp.locator('[data-testid="nav-clusters"]').click();
    await vp.locator('[data-testid="cluster-name"]').first().waitFor();
    expect(await vp.locator('[data-testid="add-cluster"]').count()).toBe(0);
    expect(await vp.locator('[data-testid="remove-cluster"]').count()).toBe(0);
    await vp.locator('[data-testid="nav-jobs"]').click();
    await vp.locator('[data-testid="jobs-table"] .el-table__row').first().waitFor();
    await vp.locator('[data-testid="jobs-table"] .el-loading-mask').waitFor({ state: 'detached' });
    await vp.locator('[data-testid="jobs-table"] .el-table__row').first().click();
    await vp.locator('[data-testid="job-panel"] [data-testid="job-status"]').waitFor();
    expect(await vp.locator('[data-testid="job-cancel"]').count()).toBe(0);
    // And the server refuses the write even if it is attempted by hand.
    const free = (await admin.ok<{ items: Row[] }>('GET', '/nodes?schedulable=true&limit=1')).items[0]!;
    const status = await vp.evaluate(async (name) => {
      const me = (await (await fetch('/api/v1/me')).json()) as { csrfToken: string };
      const r = await fetch(`/api/v1/clusters/demo/nodes/${name}/cordon`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
        body: JSON.stringify({ reason: 'viewer attempt' }),
      });
      return r.status;
    }, free.name);
    expect(status).toBe(403);
    expect((await node(free.name)).cordon?.reason).not.toBe('viewer attempt');
    extraPages.delete(vp);
    await ctx.close();
  });

  it('switches the language and remembers it', async () => {
    await page.locator('[data-testid="nav-nodes"]').click();
    await page.locator('[data-testid="language-switch"]').click();
    await page.locator('[data-testid="language-zh-CN"]').click();
    await expect.poll(() => text(page, '[data-testid="nav-nodes"]')).toBe('节点');
    await page.reload();
    await expect.poll(() => text(page, '[data-testid="nav-nodes"]'), { timeout: 15_000 }).toBe('节点');
    await page.locator('[data-testid="node-row"]').first().waitFor();
    await expect.poll(() => text(page, '[data-testid="node-count"]')).toMatch(/个节点$/);
    await screenshot(page, '11-nodes-zh');
    await page.locator('[data-testid="theme-switch"]').click();
    await screenshot(page, '12-nodes-dark');
    await page.locator('[data-testid="theme-switch"]').click();
    await page.locator('[data-testid="language-switch"]').click();
    await page.locator('[data-testid="language-en"]').click();
    await expect.poll(() => text(page, '[data-testid="nav-nodes"]')).toBe('Nodes');
  });

  it('raised no script errors in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
