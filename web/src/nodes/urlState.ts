/**
 * The Nodes page's state as URL query parameters: the URL is the source of truth, so a pasted or shared link
 * shows the same nodes, and the last query is remembered for the session so leaving Nodes and coming back
 * (header menu, brand, another page's link without filters) keeps what was set.
 */
import type { NodeStatus } from '../api/types';
import { emptyFilter, type NodeFilter, type Sort, type SortKey } from './filter';

export const STATUSES: NodeStatus[] = ['Ready', 'NotReady', 'Unknown'];

export interface NodesUrlState {
  scope: string;
  filter: NodeFilter;
  sort: Sort | null;
  /** `cluster/name` of the node whose drawer is open. */
  node: string | null;
}

export function stateFromQuery(
  q: Readonly<Record<string, string>>,
  sortable: (key: string) => boolean,
): NodesUrlState {
  const filter: NodeFilter = {
    ...emptyFilter(),
    search: q.search ?? '',
    status: (q.status ?? '').split(',').filter((s): s is NodeStatus => STATUSES.includes(s as NodeStatus)),
    schedulable: q.schedulable === 'true' || q.schedulable === 'false' ? q.schedulable : '',
    role: q.role ?? '',
    labelSelector: q.selector ?? '',
    taint: q.taint ?? '',
    condition: q.condition ?? '',
    usage: q.usage ?? '',
  };
  let sort: Sort | null = null;
  if (q.sort) {
    const desc = q.sort.startsWith('-');
    const key = desc ? q.sort.slice(1) : q.sort;
    if (sortable(key)) sort = { key: key as SortKey, desc };
  }
  return { scope: q.cluster ?? '', filter, sort, node: q.node || null };
}

export function queryFromState(s: NodesUrlState): Record<string, string | undefined> {
  const f = s.filter;
  return {
    cluster: s.scope || undefined,
    search: f.search || undefined,
    status: f.status.join(',') || undefined,
    schedulable: f.schedulable || undefined,
    role: f.role || undefined,
    selector: f.labelSelector || undefined,
    taint: f.taint || undefined,
    condition: f.condition || undefined,
    usage: f.usage || undefined,
    sort: s.sort ? `${s.sort.desc ? '-' : ''}${s.sort.key}` : undefined,
    node: s.node || undefined,
  };
}

/** Same query, ignoring order and empty values: tells our own URL writes from a pasted link. */
export function sameQuery(
  a: Readonly<Record<string, string | undefined>>,
  b: Readonly<Record<string, string | undefined>>,
): boolean {
  const norm = (q: Readonly<Record<string, string | undefined>>) =>
    JSON.stringify(
      Object.entries(q)
        .filter(([, v]) => v !== undefined && v !== '')
        .sort(([x], [y]) => (x < y ? -1 : 1)),
    );
  return norm(a) === norm(b);
}

const KEY = 'knm.nodes.query';

export function rememberNodesQuery(q: Record<string, string | undefined>): void {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(q)) if (v) clean[k] = v;
  try {
    sessionStorage.setItem(KEY, JSON.stringify(clean));
  } catch {
    // Storage full or disabled: the URL still holds the state for this visit.
  }
}

export function rememberedNodesQuery(): Record<string, string> | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const o = JSON.parse(raw) as unknown;
    if (!o || typeof o !== 'object') return null;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(o)) if (typeof v === 'string') out[k] = v;
    return Object.keys(out).length ? out : null;
  } catch {
    return null;
  }
}
