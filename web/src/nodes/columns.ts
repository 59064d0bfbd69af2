/**
 * Columns of the node table: header metadata and cell renderers. Cells are rendered as escaped
 * HTML strings (see NodeRowCells for why): no component instances, no tooltips (native `title`), text
 * translated once per render context, and as few clip regions as the content allows.
 */
import type { NodeRow } from '../api/types';
import type { SortKey } from './filter';
import { age, formatBytes, formatCount, formatCpu, formatTime } from './format';
import { fitText, keyLabels, shortKey } from './labels';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escape text for HTML content and quoted attribute values. Every dynamic string goes through this. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** `<tag attr="…">inner</tag>`; attribute values are escaped here, `inner` must already be HTML. */
export function el(tag: string, attrs: Record<string, string | undefined>, inner = ''): string {
  let a = '';
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) a += ` ${k}="${esc(v)}"`;
  return `<${tag}${a}>${inner}</${tag}>`;
}

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
  | 'age'
  | 'cpuUse'
  | 'memUse'
  | 'cpuReq'
  | 'memReq';

export interface ColumnDef {
  id: ColumnId;
  width: number;
  sort?: SortKey;
  /** Shown unless the user hides it. */
  defaultVisible: boolean;
  /** Cannot be hidden. */
  fixed?: boolean;
  /** i18n key of a header tooltip saying what the numbers are. */
  hint?: string;
  flexGrow?: number;
  /** The cell's inner HTML (escaped). */
  render: (n: NodeRow, ctx: RenderContext) => string;
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
    used: string;
    requested: string;
    limits: string;
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
      used: t('nodes.used'),
      requested: t('nodes.requested'),
      limits: t('nodes.limits'),
    },
    openNode,
    now,
  };
}

const text = (s: string, cls = '') => el('span', { class: `knm-cell-text ${cls}`.trim(), title: s }, esc(s));
const muted = (s: string) => el('span', { class: 'knm-muted' }, esc(s));

function statusCell(n: NodeRow, ctx: RenderContext): string {
  const ready = n.conditions.find((c) => c.type === 'Ready');
  const title = ready ? `${ready.reason ?? ''} ${ready.message ?? ''}`.trim() : '';
  return el(
    'span',
    { class: `knm-status knm-status-${n.status}`, title, 'data-testid': 'node-status' },
    `<i class="knm-dot"></i>${esc(ctx.text.status[n.status] ?? n.status)}`,
  );
}

function schedulableCell(n: NodeRow, ctx: RenderContext): string {
  if (n.schedulable)
    return el(
      'span',
      { class: 'knm-sched-ok', 'data-testid': 'node-schedulable' },
      esc(ctx.text.schedulable),
    );
  const reason = n.cordon?.reason;
  // Who and when on hover: a native tooltip costs nothing while scrolling.
  const title = [
    reason ? `${ctx.text.reason}: ${reason}` : '',
    n.cordon?.by ? `${ctx.text.by}: ${n.cordon.by}` : '',
    n.cordon?.at ? `${ctx.text.at}: ${formatTime(n.cordon.at)}` : '',
  ]
    .filter(Boolean)
    .join('\n');
  return el(
    'span',
    { class: 'knm-sched-cordoned', title, 'data-testid': 'node-schedulable' },
    el('span', { class: 'knm-badge knm-badge-warning' }, esc(ctx.text.cordoned)) +
      (reason ? el('span', { class: 'knm-cordon-reason', 'data-testid': 'cordon-reason' }, esc(reason)) : ''),
  );
}

