/**
 * Columns of the node table (el-table-v2): header metadata and cell renderers. Cells are plain elements (no
 * component instances, no tooltips: native `title`) with their text translated once per render context, so
 * mounting the rows that scroll into view is cheap. Rows themselves are rendered by NodeRowCells.
 */
import { h, type VNode } from 'vue';
import type { NodeRow } from '../api/types';
import type { SortKey } from './filter';
import { age, formatBytes, formatCount, formatCpu, formatTime } from './format';
import { keyLabels, shortKey } from './labels';

export type ColumnId =
  | 'status'
  | 'name'
  | 'cluster'
  | 'roles'
  | 'schedulable'
  | 'taints'
  | 'labels'
  | 'cpu'
  | 'memory'
  | 'pods'
  | 'gpu'
  | 'kubeletVersion'
  | 'internalIP'
  | 'age';

export interface ColumnDef {
  id: ColumnId;
  width: number;
  sort?: SortKey;
  /** Shown unless the user hides it. */
  defaultVisible: boolean;
  /** Cannot be hidden. */
  fixed?: boolean;
  flexGrow?: number;
  render: (n: NodeRow, ctx: RenderContext) => VNode;
}

export interface RenderContext {
  /** Translated once per context, not per cell. */
  text: {
    status: Record<string, string>;
    schedulable: string;
    cordoned: string;
    reason: string;
    by: string;
    at: string;
    podsTitle: string;
  };
  openNode: (n: NodeRow) => void;
  now: number;
}

export function renderContext(
  t: (key: string) => string,
  openNode: (n: NodeRow) => void,
  now: number,
): RenderContext {
  return {
    text: {
      status: { Ready: t('status.Ready'), NotReady: t('status.NotReady'), Unknown: t('status.Unknown') },
      schedulable: t('nodes.schedulable'),
      cordoned: t('nodes.cordoned'),
      reason: t('nodes.cordonReason'),
      by: t('nodes.cordonBy'),
      at: t('nodes.cordonAt'),
      podsTitle: t('nodes.podsTitle'),
    },
    openNode,
    now,
  };
}

const text = (s: string, cls = '') => h('span', { class: `knm-cell-text ${cls}`, title: s }, s);

function statusCell(n: NodeRow, ctx: RenderContext) {
  const ready = n.conditions.find((c) => c.type === 'Ready');
  const title = ready ? `${ready.reason ?? ''} ${ready.message ?? ''}`.trim() : '';
  return h('span', { class: `knm-status knm-status-${n.status}`, title, 'data-testid': 'node-status' }, [
    h('i', { class: 'knm-dot' }),
    ctx.text.status[n.status] ?? n.status,
  ]);
}

function schedulableCell(n: NodeRow, ctx: RenderContext) {
  if (n.schedulable)
    return h('span', { class: 'knm-sched-ok', 'data-testid': 'node-schedulable' }, ctx.text.schedulable);
  const reason = n.cordon?.reason;
  // Who and when on hover: a native tooltip costs nothing while scrolling.
  const title = [
    reason ? `${ctx.text.reason}: ${reason}` : '',
    n.cordon?.by ? `${ctx.text.by}: ${n.cordon.by}` : '',
    n.cordon?.at ? `${ctx.text.at}: ${formatTime(n.cordon.at)}` : '',
  ]
    .filter(Boolean)
    .join('\n');
  return h('span', { class: 'knm-sched-cordoned', title, 'data-testid': 'node-schedulable' }, [
    h('span', { class: 'knm-badge knm-badge-warning' }, ctx.text.cordoned),
    reason ? h('span', { class: 'knm-cordon-reason', 'data-testid': 'cordon-reason' }, reason) : null,
  ]);
}

