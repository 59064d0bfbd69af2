/**
 * The node query engine: filter, count, sort and page node records held in memory. It never calls the
 * Kubernetes API; degraded clusters hand it records from a direct LIST through the same interface.
 *
 * Paging uses a keyset cursor rather than an offset: the `continue` token carries the sort value, cluster
 * and name of the last row served, and the next page starts strictly after it. Rows that change or appear
 * between two page requests therefore never shift the page boundary (an offset would skip or repeat rows
 * under churn), and no snapshot has to be held. The token is bound to the query (filters and sort) it came
 * from; reusing it with another query is refused.
 */
import { fnv1a } from '../fnv.js';
import { matchLabels, type LabelSelector } from '../kube/selector.js';
import {
  comparator,
  DEFAULT_SORT,
  naturalCompare,
  type Sortable,
  type SortSpec,
  type SortValue,
} from './sort.js';
import { matchConditions, type ConditionFilter } from './condition-filter.js';
import { matchTaints, type TaintFilter } from './taint-filter.js';
import type { NodeRecord, NodeStatus } from './types.js';
import { matchUsage, type UsageFilter } from './usage-filter.js';
import type { NodeResourceShares } from '../usage/types.js';

export interface NodeQuery {
  search?: string;
  status?: NodeStatus[];
  schedulable?: boolean;
  role?: string;
  selector?: LabelSelector;
  taints?: TaintFilter[];
  /** Condition types that must (or, negated, must not) be True (condition-filter.ts). */
  conditions?: ConditionFilter[];
  /** Resource share comparisons, all of which must hold (usage-filter.ts). */
  usage?: UsageFilter[];
  sort?: SortSpec;
  limit: number;
  continue?: string;
}

/** What one cluster contributes to a query. */
export interface ClusterView {
  cluster: string;
  /** All records (any order). */
  all(): Iterable<NodeRecord>;
  size: number;
  /** Records sorted by name (natural), when the view keeps such an order. */
  sortedByName?(): readonly NodeRecord[];
  /** Position of a name in that order (a cheap tie-breaker), when the view keeps one. */
  rank?(name: string): number | undefined;
  /** A (possibly much) smaller superset of the matches, from indexes; undefined when no index helps. */
  candidates?(q: NodeQuery): NodeRecord[] | undefined;
  podCount(name: string): number | null;
  /** Live resource shares of a node; absent: none known. */
  shares?(rec: NodeRecord): NodeResourceShares;
}

export interface QueryHit {
  cluster: string;
  rec: NodeRecord;
  podCount: number | null;
  shares?: NodeResourceShares;
}

export interface QueryPage {
  hits: QueryHit[];
  total: number;
  continue?: string;
}

export class QueryError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export function compileFilter(q: NodeQuery): (rec: NodeRecord) => boolean {
  const needle = q.search?.trim().toLowerCase() || undefined;
  const status = q.status?.length ? new Set(q.status) : undefined;
  const { schedulable, role, selector, taints, conditions } = q;
  return (r) => {
    if (status && !status.has(r.status)) return false;
    if (schedulable !== undefined && r.unschedulable === schedulable) return false;
    if (role !== undefined && !r.roles.includes(role)) return false;
    if (needle !== undefined) {
      const hit =
        r.name.includes(needle) ||
        (r.internalIP !== undefined && r.internalIP.includes(needle)) ||
        (r.externalIP !== undefined && r.externalIP.includes(needle)) ||
        (r.hostname !== undefined && r.hostname.toLowerCase().includes(needle));
      if (!hit) return false;
    }
    if (selector?.length && !matchLabels(selector, r.labels)) return false;
    if (taints?.length && !matchTaints(taints, r.taints)) return false;
    if (conditions?.length && !matchConditions(conditions, r.conditions)) return false;
    return true;
  };
}

// ---- continue tokens ------------------------------------------------------------------------------------

interface Cursor {
  v: SortValue;
  c: string;
  n: string;
}

/** Everything that decides which rows a query selects and in which order, as text (paging excluded). */
export function queryIdentity(q: NodeQuery, clusters: readonly string[]): string {
  return JSON.stringify([
    [...clusters].sort(),
    q.search ?? '',
    q.status ? [...q.status].sort() : [],
    q.schedulable ?? null,
    q.role ?? null,
    q.selector ?? [],
    q.taints ?? [],
    q.sort ? [q.sort.field.name, q.sort.desc] : null,
    ...(q.usage?.length ? [q.usage] : []),
    ...(q.conditions?.length ? [{ conditions: q.conditions }] : []),
  ]);
}

/** A short fingerprint of everything but the paging parameters. */
export function queryFingerprint(q: NodeQuery, clusters: readonly string[]): string {
  return fnv1a(queryIdentity(q, clusters)).toString(36);
}

function encodeCursor(fp: string, c: Cursor): string {
  return Buffer.from(JSON.stringify({ q: fp, ...c })).toString('base64url');
}

function decodeCursor(token: string, fp: string): Cursor {
  let o: { q?: unknown; v?: unknown; c?: unknown; n?: unknown };
  try {
    o = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof o;
  } catch {
    throw new QueryError('continue', 'malformed continue token');
  }
  if (typeof o !== 'object' || o === null || typeof o.c !== 'string' || typeof o.n !== 'string') {
    throw new QueryError('continue', 'malformed continue token');
  }
  if (o.q !== fp)
    throw new QueryError(
      'continue',
      'continue token belongs to a different query; start again from the first page',
    );
  const v = o.v;
  if (v !== null && typeof v !== 'number' && typeof v !== 'string')
    throw new QueryError('continue', 'malformed continue token');
  return { v, c: o.c, n: o.n };
}

