/** Filtering and ordering of node rows, shared by the table and its live-update path. */
import type { NodeRow, NodeStatus } from '../api/types';
// The server's own grammar for `usage` (a small pure module): the console filters exactly as the API does.
import { matchUsage, parseUsageFilter, UsageFilterError } from '../../../src/cache/usage-filter';
// The server's condition grammar, shared so the console selects exactly what `condition=` selects.
import {
  ConditionFilterError,
  matchConditions,
  parseConditionFilter,
} from '../../../src/cache/condition-filter';
import { parseQuantity } from './format';
import {
  matchesSelector,
  matchesTaint,
  parseSelector,
  parseTaintQuery,
  SelectorError,
  TaintFilterError,
} from './selector';

export interface NodeFilter {
  search: string;
  status: NodeStatus[];
  schedulable: '' | 'true' | 'false';
  role: string;
  labelSelector: string;
  taint: string;
  /** Condition types that must be True, e.g. `MemoryPressure,DiskPressure` (the API's `condition`). */
  condition: string;
  /** Resource share comparisons, e.g. `cpuUsed>90%,memRequested<0.2` (same syntax as the API's `usage`). */
  usage: string;
}

export const emptyFilter = (): NodeFilter => ({
  search: '',
  status: [],
  schedulable: '',
  role: '',
  labelSelector: '',
  taint: '',
  condition: '',
  usage: '',
});

export interface CompiledFilter {
  match: (n: NodeRow) => boolean;
  /** Field of the filter that could not be parsed; the rest still applies. */
  errors: Partial<Record<'labelSelector' | 'taint' | 'condition' | 'usage', string>>;
}

export function compileFilter(f: NodeFilter): CompiledFilter {
  const errors: CompiledFilter['errors'] = {};
  const tests: ((n: NodeRow) => boolean)[] = [];
  const search = f.search.trim().toLowerCase();
  if (search) {
    tests.push(
      (n) =>
        n.name.toLowerCase().includes(search) ||
        (n.internalIP ?? '').includes(search) ||
        (n.externalIP ?? '').includes(search),
    );
  }
  if (f.status.length) {
    const set = new Set<string>(f.status);
    tests.push((n) => set.has(n.status));
  }
  if (f.schedulable) {
    const want = f.schedulable === 'true';
    tests.push((n) => n.schedulable === want);
  }
  const role = f.role.trim();
  if (role) tests.push((n) => n.roles.includes(role));
  try {
    const reqs = parseSelector(f.labelSelector);
    if (reqs.length) tests.push((n) => matchesSelector(n.labels, reqs));
  } catch (e) {
    if (!(e instanceof SelectorError)) throw e;
    errors.labelSelector = e.message;
  }
  try {
    const q = parseTaintQuery(f.taint);
    if (q) tests.push((n) => matchesTaint(n.taints, q));
  } catch (e) {
    if (!(e instanceof TaintFilterError)) throw e;
    errors.taint = e.message;
  }
  try {
    const c = parseConditionFilter(f.condition);
    if (c.length) tests.push((n) => matchConditions(c, n.conditions));
  } catch (e) {
    if (!(e instanceof ConditionFilterError)) throw e;
    errors.condition = e.message;
  }
  try {
    const u = parseUsageFilter(f.usage);
    if (u.length) tests.push((n) => matchUsage(u, n));
  } catch (e) {
    if (!(e instanceof UsageFilterError)) throw e;
    errors.usage = e.message;
  }
  return { match: (n) => tests.every((t) => t(n)), errors };
}

export type SortKey =
  | 'status'
  | 'name'
  | 'cluster'
  | 'roles'
  | 'schedulable'
  | 'taints'
  | 'cpu'
  | 'memory'
  | 'pods'
  | 'gpu'
  | 'kubeletVersion'
  | 'internalIP'
  | 'age'
  | 'cpuUsed'
  | 'memUsed'
  | 'cpuRequested'
  | 'memRequested';

export interface Sort {
  key: SortKey;
  desc: boolean;
}

const STATUS_ORDER: Record<string, number> = { NotReady: 0, Unknown: 1, Ready: 2 };

/** The value a row is ordered by; numbers sort numerically, missing values last. */
export function sortValue(n: NodeRow, key: SortKey): string | number {
  switch (key) {
    case 'status':
      return STATUS_ORDER[n.status] ?? 3;
    case 'name':
      return n.name;
    case 'cluster':
      return n.cluster;
    case 'roles':
      return n.roles.join(',');
    case 'schedulable':
      return n.schedulable ? 1 : 0;
    case 'taints':
      return n.taints.length;
    case 'cpu':
      return parseQuantity(n.allocatable.cpu);
    case 'memory':
      return parseQuantity(n.allocatable.memory);
    case 'pods':
      return n.podCount ?? -1;
    case 'gpu':
      return parseQuantity(n.allocatable.gpu);
    case 'kubeletVersion':
      return n.kubeletVersion ?? '';
    case 'internalIP':
      return (n.internalIP ?? '')
        .split('.')
        .map((p) => p.padStart(3, '0'))
        .join('.');
    case 'age':
      // Older first when ascending, like kubectl's AGE column read as a duration.
      return -Date.parse(n.createdAt);
    case 'cpuUsed':
    case 'memUsed':
    case 'cpuRequested':
    case 'memRequested':
      // Unknown (no metrics API, no pod index) sorts last, never as 0.
      return n[key] ?? NaN;
  }
}

const collator = new Intl.Collator(undefined, { numeric: true });

export function compareRows(a: NodeRow, b: NodeRow, sort: Sort): number {
  const va = sortValue(a, sort.key);
  const vb = sortValue(b, sort.key);
  let c: number;
  if (typeof va === 'number' && typeof vb === 'number') {
    const na = Number.isNaN(va);
    const nb = Number.isNaN(vb);
    c = na || nb ? (na === nb ? 0 : na ? 1 : -1) : va - vb;
    if (na || nb) return c || tieBreak(a, b);
  } else c = collator.compare(String(va), String(vb));
  if (sort.desc) c = -c;
  return c || tieBreak(a, b);
}

/** Ties go by cluster, then name: the server's order (src/cache/sort.ts), so its first page is the table's top. */
function tieBreak(a: NodeRow, b: NodeRow): number {
  return collator.compare(a.cluster, b.cluster) || collator.compare(a.name, b.name);
}
