// Node table details: Shift-click selects a range, the name column stays put when scrolling sideways, and
// the CPU/memory headers say which numbers they show.
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import type { NodeRow } from '../api/types';
import { i18n } from '../i18n';
import { COLUMNS, renderContext } from './columns';
import { freezeLeading } from './frozenColumns';
import { rowColumnStyle, type RowColumn } from './NodeRowCells';
import NodeTable, { type HeaderColumn } from './NodeTable.vue';
import { toggleWithRange } from './rangeSelection';

const node = (i: number) =>
  ({
    key: `prod/n${i}`,
    cluster: 'prod',
    name: `n${i}`,
    status: 'Ready',
    schedulable: true,
    roles: [],
    labels: {},
    taints: [],
    conditions: [],
    capacity: { cpu: '8', memory: '32Gi', pods: '110' },
    allocatable: { cpu: '7', memory: '30Gi', pods: '110' },
    podCount: 1,
  }) as unknown as NodeRow;

const shown = COLUMNS.filter((c) => ['status', 'name', 'cluster', 'cpu'].includes(c.id));
const headers = freezeLeading<HeaderColumn>(
  [
    { key: 'select', title: '', sortable: false, width: 44, style: rowColumnStyle(44) },
    ...shown.map((c) => ({
      key: c.id,
      title: c.id,
      sortable: !!c.sort,
      width: c.width,
      style: rowColumnStyle(c.width, c.flexGrow),
      ...(c.hint ? { hint: i18n.global.t(c.hint) } : {}),
    })),
  ],
  (h) => h.width,
);
const columns = freezeLeading<RowColumn>(
  [
    { def: 'select', key: 'select', style: rowColumnStyle(44) },
    ...shown.map((c) => ({ def: c, key: c.id, style: rowColumnStyle(c.width, c.flexGrow) })),
  ],
  (c) => (c.def === 'select' ? 44 : c.def.width),
);

function mountTable() {
  return mount(NodeTable, {
    attachTo: document.body,
    props: {
      rows: [1, 2, 3, 4, 5].map(node),
      headers,
      columns,
      ctx: renderContext(
        (k) => k,
        () => undefined,
        Date.now(),
      ),
      selected: new Set<string>(),
      selectable: true,
      allSelected: false,
      someSelected: false,
      sortKey: 'name',
      sortOrder: 'asc' as const,
      rowClass: () => '',
    },
  });
}

describe('shift-click range selection', () => {
  const order = ['a', 'b', 'c', 'd', 'e'];
  it('selects every row between the last clicked one and this one, either direction', () => {
    expect([...toggleWithRange(new Set(['b']), order, 'b', 'd', true, true)].sort()).toEqual(['b', 'c', 'd']);
    expect([...toggleWithRange(new Set(['d']), order, 'd', 'a', true, true)].sort()).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
  });
  it('clears a range the same way, and without Shift or an anchor is a plain toggle', () => {
    expect([...toggleWithRange(new Set(order), order, 'b', 'd', false, true)].sort()).toEqual(['a', 'e']);
    expect([...toggleWithRange(new Set(), order, 'b', 'd', true, false)]).toEqual(['d']);
    expect([...toggleWithRange(new Set(), order, 'gone', 'd', true, true)]).toEqual(['d']);
  });
  it('the table reports whether Shift was held on the checkbox', async () => {
    const w = mountTable();
    const box = (name: string) =>
      w.find<HTMLInputElement>(`[data-node-name="${name}"] [data-testid="node-select"]`).element;
    box('n1').click();
    box('n4').dispatchEvent(new MouseEvent('click', { bubbles: true, shiftKey: true }));
    expect(w.emitted('toggle')).toEqual([
      ['prod/n1', true, false],
      ['prod/n4', true, true],
    ]);
    w.unmount();
  });
});

describe('frozen name column and capacity headers', () => {
  it('keeps the checkbox, status and name cells stuck at their offsets; later columns scroll', () => {
    const w = mountTable();
    const th = (k: string) => w.find<HTMLElement>(`.knm-th[data-column="${k}"]`).element.style;
    expect(th('name').position).toBe('sticky');
    expect(th('name').left).toBe(`${44 + COLUMNS.find((c) => c.id === 'status')!.width}px`);
    expect(th('cluster').position).toBe('');
    const cells = w.find('[data-node-name="n1"]').findAll<HTMLElement>('.knm-td');
    expect(cells.map((c) => c.element.style.position)).toEqual(['sticky', 'sticky', 'sticky', '', '']);
    expect(cells[2]!.element.style.left).toBe(th('name').left);
    w.unmount();
  });
  it('says CPU shows allocatable / capacity, in the header and its tooltip', () => {
    i18n.global.locale.value = 'en';
    const w = mountTable();
    const title = w.find('.knm-th[data-column="cpu"] .knm-th-title');
    expect(i18n.global.t('nodes.col.cpu')).toContain('alloc / cap');
    expect(title.attributes('title')).toMatch(/^Allocatable .* \/ capacity/);
    w.unmount();
  });
});
