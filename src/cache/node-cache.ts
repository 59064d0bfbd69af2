/**
 * One cluster's nodes in memory, and the store the node informer fills: the records plus secondary indexes
 * (status, role, schedulability, taint key; label key=value built lazily per key), a lazily rebuilt name
 * order, and the Ready counts the operation guard reads. It exists so that the indexes are updated inside the
 * store's own `set`/`delete` (as client-go's thread-safe store does), not by an event handler that runs after
 * the store changed: a record that cannot be indexed is refused before anything changes, so the store and its
 * indexes never disagree, whoever else listens to the informer.
 *
 * Label indexes are built on first use per label key and dropped when any node's labels change: kept eagerly
 * for every key they cost ~1 KB per node (hostname-like labels make one set per node), which is more than the
 * rest of the record, while a selector query rebuilds one key's index with a single scan.
 */
import type { Store } from '../informer/store.js';
import { sameMap } from './classify.js';
import type { NodeQuery, ClusterView } from './query.js';
import { naturalCompare } from './sort.js';
import type { NodeRecord } from './types.js';

class TermIndex {
  private readonly m = new Map<string, Set<string>>();
  add(term: string, name: string): void {
    let s = this.m.get(term);
    if (!s) this.m.set(term, (s = new Set()));
    s.add(name);
  }
  remove(term: string, name: string): void {
    const s = this.m.get(term);
    if (!s) return;
    s.delete(name);
    if (s.size === 0) this.m.delete(term);
  }
  get(term: string): ReadonlySet<string> | undefined {
    return this.m.get(term);
  }
  clear(): void {
    this.m.clear();
  }
}

/** Generations come from one sequence for every cache, so a replaced cache never repeats an earlier value. */
let generations = 0;

/** What one record contributes to the indexes; read in full before any index or the map changes. */
interface Terms {
  status: NodeRecord['status'];
  roles: readonly string[];
  taintKeys: string[];
  cordoned: boolean;
}

function termsOf(r: NodeRecord): Terms {
  const taintKeys: string[] = [];
  for (const t of r.taints) taintKeys.push(t.key);
  return { status: r.status, roles: [...r.roles], taintKeys, cordoned: r.unschedulable === true };
}

export class NodeCache implements Store<NodeRecord> {
  private readonly map = new Map<string, NodeRecord>();
  private readonly byStatus = new TermIndex();
  private readonly byRole = new TermIndex();
  /** label key → value → node names; built on demand, cleared on any label change. */
  private readonly byLabel = new Map<string, Map<string, Set<string>>>();
  private readonly byTaint = new TermIndex();
  private readonly cordoned = new Set<string>();
  private names?: string[];
  private ranks?: Map<string, number>;
  private ready = 0;
  private readyOpen = 0;
  private gen = ++generations;

  constructor(readonly cluster: string) {}

  get size(): number {
    return this.map.size;
  }

  /**
   * Counts every change of the records (added, replaced, removed). Updates applied in place (a heartbeat's
   * resourceVersion) do not count: they change nothing a query selects or orders by.
   */
  get generation(): number {
    return this.gen;
  }

  get readyCount(): number {
    return this.ready;
  }

  /** Ready and not cordoned: what the operation guard protects. */
  get readySchedulableCount(): number {
    return this.readyOpen;
  }

  get(name: string): NodeRecord | undefined {
    return this.map.get(name);
  }