function taintsCell(n: NodeRow): string {
  if (!n.taints.length) return muted('–');
  const all = n.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`);
  const kind = n.taints[0]!.effect === 'NoExecute' ? 'knm-badge-danger' : 'knm-badge-info';
  // One chip (the column is narrow) and a count; every taint is in the hover text.
  return el(
    'span',
    { class: 'knm-chips', title: all.join('\n'), 'data-testid': 'node-taints' },
    el('span', { class: `knm-badge ${kind}` }, esc(fitText(all[0]!, 150))) +
      (all.length > 1 ? muted(`+${all.length - 1}`) : ''),
  );
}

function labelsCell(n: NodeRow): string {
  const list = keyLabels(n.labels);
  if (!list.length) return muted('–');
  const title = Object.entries(n.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
  const chips = list
    .slice(0, 2)
    .map(([k, v]) => el('span', { class: 'knm-badge' }, esc(fitText(`${shortKey(k)}=${v}`, 80))))
    .join('');
  return el(
    'span',
    { class: 'knm-chips', title, 'data-testid': 'node-labels' },
    chips + (list.length > 2 ? muted(`+${list.length - 2}`) : ''),
  );
}

const pair = (alloc: string, cap: string, extra: Record<string, string> = {}) =>
  el(
    'span',
    { class: 'knm-pair', title: `allocatable ${alloc} / capacity ${cap}`, ...extra },
    `${esc(alloc)}${muted(` / ${cap}`)}`,
  );

const pct = (v: number | null | undefined): string =>
  v === null || v === undefined ? '–' : `${Math.round(v * 100)}%`;

/** One bar per share; over 100 % (limits overcommitted) the bar is full and marked. */
function bar(kind: string, v: number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const w = Math.max(0, Math.min(1, v)) * 100;
  const over = v > 1 ? ' knm-bar-over' : v >= 0.9 ? ' knm-bar-hot' : '';
  return el('i', { class: `knm-bar knm-bar-${kind}${over}`, style: `width:${w.toFixed(1)}%` });
}

/**
 * used / requested / limits of one resource: the used share as text, three thin bars, every value on hover.
 * Unknown usage (the cluster has no metrics API) shows a dash, never 0 %.
 */
function usageCell(res: 'cpu' | 'mem') {
  return (n: NodeRow, ctx: RenderContext): string => {
    const used = n[`${res}Used`];
    const req = n[`${res}Requested`];
    const lim = n[`${res}Limits`];
    if ((used ?? null) === null && (req ?? null) === null) return muted('–');
    const title = `${ctx.text.used} ${pct(used)} · ${ctx.text.requested} ${pct(req)} · ${ctx.text.limits} ${pct(lim)}`;
    return el(
      'span',
      { class: 'knm-usage', title, 'data-testid': `node-${res}-use` },
      el('span', { class: 'knm-usage-text' }, esc(pct(used))) +
        el('span', { class: 'knm-bars' }, bar('used', used) + bar('req', req) + bar('lim', lim)),
    );
  };
}

function requestsCell(res: 'cpu' | 'mem') {
  return (n: NodeRow, ctx: RenderContext): string => {
    const req = n[`${res}Requested`];
    const lim = n[`${res}Limits`];
    if ((req ?? null) === null) return muted('–');
    return el(
      'span',
      {
        class: 'knm-pair',
        title: `${ctx.text.requested} ${pct(req)} · ${ctx.text.limits} ${pct(lim)}`,
        'data-testid': `node-${res}-req`,
      },
      `${esc(pct(req))}${muted(` / ${pct(lim)}`)}`,
    );
  };
}

export const COLUMNS: ColumnDef[] = [
  { id: 'status', width: 110, sort: 'status', defaultVisible: true, fixed: true, render: statusCell },
  {
    id: 'name',
    width: 240,
    sort: 'name',
    defaultVisible: true,
    fixed: true,
    flexGrow: 1,
    render: (n) =>
      // Opened through the row's click handler (data-action), not a listener per link.
      el(
        'a',
        {
          class: 'knm-node-link',
          title: n.name,
          href: '#',
          'data-action': 'open',
          'data-testid': 'node-name',
        },
        esc(n.name),
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
  { id: 'labels', width: 270, defaultVisible: true, render: labelsCell },
  {
    id: 'cpu',
    width: 150,
    sort: 'cpu',
    defaultVisible: true,
    hint: 'nodes.colHint.allocCap',
    render: (n) => pair(formatCpu(n.allocatable.cpu), formatCpu(n.capacity.cpu)),
  },
  {
    id: 'memory',
    width: 170,
    sort: 'memory',
    defaultVisible: true,
    hint: 'nodes.colHint.allocCap',
    render: (n) => pair(formatBytes(n.allocatable.memory), formatBytes(n.capacity.memory)),
  },
  {
    id: 'pods',
    width: 110,
    sort: 'pods',
    defaultVisible: true,
    render: (n, ctx) =>
      el(
        'span',
        { class: 'knm-pair', 'data-testid': 'node-pods', title: ctx.text.podsTitle },
        (n.podCount === null ? muted('…') : esc(String(n.podCount))) +
          muted(` / ${formatCount(n.allocatable.pods)}`),
      ),
  },
  { id: 'cpuUse', width: 120, sort: 'cpuUsed', defaultVisible: true, render: usageCell('cpu') },
  { id: 'memUse', width: 120, sort: 'memUsed', defaultVisible: true, render: usageCell('mem') },
  { id: 'cpuReq', width: 110, sort: 'cpuRequested', defaultVisible: false, render: requestsCell('cpu') },
  { id: 'memReq', width: 110, sort: 'memRequested', defaultVisible: false, render: requestsCell('mem') },
  {
    id: 'gpu',
    width: 80,
    sort: 'gpu',
    defaultVisible: false,
    render: (n) =>
      n.capacity.gpu === undefined
        ? muted('–')
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
    render: (n, ctx) => el('span', { title: formatTime(n.createdAt) }, esc(age(n.createdAt, ctx.now))),
  },
];

/** A native checkbox: one per visible row, so it must be cheap. Changes reach the row's handler. */
export function selectionCell(checked: boolean, name: string): string {
  // Named by its node, so a screen reader says which row the box selects.
  return `<input type="checkbox" class="knm-check" aria-label="${esc(name)}" data-testid="node-select"${checked ? ' checked' : ''}>`;
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
