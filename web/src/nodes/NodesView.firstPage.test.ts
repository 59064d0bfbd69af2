// The node screen's first load at thousands of nodes: the first screen comes from one small page of the API,
// asked for in the table's own order and filters, and the count says how many the server matched; the rest of
// the rows replace it without moving the rows on screen.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mount, type VueWrapper } from '@vue/test-utils';
import { createI18n } from 'vue-i18n';
import en from '../i18n/en';
import { installElement } from '../element';
import type { ClusterInfo, NodeList, NodeRow } from '../api/types';
import { nodeRow } from '../testing/nodeRow';

const list = vi.fn<(q: Record<string, unknown>) => Promise<NodeList>>();
vi.mock('../api/endpoints', () => ({
  nodes: { list: (q: Record<string, unknown>) => list(q), get: () => new Promise(() => undefined) },
  clusters: {
    list: async () => ({ items: [{ name: 'prod', state: 'synced', nodeCount: 3000 } as ClusterInfo] }),
    permissions: async () => ({ checked: false, operations: [] }),
  },
  jobs: {},
  templates: {},
}));

location.hash = '#/nodes?sort=-memory';
const NodesView = (await import('./NodesView.vue')).default;
const { session } = await import('../session');

const N = 3000;
function node(i: number): NodeRow {
  const memory = `${8 + (i % 50)}Gi`;
  return nodeRow('prod', `node-${i}`, {
    uid: `u-${i}`,
    capacity: { cpu: '8', memory, pods: '110' },
    allocatable: { cpu: '8', memory, pods: '110' },
    createdAt: '2026-01-01T00:00:00Z',
  });
}
const ALL = Array.from({ length: N }, (_, i) => node(i));
/** The server's order for `-allocatable.memory`: largest first, then by name (one cluster). */
const collator = new Intl.Collator(undefined, { numeric: true });
const BY_MEMORY = [...ALL].sort(
  (a, b) =>
    parseInt(b.allocatable.memory!) - parseInt(a.allocatable.memory!) || collator.compare(a.name, b.name),
);
const meta = { source: 'cache' as const, degraded: false, clusters: { prod: 'synced' as const } };

const until = (check: () => void) => vi.waitFor(check, { timeout: 15_000, interval: 20 });
const rowNames = () =>
  [...document.querySelectorAll<HTMLElement>('[data-testid="node-row"]')]
    .sort((a, b) => Number(a.getAttribute('aria-rowindex')) - Number(b.getAttribute('aria-rowindex')))
    .map((r) => r.dataset.nodeName);
const text = (testid: string) => document.querySelector(`[data-testid="${testid}"]`)?.textContent?.trim();

let wrapper: VueWrapper | null = null;
afterEach(() => {
  wrapper?.unmount();
  wrapper = null;
  document.body.innerHTML = '';
});

describe('NodesView first page', { timeout: 90_000 }, () => {
  it('shows the first page in the order asked for, with the server count, then every row without moving the top', async () => {
    session.user = { username: 'op', role: 'operator', clusters: null } as never;
    let releaseRest: () => void = () => undefined;
    const rest = new Promise<void>((r) => (releaseRest = r));
    list.mockImplementation(async (q) => {
      if (q.sort === '-allocatable.memory' && q.limit === 100)
        return { ...meta, items: BY_MEMORY.slice(0, 100), total: N, continue: 'next' };
      // The rest (here over HTTP: no socket in this test) arrives only when the test lets it.
      await rest;
      return { ...meta, items: ALL, total: N };
    });
    const i18n = createI18n({ legacy: false, locale: 'en', messages: { en } });
    wrapper = mount(NodesView, {
      global: { plugins: [i18n, { install: installElement }] },
      attachTo: document.body,
    });

    await until(() => expect(rowNames().length).toBeGreaterThan(5));
    const top = rowNames();
    expect(top).toEqual(BY_MEMORY.slice(0, top.length).map((n) => n.name));
    expect(text('node-count')).toBe(`${N} of ${N} nodes`);
    expect(document.querySelector('[data-testid="node-table"]')!.getAttribute('data-complete')).toBe('false');
    expect(list.mock.calls[0]![0]).toMatchObject({ sort: '-allocatable.memory', limit: 100 });

    releaseRest();
    await until(() =>
      expect(document.querySelector('[data-testid="node-table"]')!.getAttribute('data-complete')).toBe(
        'true',
      ),
    );
    expect(rowNames().slice(0, top.length)).toEqual(top);
    expect(text('node-count')).toBe(`${N} of ${N} nodes`);
    expect(document.querySelector('.knm-vt')!.getAttribute('aria-rowcount')).toBe(String(N + 1));
  });
});
