import { describe, expect, it } from 'vitest';
import { mount, type VueWrapper } from '@vue/test-utils';
import type { NodeRow } from '../api/types';
import { COLUMNS, renderContext } from './columns';
import { rowColumnStyle, type RowColumn } from './NodeRowCells';
import NodeTable, { type HeaderColumn } from './NodeTable.vue';

function node(i: number): NodeRow {
  const name = `node-${String(i).padStart(4, '0')}`;
  return {
    key: `prod/${name}`,
    cluster: 'prod',
    name,
    uid: `u${i}`,
    resourceVersion: '1',
    status: 'Ready',
    schedulable: true,
    unschedulable: false,
    roles: ['worker'],
    internalIP: `10.0.${i >> 8}.${i & 255}`,
    labels: {},
    taints: [],
    capacity: { cpu: '8', memory: '32Gi', pods: '110' },
    allocatable: { cpu: '8', memory: '32Gi', pods: '110' },
    podCount: 3,
    kubeletVersion: 'v1.31.4',
    createdAt: '2024-04-01T00:00:00Z',
    conditions: [],
  };
}

const shown = COLUMNS.filter((c) => c.id === 'name' || c.id === 'status' || c.id === 'pods');
const headers: HeaderColumn[] = [
  { key: 'select', title: '', sortable: false, width: 44, style: rowColumnStyle(44) },
  ...shown.map((c) => ({
    key: c.id,
    title: c.id,
    sortable: !!c.sort,
    width: c.width,
    style: rowColumnStyle(c.width, c.flexGrow),
  })),
];
const columns: RowColumn[] = [
  { def: 'select', key: 'select', style: rowColumnStyle(44) },
  ...shown.map((c) => ({ def: c, key: c.id, style: rowColumnStyle(c.width, c.flexGrow) })),
];
const ctx = renderContext(
  (k) => k,
  () => undefined,
  Date.parse('2024-05-02T00:00:00Z'),
);

function mountTable(rows: NodeRow[], extra: Record<string, unknown> = {}) {
  return mount(NodeTable, {
    attachTo: document.body,
    props: {
      rows,
      headers,
      columns,
      ctx,
      selected: new Set<string>(),
      selectable: true,
      allSelected: false,
      someSelected: false,
      sortKey: 'name',
      sortOrder: 'asc' as const,
      rowClass: () => '',
      ...extra,
    },
    slots: { empty: '<p data-testid="empty">nothing here</p>' },
  });
}

/** Rows in display order: by their position, not their DOM order. */
function displayed(w: VueWrapper) {
  return w
    .findAll('[data-testid="node-row"]')
    .map((r) => ({ index: Number(r.attributes('aria-rowindex')) - 2, name: r.attributes('data-node-name') }))
    .sort((a, b) => a.index - b.index);
}

async function scrollTo(w: VueWrapper, top: number) {
  const el = w.find('.knm-vt').element as HTMLElement;
  el.scrollTop = top;
  await w.find('.knm-vt').trigger('scroll');
}

describe('node table', () => {
  const rows = Array.from({ length: 5000 }, (_, i) => node(i));

  it('renders a window of a few dozen rows out of 5,000, in order, and a body as tall as all of them', () => {
    const w = mountTable(rows);
    const d = displayed(w);
    expect(d.length).toBeGreaterThan(10);
    expect(d.length).toBeLessThan(60);
    expect(d[0]).toEqual({ index: 0, name: 'node-0000' });
    expect(d.map((r) => r.index)).toEqual(d.map((_, i) => i));
    expect((w.find('.knm-vt-body').element as HTMLElement).style.height).toBe('200000px');
    w.unmount();
  });

  it('shows the rows of the scrolled-to position and reports the rendered range', async () => {
    const w = mountTable(rows);
    await scrollTo(w, 100 * 40);
    const d = displayed(w);
    expect(d.some((r) => r.name === 'node-0100')).toBe(true);
    expect(d.every((r) => r.name === rows[r.index]!.name)).toBe(true);
    const ranges = w.emitted('rendered') as [number, number][];
    const [start, end] = ranges.at(-1)!;
    expect(start).toBeLessThanOrEqual(100);
    expect(end).toBeGreaterThanOrEqual(110);
    expect(end - start + 1).toBe(d.length);
    w.unmount();
  });

  it('keeps the elements of rows still in view when scrolling by a few rows', async () => {
    const w = mountTable(rows);
    await scrollTo(w, 40 * 40);
    const before = new Map(
      w.findAll('[data-testid="node-row"]').map((r) => [r.attributes('data-node-name'), r.element]),
    );
    await scrollTo(w, 43 * 40);
    const after = w.findAll('[data-testid="node-row"]');
    const kept = after.filter((r) => before.get(r.attributes('data-node-name')) === r.element);
    // Three rows left the window and three entered; every other row is the very same element.
    expect(after.length).toBe(before.size);
    expect(kept.length).toBe(after.length - 3);
    w.unmount();
  });

  it('sorts from a header click or the keyboard, and marks the sorted column', async () => {
    const w = mountTable(rows, { sortKey: 'name', sortOrder: 'desc' });
    const name = w.find('[role="columnheader"][data-column="name"]');
    expect(name.attributes('aria-sort')).toBe('descending');
    expect(w.find('[role="columnheader"][data-column="status"]').attributes('aria-sort')).toBe('none');
    await name.trigger('click');
    await w.find('[role="columnheader"][data-column="pods"]').trigger('keydown', { key: 'Enter' });
    expect(w.emitted('sort')).toEqual([['name'], ['pods']]);
    // The selection column is not sortable.
    await w.find('[role="columnheader"][data-column="select"]').trigger('click');
    expect(w.emitted('sort')).toHaveLength(2);
    w.unmount();
  });

  it('reports row checkbox changes and the select-all box', async () => {
    const w = mountTable(rows.slice(0, 5), { selected: new Set(['prod/node-0002']), someSelected: true });
    const boxes = w.findAll<HTMLInputElement>('[data-testid="node-select"]');
    expect(boxes.filter((b) => b.element.checked)).toHaveLength(1);
    const third = w.find<HTMLInputElement>('[data-node-name="node-0003"] [data-testid="node-select"]');
    third.element.checked = true;
    await third.trigger('change');
    expect(w.emitted('toggle')).toEqual([['prod/node-0003', true, false]]);
    await w.find('[data-testid="node-select-all"] input').setValue(true);
    expect(w.emitted('toggleAll')).toEqual([[true]]);
    w.unmount();
  });

  it('shows the empty slot, under the header, when there are no rows', () => {
    const w = mountTable([]);
    expect(w.find('[data-testid="node-row"]').exists()).toBe(false);
    expect(w.find('[data-testid="empty"]').text()).toBe('nothing here');
    expect(w.findAll('[role="columnheader"]')).toHaveLength(headers.length);
    w.unmount();
  });
});