  all(): IterableIterator<NodeRecord> {
    return this.map.values();
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  /**
   * Store or replace a node and move it in every index, as one step: the new record's index terms are read
   * first (a malformed record throws here and changes nothing), and what follows are Map and Set operations.
   */
  set(name: string, rec: NodeRecord): void {
    const next = termsOf(rec);
    const old = this.map.get(name);
    const prev = old && termsOf(old);
    this.map.set(name, rec);
    this.gen = ++generations;
    if (prev) this.unindex(name, prev);
    this.index(name, next);
    if (!old) this.names = undefined;
    if (!old || old.uid !== rec.uid || !sameMap(old.labels, rec.labels)) this.byLabel.clear();
  }

  delete(name: string): boolean {
    const old = this.map.get(name);
    if (!old) return false;
    this.unindex(name, termsOf(old));
    this.map.delete(name);
    this.gen = ++generations;
    this.names = undefined;
    this.byLabel.clear();
    return true;
  }

  private labelIndex(key: string): Map<string, Set<string>> {
    let ix = this.byLabel.get(key);
    if (!ix) {
      ix = new Map();
      for (const r of this.map.values()) {
        const v = r.labels[key];
        if (v === undefined) continue;
        let s = ix.get(v);
        if (!s) ix.set(v, (s = new Set()));
        s.add(r.name);
      }
      this.byLabel.set(key, ix);
    }
    return ix;
  }

  clear(): void {
    this.map.clear();
    this.gen = ++generations;
    this.byLabel.clear();
    for (const ix of [this.byStatus, this.byRole, this.byTaint]) ix.clear();
    this.cordoned.clear();
    this.names = undefined;
    this.ranks = undefined;
    this.ready = 0;
    this.readyOpen = 0;
  }

  private index(name: string, t: Terms): void {
    this.byStatus.add(t.status, name);
    if (t.status === 'Ready') this.ready++;
    if (t.status === 'Ready' && !t.cordoned) this.readyOpen++;
    for (const role of t.roles) this.byRole.add(role, name);
    for (const k of t.taintKeys) this.byTaint.add(k, name);
    if (t.cordoned) this.cordoned.add(name);
  }

  private unindex(name: string, t: Terms): void {
    this.byStatus.remove(t.status, name);
    if (t.status === 'Ready') this.ready--;
    if (t.status === 'Ready' && !t.cordoned) this.readyOpen--;
    for (const role of t.roles) this.byRole.remove(role, name);
    for (const k of t.taintKeys) this.byTaint.remove(k, name);
    this.cordoned.delete(name);
  }

  /** Node names in natural order (rebuilt only after nodes come or go). */
  sortedNames(): readonly string[] {
    if (!this.names) {
      this.names = [...this.map.keys()].sort(naturalCompare);
      this.ranks = undefined;
    }
    return this.names;
  }

  /** Position of `name` in sortedNames(). */
  rank(name: string): number | undefined {
    const names = this.sortedNames();
    if (!this.ranks) this.ranks = new Map(names.map((n, i) => [n, i]));
    return this.ranks.get(name);
  }

  /**
   * The smallest index-backed superset of the query's matches, or undefined when no filter is indexable.
   * Only positive conditions narrow: `!=`, `notin`, `!key` and negated taints are checked by the filter.
   */
  candidates(q: NodeQuery): NodeRecord[] | undefined {
    let best: Iterable<string> | undefined;
    let bestSize = Infinity;
    const consider = (names: Iterable<string>, size: number) => {
      if (size < bestSize) {
        best = names;
        bestSize = size;
      }
    };
    const union = (sets: (ReadonlySet<string> | undefined)[]) => {
      const present = sets.filter((s): s is ReadonlySet<string> => !!s);
      if (present.length === 1) return present[0]!;
      const u = new Set<string>();
      for (const s of present) for (const n of s) u.add(n);
      return u;
    };
    if (q.status?.length) {
      const u = union(q.status.map((s) => this.byStatus.get(s)));
      consider(u, u.size);
    }
    if (q.role !== undefined) {
      const s = this.byRole.get(q.role);
      consider(s ?? [], s?.size ?? 0);
    }
    if (q.schedulable === false) consider(this.cordoned, this.cordoned.size);
    for (const r of q.selector ?? []) {
      if (r.op !== '=' && r.op !== 'in') continue;
      const ix = this.labelIndex(r.key);
      const u = union(r.values.map((v) => ix.get(v)));
      consider(u, u.size);
    }
    for (const t of q.taints ?? []) {
      // An effect-only filter (":NoExecute") names no key the index could narrow by.
      if (t.negate || t.key === '') continue;
      const s = this.byTaint.get(t.key);
      consider(s ?? [], s?.size ?? 0);
    }
    // Looking names up costs about as much as scanning records: only worth it for selective filters.
    if (best === undefined || bestSize > this.map.size / 2) return undefined;
    const out: NodeRecord[] = [];
    for (const n of best) {
      const r = this.map.get(n);
      if (r) out.push(r);
    }
    return out;
  }

  view(podCount: (name: string) => number | null): ClusterView {
    return {
      cluster: this.cluster,
      size: this.map.size,
      all: () => this.map.values(),
      sortedByName: () => {
        const out: NodeRecord[] = [];
        for (const n of this.sortedNames()) {
          const r = this.map.get(n);
          if (r) out.push(r);
        }
        return out;
      },
      candidates: (q) => this.candidates(q),
      rank: (name) => this.rank(name),
      podCount,
    };
  }
}
