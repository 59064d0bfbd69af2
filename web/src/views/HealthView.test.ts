import { describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createI18n } from 'vue-i18n';
import en from '../i18n/en';
import { installElement } from '../element';
import type { FleetHealth } from '../api/health';

const fleet = vi.fn();
vi.mock('../api/health', () => ({ health: { fleet: (q: unknown) => fleet(q) } }));
vi.mock('../api/endpoints', () => ({ clusters: { list: async () => ({ items: [] }) } }));

const HealthView = (await import('./HealthView.vue')).default;

const answer: FleetHealth = {
  from: '2026-03-01T00:00:00.000Z',
  to: '2026-03-02T00:00:00.000Z',
  pool: 'pool',
  unhealthy: [
    { cluster: 'c1', node: 'n-down', kinds: ['NotReady', 'DiskPressure'], since: '2026-03-01T20:00:00.000Z' },
  ],
  flapping: [{ cluster: 'c1', node: 'n-flap', transitions: 6, unhealthy: false }],
  flapThreshold: 3,
  longestOutages: [
    {
      cluster: 'c1',
      node: 'n-down',
      kind: 'NotReady',
      start: '2026-03-01T20:00:00.000Z',
      durationMs: 4 * 3600_000,
    },
  ],
  groups: [
    {
      cluster: 'c1',
      pool: 'big',
      nodes: 4,
      outages: 6,
      recovered: 5,
      mttrMs: 3_600_000,
      downMs: 8 * 3600_000,
      availability: 0.9166,
    },
  ],
  truncated: false,
};

describe('Health page', () => {
  it('shows groups, unhealthy, flapping and longest outages with links into the node list', async () => {
    fleet.mockResolvedValue(answer);
    const w = mount(HealthView, {
      global: {
        plugins: [createI18n({ legacy: false, locale: 'en', messages: { en } }), { install: installElement }],
      },
    });
    await flushPromises();
    expect(fleet).toHaveBeenCalledWith(expect.objectContaining({ flapping: 3 }));
    const text = w.text();
    expect(text).toContain('91.66 %');
    expect(text).toContain('1 h 0 m');
    expect(w.find('[data-testid="health-unhealthy"]').text()).toContain('Not ready, Disk pressure');
    expect(w.find('[data-testid="health-flapping-nodes"]').text()).toContain('n-flap');
    expect(w.find('[data-testid="health-longest"]').text()).toContain('ongoing');
    const links = w.findAll('a').map((a) => a.attributes('href'));
    expect(links).toContain('#/nodes?cluster=c1&search=n-flap');
    expect(links).toContain('#/nodes?cluster=c1&selector=pool%3Dbig');
    w.unmount();
  });
});
