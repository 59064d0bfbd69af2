// The node drawer as a user reads it: the node's conditions and taints, its labels, pods read when their tab
// is opened, and actions that emit what the user pressed — or are absent for a node that was deleted.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createI18n } from 'vue-i18n';
import en from '../i18n/en';
import { installElement } from '../element';
import type { NodeRow, PodSummary, User } from '../api/types';
import { session } from '../session';
import { resetPermissions } from '../stores/permissions';

const pods = vi.fn<(cluster: string, name: string) => Promise<{ items: PodSummary[] }>>();
const get = vi.fn();
vi.mock('../api/endpoints', () => ({
  nodes: {
    get: (c: string, n: string) => get(c, n),
    pods: (c: string, n: string) => pods(c, n),
    events: async () => ({ items: [] }),
  },
  clusters: { permissions: async () => ({ checked: true, checkedAt: '', operations: [] }) },
  jobs: {},
  templates: {},
}));

const NodeDetailDrawer = (await import('./NodeDetailDrawer.vue')).default;

const row = (over: Partial<NodeRow> = {}): NodeRow => ({
  cluster: 'prod',
  name: 'node-7',
  uid: 'u7',
  resourceVersion: '1',
  status: 'NotReady',
  schedulable: false,
  unschedulable: true,
  roles: ['worker'],
  labels: { 'topology.kubernetes.io/zone': 'eu-1a', 'node.kubernetes.io/instance-type': 'm5.large' },
  taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }],
  capacity: { cpu: '8', memory: '32Gi', pods: '110' },
  allocatable: { cpu: '7800m', memory: '30Gi', pods: '110' },
  podCount: 2,
  createdAt: '2026-01-01T00:00:00Z',
  conditions: [
    {
      type: 'Ready',
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
    },
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: '' },
  ],
  ...over,
});

let wrapper: VueWrapper | null = null;
function open(props: { row: NodeRow | null; deleted?: boolean }) {
  const i18n = createI18n({ legacy: false, locale: 'en', messages: { en } });
  wrapper = mount(NodeDetailDrawer, {
    props,
    // The usage chart and health timeline read their own endpoints; they have tests of their own.
    global: {
      plugins: [i18n, { install: installElement }],
      stubs: { NodeUsageChart: true, NodeHealthTimeline: true },
    },
    attachTo: document.body,
  });
  return wrapper;
}

const $ = (sel: string) => document.querySelector<HTMLElement>(sel);
const tableRows = (testid: string) =>
  [...document.querySelectorAll(`[data-testid="${testid}"] .el-table__body tr`)].map((tr) =>
    [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim()),
  );
async function openTab(name: string) {
  $(`#tab-${name}`)!.click();
  await flushPromises();
}

beforeEach(() => {
  session.user = { username: 'op', role: 'operator', clusters: null } as unknown as User;
  resetPermissions();
  get.mockReset();
  get.mockResolvedValue({ ...row(), annotations: { 'a/b': 'c' }, addresses: [], systemInfo: {} });
  pods.mockReset();
  pods.mockResolvedValue({
    items: [
      { namespace: 'shop', name: 'web-1', phase: 'Running', ownerKind: 'ReplicaSet', ownerName: 'web-5d' },
    ],
  });
});

afterEach(() => {
  wrapper?.unmount();
  wrapper = null;
  document.body.innerHTML = '';
});

describe('NodeDetailDrawer', () => {
  it("shows the node's conditions, taints and labels", async () => {
    open({ row: row() });
    await flushPromises();
    expect($('[data-testid="drawer-node-name"]')!.textContent).toBe('node-7');
    expect($('.knm-drawer-title')!.textContent).toContain('Cordoned');

    await openTab('conditions');
    const conditions = [...document.querySelectorAll('.el-tab-pane#pane-conditions .el-table__body tr')].map(
      (tr) => [...tr.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent!.trim()),
    );
    expect(conditions).toEqual([
      ['Ready', 'Unknown', 'NodeStatusUnknown'],
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
    ]);

    await openTab('taints');
    expect($('#tab-taints')!.textContent).toContain('(1)');
    expect(tableRows('drawer-taints')).toEqual([['node.kubernetes.io/unreachable', '', 'NoExecute']]);

    await openTab('labels');
    expect(tableRows('drawer-labels')).toEqual([
      ['node.kubernetes.io/instance-type', 'm5.large'],
      ['topology.kubernetes.io/zone', 'eu-1a'],
    ]);
  });

  it('reads the pods only when their tab is opened, and again for another node', async () => {
    const w = open({ row: row() });
    await flushPromises();
    expect(pods).not.toHaveBeenCalled();
    await openTab('pods');
    expect(pods).toHaveBeenCalledWith('prod', 'node-7');
    expect(tableRows('drawer-pods')[0]!.slice(0, 4)).toEqual([
      'shop',
      'web-1',
      'Running',
      'ReplicaSet/web-5d',
    ]);

    await w.setProps({ row: row({ name: 'node-8', uid: 'u8' }) });
    await flushPromises();
    // Another node opens on its overview; its pods are read when asked for, not the last node's shown.
    expect($('#tab-overview')!.getAttribute('aria-selected')).toBe('true');
    pods.mockResolvedValue({ items: [] });
    await openTab('pods');
    expect(pods).toHaveBeenLastCalledWith('prod', 'node-8');
    expect(tableRows('drawer-pods').flat().join('')).not.toContain('web-1');
  });

  it('offers uncordon on a cordoned node and cordon on a schedulable one, and emits what was pressed', async () => {
    const w = open({ row: row() });
    await flushPromises();
    expect($('[data-testid="action-cordon"]')).toBeNull();
    $('[data-testid="action-uncordon"]')!.click();
    $('[data-testid="action-drain"]')!.click();
    expect(w.emitted('action')!.map(([kind]) => kind)).toEqual(['uncordon', 'drain']);

    await w.setProps({ row: row({ schedulable: true, unschedulable: false }) });
    expect($('[data-testid="action-uncordon"]')).toBeNull();
    expect($('[data-testid="action-cordon"]')).not.toBeNull();
  });

  it('offers no action on a node deleted while open', async () => {
    open({ row: row(), deleted: true });
    await flushPromises();
    expect(document.body.textContent).toContain('deleted');
    expect($('[data-testid="drawer-actions"]')).toBeNull();
  });
});
