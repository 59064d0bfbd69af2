import { describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createI18n } from 'vue-i18n';
import en from '../i18n/en';
import zh from '../i18n/zh-CN';
import { installElement } from '../element';
import type { FleetOverview } from '../overview/api';

const answer: FleetOverview = {
  at: '2026-01-01T00:00:00Z',
  hiddenClusters: { secret: 'the cluster refused: list nodes' },
  clusters: [
    {
      cluster: 'prod-eu',
      state: 'synced',
      runningJobs: 2,
      nodes: { total: 300, ready: 295, notReady: 3, unknown: 2, cordoned: 4, underPressure: 1 },
    },
    { cluster: 'lab', state: 'unreachable', runningJobs: 0, lastError: 'dial tcp: connection refused' },
  ],
};
vi.mock('../overview/api', () => ({ fetchOverview: vi.fn(async () => answer) }));
const OverviewView = (await import('./OverviewView.vue')).default;

function render(locale = 'en') {
  const i18n = createI18n({ legacy: false, locale, messages: { en, 'zh-CN': zh } });
  return mount(OverviewView, { global: { plugins: [i18n, { install: installElement }] } });
}

describe('fleet overview', () => {
  it('shows each cluster’s counts, each a link into the node list filtered to exactly those nodes', async () => {
    const w = render();
    await flushPromises();
    const card = w.find('[data-cluster="prod-eu"]');
    const link = (k: string) => card.find(`[data-testid="overview-${k}"]`);
    expect(link('notReady').text()).toBe('3');
    expect(link('notReady').attributes('href')).toBe('#/nodes?cluster=prod-eu&status=NotReady');
    expect(link('cordoned').attributes('href')).toBe('#/nodes?cluster=prod-eu&schedulable=false');
    expect(decodeURIComponent(link('underPressure').attributes('href')!)).toBe(
      '#/nodes?cluster=prod-eu&condition=MemoryPressure|DiskPressure|PIDPressure|NetworkUnavailable',
    );
    expect(link('runningJobs').text()).toBe('2');
    expect(card.find('[data-testid="overview-state"]').text()).toBe('Synced');
    // No invented zeros for a cluster that never listed its nodes; its error is shown.
    const lab = w.find('[data-cluster="lab"]');
    expect(lab.find('[data-testid="overview-total"]').exists()).toBe(false);
    expect(lab.text()).toContain('connection refused');
    expect(w.text()).toContain('Cluster secret does not let you list its nodes');
    // Headings: one page title, one per cluster.
    expect(w.findAll('h1')).toHaveLength(1);
    expect(w.findAll('h2').map((h) => h.text())).toEqual(['prod-eu', 'lab']);
    w.unmount();
  });

  it('speaks Chinese', async () => {
    const w = render('zh-CN');
    await flushPromises();
    expect(w.find('h1').text()).toBe('集群总览');
    expect(w.text()).toContain('资源压力');
    w.unmount();
  });
});
