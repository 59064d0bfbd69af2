// The node screen as a user meets it: a link's filters are applied to what the table shows and to the page it
// asks for, shift-click selects a range, and the selection bar gates each action by the cluster's permissions.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mount, type VueWrapper } from '@vue/test-utils';
import { createI18n } from 'vue-i18n';
import en from '../i18n/en';
import zhCN from '../i18n/zh-CN';
import { installElement } from '../element';
import type { ClusterInfo, NodeList, NodeRow, NodeStatus, User } from '../api/types';
import type { PermissionMatrix } from '../../../src/clusters/permissions';

const list = vi.fn<(q: Record<string, unknown>) => Promise<NodeList>>();
const permissions = vi.fn<(cluster: string) => Promise<PermissionMatrix>>();
vi.mock('../api/endpoints', () => ({
  nodes: { list: (q: Record<string, unknown>) => list(q), get: () => new Promise(() => undefined) },
  clusters: {
    list: async () => ({
      items: [
        { name: 'prod', state: 'synced' } as ClusterInfo,
        { name: 'lab', state: 'synced' } as ClusterInfo,
      ],
    }),
    permissions: (c: string) => permissions(c),
  },
  jobs: {},
  templates: {},
}));

// The page reads the URL when it is first loaded: a shared link to NotReady nodes of one cluster.
location.hash = '#/nodes?cluster=prod&status=NotReady';
const NodesView = (await import('./NodesView.vue')).default;
const { session } = await import('../session');
const { resetPermissions } = await import('../stores/permissions');
const { navigate } = await import('../router');

function node(cluster: string, i: number, status: NodeStatus): NodeRow {
  const name = `node-${i}`;
  return {
    cluster,
    name,
    uid: `${cluster}-${i}`,
    resourceVersion: '1',
    status,
    schedulable: true,
    unschedulable: false,
    roles: ['worker'],
    labels: { zone: i % 2 ? 'a' : 'b' },
    taints: [],
    capacity: { cpu: '8', memory: '32Gi', pods: '110' },
    allocatable: { cpu: '8', memory: '32Gi', pods: '110' },
    podCount: 3,
    createdAt: '2026-01-01T00:00:00Z',
    conditions: [],
  };
}

const PROD = [1, 2, 3, 4, 5, 6].map((i) => node('prod', i, i <= 4 ? 'NotReady' : 'Ready'));
const LAB = [1, 2].map((i) => node('lab', i, 'NotReady'));

const cordonDenied: PermissionMatrix = {
  checked: true,
  checkedAt: '2026-01-01T00:00:00.000Z',
  operations: [
    { operation: 'readNodes', allowed: true, missing: [] },
    { operation: 'cordon', allowed: false, missing: ['patch on nodes'] },
    { operation: 'label', allowed: true, missing: [] },
  ],
};

function answer(cluster: string | undefined): NodeList {
  const items = cluster === 'prod' ? PROD : cluster === 'lab' ? LAB : [...PROD, ...LAB];
  return {
    items,
    total: items.length,
    source: 'cache',
    degraded: false,
    clusters: cluster ? { [cluster]: 'synced' } : { prod: 'synced', lab: 'synced' },
  };
}

// The machine running the suite may be busy: wait on what the page shows, with room to get there.
const until = (check: () => void) => vi.waitFor(check, { timeout: 15_000, interval: 20 });

let wrapper: VueWrapper | null = null;
async function render() {
  const i18n = createI18n({ legacy: false, locale: 'en', messages: { en, 'zh-CN': zhCN } });
  wrapper = mount(NodesView, {
    global: { plugins: [i18n, { install: installElement }] },
    attachTo: document.body,
  });
  await until(() => expect(rowNames().length).toBeGreaterThan(0));
  return wrapper;
}

const rowNames = () =>
  [...document.querySelectorAll<HTMLElement>('[data-testid="node-row"]')]
    .sort((a, b) => Number(a.getAttribute('aria-rowindex')) - Number(b.getAttribute('aria-rowindex')))
    .map((r) => `${r.querySelector('[data-action="open"]')?.textContent?.trim()}`);
const text = (testid: string) => document.querySelector(`[data-testid="${testid}"]`)?.textContent?.trim();
const button = (testid: string) => document.querySelector<HTMLButtonElement>(`[data-testid="${testid}"]`)!;

