// Node usage in the console: the table's CPU/memory cells show used / requested / limits with bars, a dash
// (never 0 %) where usage is unknown, sort unknown last and filter with the API's syntax; the drawer's chart
// draws the last hour from the usage endpoint and says when the cluster has no metrics API.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createI18n } from 'vue-i18n';
import en from '../i18n/en';
import zhCN from '../i18n/zh-CN';
import { installElement } from '../element';
import type { NodeRow, NodeUsageHistory } from '../api/types';
import { COLUMNS, renderContext } from './columns';
import { compareRows, compileFilter, emptyFilter } from './filter';

const answers = vi.fn<(path: string) => Promise<unknown>>();
vi.mock('../api/http', async (orig) => ({
  ...(await orig<typeof import('../api/http')>()),
  get: (path: string) => answers(path),
}));

const NodeUsageChart = (await import('./NodeUsageChart.vue')).default;

const base = {
  uid: 'u',
  resourceVersion: '1',
  status: 'Ready' as const,
  schedulable: true,
  unschedulable: false,
  roles: [],
  labels: {},
  taints: [],
  capacity: { cpu: '4', memory: '16Gi' },
  allocatable: { cpu: '4', memory: '16Gi' },
  podCount: 3,
  createdAt: '2026-01-01T00:00:00Z',
  conditions: [],
};
const hot: NodeRow = {
  ...base,
  cluster: 'a',
  name: 'hot',
  cpuUsed: 0.93,
  memUsed: 0.5,
  cpuRequested: 0.6,
  memRequested: 0.4,
  cpuLimits: 1.2,
  memLimits: 0.8,
};
const idle: NodeRow = { ...hot, name: 'idle', cpuUsed: 0.05, cpuRequested: 0.1 };
const unknown: NodeRow = {
  ...hot,
  cluster: 'b',
  name: 'dark',
  cpuUsed: null,
  memUsed: null,
  cpuRequested: 0.3,
  memRequested: 0.2,
};

const ctx = renderContext(
  (k) => k.replace('nodes.', ''),
  () => {},
  Date.now(),
);
const cell = (id: string, n: NodeRow) => {
  const div = document.createElement('div');
  div.innerHTML = COLUMNS.find((c) => c.id === id)!.render(n, ctx);
  return div;
};

describe('usage columns', () => {
  it('show the used share, three bars and every value on hover; unknown usage is a dash', () => {
    const c = cell('cpuUse', hot);
    expect(c.querySelector('.knm-usage-text')!.textContent).toBe('93%');
    expect(c.querySelectorAll('.knm-bar')).toHaveLength(3);
    expect(c.querySelector('.knm-bar-used')!.classList).toContain('knm-bar-hot');
    expect(c.querySelector('.knm-bar-lim')!.classList).toContain('knm-bar-over');
    expect(c.querySelector('[data-testid="node-cpu-use"]')!.getAttribute('title')).toBe(
      'used 93% · requested 60% · limits 120%',
    );
    const d = cell('cpuUse', unknown);
    expect(d.querySelector('.knm-usage-text')!.textContent).toBe('–');
    expect(d.textContent).not.toContain('0%');
    expect(d.querySelectorAll('.knm-bar')).toHaveLength(2);
    expect(cell('cpuReq', unknown).textContent).toBe('30% / 120%');
  });

  it('sort by use puts unknown last in both directions and filter with the server syntax', () => {
    const rows = [unknown, idle, hot];
    const by = (desc: boolean) => [...rows].sort((a, b) => compareRows(a, b, { key: 'cpuUsed', desc }));
    expect(by(true).map((r) => r.name)).toEqual(['hot', 'idle', 'dark']);
    expect(by(false).map((r) => r.name)).toEqual(['idle', 'hot', 'dark']);
    const f = compileFilter({ ...emptyFilter(), usage: 'cpuUsed>90%' });
    expect(rows.filter(f.match).map((r) => r.name)).toEqual(['hot']);
    const bad = compileFilter({ ...emptyFilter(), usage: 'cpuHot>1' });
    expect(bad.errors.usage).toMatch(/unknown usage field/);
  });
});

function mountChart() {
  const i18n = createI18n({ legacy: false, locale: 'en', messages: { en, 'zh-CN': zhCN } });
  return mount(NodeUsageChart, {
    props: { cluster: 'a', name: 'hot' },
    global: { plugins: [i18n, { install: installElement }] },
  });
}

afterEach(() => answers.mockReset());

describe('drawer usage chart', () => {
  it('draws the last hour of CPU and memory with the requested line, leaving gaps for missing samples', async () => {
    const t0 = Date.UTC(2026, 0, 1);
    const history: NodeUsageHistory = {
      cluster: 'a',
      name: 'hot',
      intervalMs: 30_000,
      usage: { available: true },
      allocatable: { cpu: 4000, memory: 16 * 2 ** 30 },
      requests: { cpuRequest: 2400, memRequest: 4 * 2 ** 30, cpuLimit: 4800, memLimit: 8 * 2 ** 30 },
      points: Array.from({ length: 120 }, (_, i) => ({
        t: t0 + i * 30_000,
        cpu: i === 50 ? null : 1000 + i * 10,
        memory: i === 50 ? null : 8 * 2 ** 30,
      })),
    };
    answers.mockResolvedValue(history);
    const w = mountChart();
    await flushPromises();
    expect(answers).toHaveBeenCalledWith('/clusters/a/nodes/hot/usage');
    const cpu = w.get('[data-testid="usage-series-cpu"]');
    // Last sample 1000 + 119 × 10 = 2190 m of 4000 m.
    expect(cpu.get('[data-testid="usage-latest"]').text()).toBe('55%');
    expect(cpu.text()).toContain('requested 60%');
    const d = cpu.get('[data-testid="usage-line"]').attributes('d')!;
    // One move at the start and one after the gap.
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d.match(/L/g)).toHaveLength(117);
    expect(w.get('[data-testid="usage-series-memory"] [data-testid="usage-latest"]').text()).toBe('50%');
    w.unmount();
  });

  it('says why there is no usage instead of drawing zeros', async () => {
    answers.mockResolvedValue({
      cluster: 'b',
      name: 'dark',
      intervalMs: 30_000,
      usage: { available: false, reason: 'usage unavailable: metrics.k8s.io not served' },
      allocatable: { cpu: 4000, memory: 2 ** 34 },
      requests: null,
      points: [],
    } satisfies NodeUsageHistory);
    const w = mountChart();
    await flushPromises();
    expect(w.get('[data-testid="usage-unavailable"]').text()).toContain('metrics.k8s.io not served');
    expect(w.find('[data-testid="usage-line"]').exists()).toBe(false);
    w.unmount();
  });
});