// ---- execution ------------------------------------------------------------------------------------------

interface Entry extends Sortable {
  rec: NodeRecord;
  p: number | null;
}

/**
 * The k smallest entries seen so far, as a max-heap by `cmp`. `offer` compares a candidate before anything is
 * allocated for it, so a page of 50 out of thousands of matches allocates about 50 entries, not thousands.
 */
class TopK {
  readonly h: Entry[] = [];
  constructor(
    private readonly k: number,
    private readonly cmp: (a: Sortable, b: Sortable) => number,
  ) {}

  /** Would `probe` enter the page? */
  wants(probe: Sortable): boolean {
    return this.h.length < this.k || (this.k > 0 && this.cmp(probe, this.h[0]!) < 0);
  }

  add(e: Entry): void {
    const h = this.h;
    const cmp = this.cmp;
    if (h.length < this.k) {
      h.push(e);
      let i = h.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (cmp(h[i]!, h[p]!) <= 0) break;
        [h[i], h[p]] = [h[p]!, h[i]!];
        i = p;
      }
      return;
    }
    h[0] = e;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && cmp(h[l]!, h[m]!) > 0) m = l;
      if (r < h.length && cmp(h[r]!, h[m]!) > 0) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }

  sorted(): Entry[] {
    return this.h.sort(this.cmp);
  }
}

export function runQuery(views: readonly ClusterView[], q: NodeQuery): QueryPage {
  const sort = q.sort ?? DEFAULT_SORT;
  const fp = queryFingerprint(
    q,
    views.map((v) => v.cluster),
  );
  const cur = q.continue ? decodeCursor(q.continue, fp) : undefined;
  const cursor: Sortable | undefined = cur && { v: cur.v, cluster: cur.c, name: cur.n };
  const cmp = comparator(sort);
  const filter = compileFilter(q);
  const limit = q.limit;
  const ordered = [...views].sort((a, b) => naturalCompare(a.cluster, b.cluster));
  const usage = q.usage?.length ? q.usage : undefined;
  const share = sort.field.share;
  // A node with no known shares matches no usage comparison and sorts last.
  const keep = (view: ClusterView, rec: NodeRecord): boolean =>
    filter(rec) && (!usage || (!!view.shares && matchUsage(usage, view.shares(rec))));
  const valueOf = (view: ClusterView, rec: NodeRecord, p: number | null): SortValue =>
    share ? (view.shares?.(rec)[share] ?? null) : sort.field.value(view.cluster, rec, p);

  const byNameFast =
    !sort.desc && (sort.field.name === 'cluster' || (sort.field.name === 'name' && ordered.length === 1));
  // Only a sort by pod count needs every matched row's count; otherwise the page's rows are looked up once
  // it is known (a lookup per matched row was 5% of the request thread under a varied query mix).
  const byPods = !share && sort.field.name === 'podCount';
  let total = 0;
  let page: Entry[];
  let more = false;

  if (byNameFast) {
    // Rows come out already in order: no sort, just filter and walk.
    page = [];
    for (const view of ordered) {
      const cand = view.candidates?.(q);
      let recs: readonly NodeRecord[];
      if (cand && cand.length < view.size / 4) recs = cand.sort((a, b) => naturalCompare(a.name, b.name));
      else recs = view.sortedByName?.() ?? [...view.all()].sort((a, b) => naturalCompare(a.name, b.name));
      for (const rec of recs) {
        if (!keep(view, rec)) continue;
        total++;
        if (page.length > limit) continue;
        const e: Entry = {
          v: valueOf(view, rec, null),
          cluster: view.cluster,
          name: rec.name,
          rec,
          p: null,
        };
        if (cursor && cmp(e, cursor) <= 0) continue;
        page.push(e);
      }
    }
    more = page.length > limit;
    page = page.slice(0, limit);
  } else {
    const top = new TopK(limit, cmp);
    // One scratch object for comparisons; an entry is allocated only for rows that enter the page.
    const probe: Sortable = { v: null, cluster: '', name: '' };
    let after = 0;
    for (const view of ordered) {
      const recs = view.candidates?.(q) ?? view.all();
      probe.cluster = view.cluster;
      const rank = view.rank;
      for (const rec of recs) {
        if (!keep(view, rec)) continue;
        total++;
        const p = byPods ? view.podCount(rec.name) : null;
        probe.v = valueOf(view, rec, p);
        probe.name = rec.name;
        probe.r = rank?.(rec.name);
        if (cursor && cmp(probe, cursor) <= 0) continue;
        after++;
        if (top.wants(probe))
          top.add({ v: probe.v, cluster: view.cluster, name: rec.name, r: probe.r, rec, p });
      }
    }
    more = after > limit;
    page = top.sorted();
  }
  if (!byPods) for (const e of page) e.p = viewOf(ordered, e.cluster).podCount(e.rec.name);

  const last = page[page.length - 1];
  return {
    hits: page.map((e) => ({
      cluster: e.cluster,
      rec: e.rec,
      podCount: e.p,
      shares: viewOf(ordered, e.cluster).shares?.(e.rec),
    })),
    total,
    continue: more && last ? encodeCursor(fp, { v: last.v, c: last.cluster, n: last.name }) : undefined,
  };
}

function viewOf(views: readonly ClusterView[], cluster: string): ClusterView {
  return views.find((v) => v.cluster === cluster)!;
}
