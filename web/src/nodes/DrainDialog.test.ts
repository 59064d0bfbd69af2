import { beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createI18n } from 'vue-i18n';
import en from '../i18n/en';
import zhCN from '../i18n/zh-CN';
import { installElement } from '../element';
import type { DrainPreview, NodeRow } from '../api/types';

const drainPreview = vi.fn();
vi.mock('../api/endpoints', () => ({
  nodes: { drainPreview: (...a: unknown[]) => drainPreview(...a) },
  jobs: {},
  templates: {},
}));

const DrainDialog = (await import('./DrainDialog.vue')).default;

function plugins(locale: 'en' | 'zh-CN' = 'en') {
  const i18n = createI18n({ legacy: false, locale, messages: { en, 'zh-CN': zhCN } });
  return [i18n, { install: installElement }];
}

const node = { cluster: 'c1', name: 'n1' } as NodeRow;

const pods: DrainPreview['pods'] = [
  { namespace: 'web', name: 'web-1', action: 'evict', reason: 'will be evicted', cause: 'removable' },
  { namespace: 'web', name: 'web-2', action: 'evict', reason: 'will be evicted', cause: 'removable' },
  {
    namespace: 'jobs',
    name: 'done-1',
    action: 'evict',
    reason: 'finished (Succeeded); always removable',
    cause: 'finished',
  },
  {
    namespace: 'kube-system',
    name: 'fluentd-x',
    action: 'skip',
    reason: 'DaemonSet-managed pod, ignored',
    cause: 'daemonset',
  },
  {
    namespace: 'db',
    name: 'pg-0',
    action: 'blocked',
    reason: 'evicting it would violate PodDisruptionBudget "pg"',
    cause: 'pdb',
  },
  {
    namespace: 'cache',
    name: 'redis-1',
    action: 'blocked',
    reason: 'pod has local storage (set deleteEmptyDirData to delete it)',
    cause: 'emptydir',
  },
  {
    namespace: 'cache',
    name: 'redis-2',
    action: 'blocked',
    reason: 'pod has local storage (set deleteEmptyDirData to delete it)',
    cause: 'emptydir',
  },
];

async function preview(locale: 'en' | 'zh-CN' = 'en'): Promise<VueWrapper> {
  const w = mount(DrainDialog, {
    props: { modelValue: true, targets: [node] },
    global: { plugins: plugins(locale), stubs: { teleport: true } },
  });
  await flushPromises();
  await w.find('[data-testid="drain-preview"]').trigger('click');
  await flushPromises();
  return w;
}

/** Pod name → the cause tag next to its reason ('' when there is none). */
function causeTags(w: VueWrapper): Record<string, string> {
  const out: Record<string, string> = {};
  for (const row of w.findAll('[data-testid="drain-preview-result"] .el-table__body tr')) {
    const name = pods.find((p) => row.text().includes(p.name))!.name;
    const tag = row.find('[data-testid="drain-cause"]');
    out[name] = tag.exists() ? tag.text() : '';
  }
  return out;
}

beforeEach(() => {
  drainPreview.mockReset();
  drainPreview.mockResolvedValue({ node: 'n1', pods, wouldSucceed: false });
});

describe('DrainDialog dry-run preview', () => {
  it('tags each pod with its cause and counts pods per action and blocking cause', async () => {
    const w = await preview();
    expect(drainPreview).toHaveBeenCalledWith(
      'c1',
      'n1',
      expect.objectContaining({ ignoreDaemonSets: true }),
    );

    expect(causeTags(w)).toEqual({
      'web-1': '',
      'web-2': '',
      'done-1': 'Finished',
      'fluentd-x': 'DaemonSet',
      'pg-0': 'PodDisruptionBudget',
      'redis-1': 'emptyDir',
      'redis-2': 'emptyDir',
    });
    // The reason in words stays next to the tag.
    const pg = w.findAll('.el-table__body tr').find((r) => r.text().includes('pg-0'))!;
    expect(pg.find('[data-testid="drain-reason"]').text()).toContain('PodDisruptionBudget "pg"');

    expect(w.find('[data-testid="drain-summary"]').text()).toBe('3 to evict · 1 skipped · 3 blocked');
    expect(w.find('[data-testid="drain-blocked-causes"]').text()).toBe(
      'Blocked by: emptyDir (2), PodDisruptionBudget (1)',
    );
  });

  it('names no blocking causes when nothing is blocked', async () => {
    drainPreview.mockResolvedValue({
      node: 'n1',
      pods: pods.filter((p) => p.action !== 'blocked'),
      wouldSucceed: true,
    });
    const w = await preview();
    expect(w.find('[data-testid="drain-summary"]').text()).toBe('3 to evict · 1 skipped');
    expect(w.find('[data-testid="drain-blocked-causes"]').exists()).toBe(false);
  });

  it('shows a cause this console has no words for as its code', async () => {
    drainPreview.mockResolvedValue({
      node: 'n1',
      pods: [{ namespace: 'a', name: 'web-1', action: 'blocked', reason: 'new rule', cause: 'quota' }],
      wouldSucceed: false,
    });
    const w = await preview();
    expect(causeTags(w)).toEqual({ 'web-1': 'quota' });
    expect(w.find('[data-testid="drain-blocked-causes"]').text()).toBe('Blocked by: quota (1)');
  });

  it('speaks Simplified Chinese', async () => {
    const w = await preview('zh-CN');
    expect(causeTags(w)['fluentd-x']).toBe('DaemonSet');
    expect(causeTags(w)['done-1']).toBe('已结束');
    expect(w.find('[data-testid="drain-summary"]').text()).toBe('3 个待驱逐 · 1 个跳过 · 3 个受阻');
    expect(w.find('[data-testid="drain-blocked-causes"]').text()).toBe(
      '受阻原因：emptyDir（2），PodDisruptionBudget（1）',
    );
  });
});
