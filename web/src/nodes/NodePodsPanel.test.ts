import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createI18n } from 'vue-i18n';
import en from '../i18n/en';
import { installElement } from '../element';
import type { DrainPreview, PodSummary, User } from '../api/types';

const pods = vi.fn();
const drainPreview = vi.fn();
vi.mock('../api/endpoints', () => ({
  nodes: {
    pods: (c: string, n: string, q: unknown) => pods(c, n, q),
    drainPreview: (c: string, n: string, o: unknown) => drainPreview(c, n, o),
  },
}));
const { session } = await import('../session');
const NodePodsPanel = (await import('./NodePodsPanel.vue')).default;

const pod = (over: Partial<PodSummary>): PodSummary => ({
  namespace: 'shop',
  name: 'p',
  uid: over.name ?? 'p',
  phase: 'Running',
  ready: '1/1',
  restarts: 0,
  ...over,
});

const PODS: PodSummary[] = [
  pod({
    name: 'web-7d9c5-abcde',
    ownerKind: 'ReplicaSet',
    ownerName: 'web-7d9c5',
    workload: { kind: 'Deployment', name: 'web' },
  }),
  pod({
    name: 'web-7d9c5-fghij',
    ownerKind: 'ReplicaSet',
    ownerName: 'web-7d9c5',
    workload: { kind: 'Deployment', name: 'web' },
  }),
  pod({ name: 'db-0', ownerKind: 'StatefulSet', ownerName: 'db' }),
  pod({ namespace: 'kube-system', name: 'fluentd-x1', ownerKind: 'DaemonSet', ownerName: 'fluentd' }),
  pod({ name: 'debug' }),
];

const PREVIEW: DrainPreview = {
  node: 'n1',
  wouldSucceed: false,
  pods: [
    {
      namespace: 'shop',
      name: 'web-7d9c5-abcde',
      action: 'evict',
      cause: 'removable',
      reason: 'will be evicted',
    },
    {
      namespace: 'shop',
      name: 'web-7d9c5-fghij',
      action: 'evict',
      cause: 'removable',
      reason: 'will be evicted',
    },
    {
      namespace: 'shop',
      name: 'db-0',
      action: 'blocked',
      cause: 'pdb',
      reason: 'PodDisruptionBudget shop/db allows no disruption now',
    },
    {
      namespace: 'kube-system',
      name: 'fluentd-x1',
      action: 'skip',
      cause: 'daemonset',
      reason: 'DaemonSet-managed pod, ignored',
    },
    {
      namespace: 'shop',
      name: 'debug',
      action: 'blocked',
      cause: 'unmanaged',
      reason: 'pod declares no controller (set force to delete it)',
    },
  ],
};

const user = (role: User['role']): User => ({
  id: 'u1',
  username: 'rita',
  role,
  clusters: null,
  canOverrideGuard: false,
  canOverrideSystemLabels: false,
});

async function mountIt(active = true): Promise<VueWrapper> {
  const i18n = createI18n({ legacy: false, locale: 'en', messages: { en } });
  const w = mount(NodePodsPanel, {
    props: { cluster: 'prod', name: 'n1', active },
    global: { plugins: [i18n, { install: installElement }], stubs: { teleport: true } },
  });
  await flushPromises();
  return w;
}
const rowNames = (w: VueWrapper) => w.findAll('.el-table__body tr').map((r) => r.findAll('td')[1]!.text());
const filter = async (w: VueWrapper, text: string) => {
  await w.find('input[data-testid="pods-filter"], [data-testid="pods-filter"] input').setValue(text);
  await flushPromises();
};

beforeEach(() => {
  pods.mockReset().mockResolvedValue({ items: PODS });
  drainPreview.mockReset().mockResolvedValue(PREVIEW);
  session.user = user('operator');
});
afterEach(() => {
  session.user = null;
});