function taintsCell(n: NodeRow) {
  if (!n.taints.length) return h('span', { class: 'knm-muted' }, '–');
  const all = n.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`);
  return h(
    'span',
    { class: 'knm-chips', title: all.join('\n'), 'data-testid': 'node-taints' },
    all
      .slice(0, 2)
      .map((s, i) =>
        h(
          'span',
          {
            class: `knm-badge ${n.taints[i]!.effect === 'NoExecute' ? 'knm-badge-danger' : 'knm-badge-info'}`,
          },
          s,
        ),
      )
      .concat(all.length > 2 ? [h('span', { class: 'knm-muted' }, `+${all.length - 2}`)] : []),
  );
}

function labelsCell(n: NodeRow) {
  const list = keyLabels(n.labels);
  if (!list.length) return h('span', { class: 'knm-muted' }, '–');
  const title = Object.entries(n.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
  return h(
    'span',
    { class: 'knm-chips', title, 'data-testid': 'node-labels' },
    list
      .slice(0, 2)
      .map(([k, v]) => h('span', { class: 'knm-badge' }, `${shortKey(k)}=${v}`))
      .concat(list.length > 2 ? [h('span', { class: 'knm-muted' }, `+${list.length - 2}`)] : []),
  );
}

const pair = (alloc: string, cap: string) =>
  h('span', { class: 'knm-pair', title: `allocatable ${alloc} / capacity ${cap}` }, [
    alloc,
    h('span', { class: 'knm-muted' }, ` / ${cap}`),
  ]);

export const COLUMNS: ColumnDef[] = [
  { id: 'status', width: 110, sort: 'status', defaultVisible: true, fixed: true, render: statusCell },
  {
    id: 'name',
    width: 240,
    sort: 'name',
    defaultVisible: true,
    fixed: true,
    flexGrow: 1,
    render: (n, ctx) =>
      h(
        'a',
        {
          class: 'knm-node-link',
          title: n.name,
          'data-testid': 'node-name',
          onClick: (e: Event) => {
            e.preventDefault();
            ctx.openNode(n);
          },
        },
        n.name,
      ),
  },
  { id: 'cluster', width: 130, sort: 'cluster', defaultVisible: true, render: (n) => text(n.cluster) },
  {
    id: 'roles',
    width: 130,
    sort: 'roles',
    defaultVisible: true,
    render: (n) => text(n.roles.length ? n.roles.join(', ') : '<none>'),
  },
  { id: 'schedulable', width: 210, sort: 'schedulable', defaultVisible: true, render: schedulableCell },
  { id: 'taints', width: 220, sort: 'taints', defaultVisible: true, render: taintsCell },
  { id: 'labels', width: 260, defaultVisible: true, render: labelsCell },
  {
    id: 'cpu',
    width: 110,
    sort: 'cpu',
    defaultVisible: true,
    render: (n) => pair(formatCpu(n.allocatable.cpu), formatCpu(n.capacity.cpu)),
  },
  {
    id: 'memory',
    width: 130,
    sort: 'memory',
    defaultVisible: true,
    render: (n) => pair(formatBytes(n.allocatable.memory), formatBytes(n.capacity.memory)),
  },
  {
    id: 'pods',
    width: 110,
    sort: 'pods',
    defaultVisible: true,
    render: (n, ctx) =>
      h('span', { class: 'knm-pair', 'data-testid': 'node-pods', title: ctx.text.podsTitle }, [
        n.podCount === null ? h('span', { class: 'knm-muted' }, '…') : String(n.podCount),
        h('span', { class: 'knm-muted' }, ` / ${formatCount(n.allocatable.pods)}`),
      ]),
  },
  {
    id: 'gpu',
    width: 80,
    sort: 'gpu',
    defaultVisible: false,
    render: (n) =>
      n.capacity.gpu === undefined
        ? h('span', { class: 'knm-muted' }, '–')
        : pair(formatCount(n.allocatable.gpu), formatCount(n.capacity.gpu)),
  },
  {
    id: 'kubeletVersion',
    width: 120,
    sort: 'kubeletVersion',
    defaultVisible: true,
    render: (n) => text(n.kubeletVersion ?? '–'),
  },
  {
    id: 'internalIP',
    width: 130,
    sort: 'internalIP',
    defaultVisible: false,
    render: (n) => text(n.internalIP ?? '–', 'knm-mono'),
  },
  {
    id: 'age',
    width: 80,
    sort: 'age',
    defaultVisible: true,
    render: (n, ctx) => h('span', { title: formatTime(n.createdAt) }, age(n.createdAt, ctx.now)),
  },
];

/** A native checkbox: one per visible row, so it must be cheap. */
export function selectionCell(checked: boolean, onChange: (v: boolean) => void): VNode {
  return h('input', {
    type: 'checkbox',
    class: 'knm-check',
    checked,
    'data-testid': 'node-select',
    onChange: (e: Event) => onChange((e.target as HTMLInputElement).checked),
    onClick: (e: Event) => e.stopPropagation(),
  });
}

const COLUMNS_KEY = 'knm.nodeColumns';

export function loadVisibleColumns(): Set<ColumnId> {
  try {
    const raw = localStorage.getItem(COLUMNS_KEY);
    if (raw) {
      const ids = JSON.parse(raw) as string[];
      const known = new Set(COLUMNS.map((c) => c.id));
      const out = new Set(ids.filter((i): i is ColumnId => known.has(i as ColumnId)));
      for (const c of COLUMNS) if (c.fixed) out.add(c.id);
      return out;
    }
  } catch {
    /* fall through to the defaults */
  }
  return new Set(COLUMNS.filter((c) => c.defaultVisible).map((c) => c.id));
}

export function saveVisibleColumns(ids: Set<ColumnId>): void {
  localStorage.setItem(COLUMNS_KEY, JSON.stringify([...ids]));
}