function clickSelect(name: string, shiftKey = false) {
  const row = [...document.querySelectorAll('[data-testid="node-row"]')].find(
    (r) => r.querySelector('[data-action="open"]')?.textContent?.trim() === name,
  )!;
  row
    .querySelector<HTMLInputElement>('[data-testid="node-select"]')!
    .dispatchEvent(new MouseEvent('click', { bubbles: true, shiftKey }));
}

beforeEach(() => {
  // Each test starts a fresh session: no last query to come back to.
  sessionStorage.clear();
  session.user = { username: 'op', role: 'operator', clusters: null } as unknown as User;
  resetPermissions();
  list.mockReset();
  list.mockImplementation(async (q) => answer(q.cluster as string | undefined));
  permissions.mockReset();
  permissions.mockImplementation(async (c) =>
    c === 'prod' ? cordonDenied : { ...cordonDenied, operations: [] },
  );
});

afterEach(() => {
  wrapper?.unmount();
  wrapper = null;
  document.body.innerHTML = '';
});

// The whole screen mounts in each test; a busy machine needs more than the default 30 s.
describe('NodesView', { timeout: 90_000 }, () => {
  it("applies a link's cluster and status filters: asks for that cluster's nodes and shows the matching ones", async () => {
    await render();
    expect(list).toHaveBeenCalledWith(expect.objectContaining({ cluster: 'prod' }));
    expect(list.mock.calls.every(([q]) => q.cluster === 'prod')).toBe(true);
    await until(() => expect(rowNames()).toEqual(['node-1', 'node-2', 'node-3', 'node-4']));
    expect(text('node-count')).toBe('4 of 6 nodes');
    expect(document.querySelector('[data-testid="clear-filters"]')).not.toBeNull();
  });

  it('applies a link followed while the page is open, and clearing the filters shows every node again', async () => {
    await render();
    navigate('/nodes', { cluster: 'prod', search: 'node-6' });
    await until(() => expect(rowNames()).toEqual(['node-6']));
    (document.querySelector('[data-testid="clear-filters"]') as HTMLElement).click();
    await until(() => expect(rowNames()).toHaveLength(6));
    expect(location.hash).toBe('#/nodes?cluster=prod');

    navigate('/nodes', { cluster: 'lab' });
    await until(() => expect(list).toHaveBeenLastCalledWith(expect.objectContaining({ cluster: 'lab' })));
    await until(() => expect(text('node-count')).toBe('2 of 2 nodes'));
  });

  it('selects a range with shift-click and gates the batch actions by the cluster’s permissions', async () => {
    navigate('/nodes', { cluster: 'prod' });
    await render();
    await until(() => expect(rowNames()).toHaveLength(6));
    expect(document.querySelector('[data-testid="selection-bar"]')).toBeNull();

    clickSelect('node-2');
    clickSelect('node-5', true);
    await until(() => expect(text('selection-count')).toBe('4 selected'));
    const checked = [...document.querySelectorAll<HTMLInputElement>('[data-testid="node-select"]')].filter(
      (c) => c.checked,
    );
    expect(checked).toHaveLength(4);

    await until(() => expect(button('batch-cordon').disabled).toBe(true));
    expect(button('batch-uncordon').disabled).toBe(true);
    expect(button('batch-labels').disabled).toBe(false);
    expect(button('batch-cordon').parentElement!.dataset.denied).toBe('true');

    button('selection-clear').click();
    await until(() => expect(document.querySelector('[data-testid="selection-bar"]')).toBeNull());
  });

  it('says so when a cluster could not be read, and shows a viewer no selection', async () => {
    session.user = { username: 'v', role: 'viewer', clusters: null } as unknown as User;
    navigate('/nodes', {});
    list.mockImplementation(async () => ({
      ...answer(undefined),
      items: PROD,
      errors: { lab: 'connection refused' },
    }));
    await render();
    await until(() => expect(text('banner-unreadable')).toContain('Cluster lab could not be read'));
    expect(text('banner-unreadable')).toContain('connection refused');
    expect(document.querySelector('[data-testid="node-select"]')).toBeNull();
  });
});