describe('Pods on a node', () => {
  it('reads nothing from the cluster until the panel is first shown', async () => {
    const w = await mountIt(false);
    expect(pods).not.toHaveBeenCalled();
    expect(drainPreview).not.toHaveBeenCalled();
    await w.setProps({ active: true });
    await flushPromises();
    expect(pods).toHaveBeenCalledTimes(1);
    expect(rowNames(w)).toHaveLength(5);
    await w.setProps({ active: false });
    await w.setProps({ active: true });
    await flushPromises();
    expect(pods).toHaveBeenCalledTimes(1);
  });

  it('says what a drain would do with each pod and why, from the server’s drain preview', async () => {
    const w = await mountIt();
    expect(drainPreview).toHaveBeenCalledWith('prod', 'n1', { ignoreDaemonSets: true });
    const drain = w.findAll('[data-testid="pod-drain"]');
    expect(drain.map((d) => [d.find('.el-tag').text(), d.find('.knm-node-pods-cause').text()])).toEqual([
      ['Evict', 'Removable'],
      ['Evict', 'Removable'],
      ['Blocked', 'PodDisruptionBudget'],
      ['Skip', 'DaemonSet'],
      ['Blocked', 'No controller'],
    ]);
    expect(drain[2]!.attributes('title')).toContain('allows no disruption');
    const summary = w.find('[data-testid="pods-drain-summary"]').text();
    expect(summary).toContain('the drain would stop');
    expect(summary).toContain('2 to evict');
    expect(summary).toContain('2 blocked');
  });

  it('filters by words over name, namespace, owner and drain outcome', async () => {
    const w = await mountIt();
    expect(rowNames(w)).toHaveLength(5);
    await filter(w, 'blocked');
    expect(rowNames(w)).toEqual(['db-0', 'debug']);
    await filter(w, 'kube-system');
    expect(rowNames(w)).toEqual(['fluentd-x1']);
    await filter(w, 'deployment web');
    expect(rowNames(w)).toEqual(['web-7d9c5-abcde', 'web-7d9c5-fghij']);
    await filter(w, 'nothing-like-this');
    expect(rowNames(w)).toEqual([]);
    expect(w.text()).toContain('No pod matches the filter');
    expect(w.find('[data-testid="pods-count"]').text()).toBe('0 of 5 pods');
  });

  it('shows a ReplicaSet’s Deployment as the owner, and clicking an owner narrows the list to it', async () => {
    const w = await mountIt();
    const owners = w.findAll('[data-testid="pod-owner"]');
    expect(owners.map((o) => o.text())).toEqual([
      'Deployment/web',
      'Deployment/web',
      'StatefulSet/db',
      'DaemonSet/fluentd',
    ]);
    expect(owners[0]!.attributes('title')).toContain('ReplicaSet web-7d9c5');
    expect(w.text()).toContain('No controller');
    await owners[0]!.trigger('click');
    await flushPromises();
    expect(rowNames(w)).toEqual(['web-7d9c5-abcde', 'web-7d9c5-fghij']);
    expect(w.find('[data-testid="pods-owner-filter"]').text()).toContain('Owner: Deployment/web');
    await w.find('[data-testid="pods-owner-filter"] .el-tag__close').trigger('click');
    await flushPromises();
    expect(rowNames(w)).toHaveLength(5);
  });

  it('a viewer sees the pods and owners, and why the drain column is not there', async () => {
    session.user = user('viewer');
    const w = await mountIt();
    expect(drainPreview).not.toHaveBeenCalled();
    expect(w.findAll('[data-testid="pod-drain"]')).toHaveLength(0);
    expect(w.find('[data-testid="pods-drain-note"]').text()).toContain('operators and admins');
    expect(rowNames(w)).toHaveLength(5);
  });

  it('a preview the server refuses is said, and the pods are still listed', async () => {
    const { ApiError } = await import('../api/http');
    drainPreview.mockRejectedValue(new ApiError(403, 'KubeForbidden', 'cannot list poddisruptionbudgets'));
    const w = await mountIt();
    expect(w.find('[data-testid="pods-drain-note"]').text()).toContain('cannot list poddisruptionbudgets');
    expect(rowNames(w)).toHaveLength(5);
  });
});
