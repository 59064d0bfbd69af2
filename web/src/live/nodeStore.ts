/**
 * The console's live copy of the nodes it shows: one Map keyed `cluster/name`, fed by the REST list for a
 * fast first paint and then by WebSocket messages (snapshot, added, updated, deleted, podCount). Messages are
 * applied in batches (one per animation frame) and each batch tells listeners exactly which keys changed,
 * so the table can patch rows in place instead of re-filtering and re-sorting everything.
 *
 * A large snapshot is applied in slices, each in a task of its own (`deps.slice`): taking in 5,000 rows at
 * once held the page for most of a second on a slow machine. Listeners hear of it once, when its last slice
 * is in, and messages that came after it wait for it, so the order the server sent is kept.
 */
import { shallowRef } from 'vue';
import type { NodeRow, ServerMessage } from '../api/types';
import { nodeKey } from '../nodes/format';
import { RESOURCE_SHARE_FIELDS } from '../../../src/usage/types';

export interface ChangeBatch {
  /** Rows were added or removed (or a whole cluster replaced): membership and order must be recomputed. */
  structural: boolean;
  /** Rows replaced in place, with the row before the change (for deciding whether order can be kept). */
  updated: Map<string, { prev: NodeRow; next: NodeRow }>;
}

export interface StoreDeps {
  schedule: (fn: () => void) => void;
  now: () => number;
  /** Called with the newest version applied per cluster (to resume after a reconnect). */
  onVersion?: (cluster: string, version: number) => void;
  /** Runs the next slice of a large snapshot in a new task; without it a snapshot is applied at once. */
  slice?: (fn: () => void) => void;
}

export const FLASH_MS = 1500;
/** Rows of a snapshot taken in per task: a few milliseconds each, even on a busy machine. */
export const APPLY_SLICE = 250;

type SnapshotMessage = Extract<ServerMessage, { type: 'snapshot' }>;

/** A snapshot being taken in slice by slice. */
interface Applying {
  msg: SnapshotMessage;
  next: number;
  fresh: Set<string>;
}

function withKey(n: NodeRow, key: string): NodeRow {
  n.key = key;
  return n;
}

function rvNewer(next: string, prev: string): boolean {
  const a = Number(next);
  const b = Number(prev);
  if (Number.isFinite(a) && Number.isFinite(b)) return a > b;
  return next !== prev;
}

export class NodeStore {
  readonly rows = new Map<string, NodeRow>();
  /** Bumped after every applied batch; computed views depend on it. */
  readonly revision = shallowRef(0);
  private versions = new Map<string, number>();
  /** Clusters whose content came from a WebSocket snapshot; REST answers no longer overwrite them. */
  private live = new Set<string>();
  private flash = new Map<string, number>();
  private queue: ServerMessage[] = [];
  private scheduled = false;
  private applying: Applying | null = null;
  private listeners = new Set<(b: ChangeBatch) => void>();

  constructor(private readonly deps: StoreDeps) {}

  onChange(fn: (b: ChangeBatch) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  version(cluster: string): number | undefined {
    return this.versions.get(cluster);
  }

  isFlashing(key: string): boolean {
    const until = this.flash.get(key);
    return until !== undefined && until > this.deps.now();
  }

  /** Keys whose highlight has run out; the caller re-renders them once more without the highlight. */
  expireFlashes(): string[] {
    const now = this.deps.now();
    const out: string[] = [];
    for (const [k, until] of this.flash) {
      if (until <= now) {
        this.flash.delete(k);
        out.push(k);
      }
    }
    return out;
  }

  get flashCount(): number {
    return this.flash.size;
  }

  /** Rows from GET /nodes. Clusters already fed by the socket keep the socket's (newer or equal) state. */
  loadList(items: NodeRow[], clusters: string[]): void {
    const incoming = new Map<string, NodeRow[]>();
    for (const c of clusters) incoming.set(c, []);
    for (const n of items) {
      if (!incoming.has(n.cluster)) incoming.set(n.cluster, []);
      incoming.get(n.cluster)!.push(n);
    }
    let touched = false;
    for (const [cluster, list] of incoming) {
      if (this.live.has(cluster) || this.applying?.msg.cluster === cluster) continue;
      this.replaceCluster(cluster, list);
      touched = true;
    }
    if (touched) this.emit({ structural: true, updated: new Map() });
  }

  /** Forget clusters no longer shown, so a later subscription starts from a fresh snapshot. */
  dropClustersExcept(keep: Set<string> | null): void {
    const clusters = new Set<string>();
    for (const n of this.rows.values()) clusters.add(n.cluster);
    for (const c of this.versions.keys()) clusters.add(c);
    if (this.applying) clusters.add(this.applying.msg.cluster);
    let touched = false;
    for (const c of clusters) {
      if (keep === null || keep.has(c)) continue;
      if (this.applying?.msg.cluster === c) this.applying = null;
      this.replaceCluster(c, []);
      this.versions.delete(c);
      this.live.delete(c);
      touched = true;
    }
    if (touched) this.emit({ structural: true, updated: new Map() });
  }

  /** Forget the given clusters (removed from the console). */
  dropClusters(names: string[]): void {
    const all = new Set<string>();
    for (const n of this.rows.values()) all.add(n.cluster);
    for (const c of this.versions.keys()) all.add(c);
    for (const c of names) all.delete(c);
    this.dropClustersExcept(all);
  }

  clear(): void {
    this.rows.clear();
    this.versions.clear();
    this.live.clear();
    this.flash.clear();
    this.queue = [];
    this.applying = null;
    this.emit({ structural: true, updated: new Map() });
  }

  /** A node returned by our own write: shown at once, unless the socket already delivered something newer. */
  applyLocal(node: NodeRow): void {
    const key = nodeKey(node.cluster, node.name);
    const prev = this.rows.get(key);
    if (prev && !rvNewer(node.resourceVersion, prev.resourceVersion)) return;
    this.rows.set(key, withKey(node, key));
    this.flash.set(key, this.deps.now() + FLASH_MS);
    this.emit(
      prev
        ? { structural: false, updated: new Map([[key, { prev, next: node }]]) }
        : { structural: true, updated: new Map() },
    );
  }

  enqueue(msg: ServerMessage): void {
    this.queue.push(msg);
    if (this.scheduled) return;
    this.scheduled = true;
    this.deps.schedule(() => this.flush());
  }

  /** A snapshot is still being taken in (its rows are not all in yet). */
  get busy(): boolean {
    return this.applying !== null;
  }

  /** Apply everything queued now (also used by tests instead of waiting for a frame). */
  flush(): void {
    this.scheduled = false;
    // A snapshot half taken in finishes first; its last slice flushes what queued up behind it.
    if (this.applying) return;
    const msgs = this.queue;
    this.queue = [];
    if (!msgs.length) return;
    const batch: ChangeBatch = { structural: false, updated: new Map() };
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i]!;
      if (m.type === 'snapshot' && this.deps.slice && m.items.length > APPLY_SLICE) {
        if (batch.structural || batch.updated.size) this.emit(batch);
        this.queue = msgs.slice(i + 1).concat(this.queue);
        this.applying = { msg: m, next: 0, fresh: new Set() };
        this.applySlice();
        return;
      }
      this.applyOne(m, batch);
    }
    if (batch.structural || batch.updated.size) this.emit(batch);
  }

  private applySlice(): void {
    const a = this.applying;
    if (!a) return;
    const { cluster, items } = a.msg;
    const end = Math.min(items.length, a.next + APPLY_SLICE);
    for (let i = a.next; i < end; i++) this.putRow(cluster, items[i]!, a.fresh);
    a.next = end;
    if (end < items.length) {
      this.deps.slice!(() => {
        if (this.applying === a) this.applySlice();
      });
      return;
    }
    this.applying = null;
    this.dropStale(cluster, a.fresh);
    this.markLive(a.msg);
    this.emit({ structural: true, updated: new Map() });
    if (this.queue.length) this.deps.slice!(() => this.flush());
  }

  private emit(batch: ChangeBatch): void {
    this.revision.value++;
    for (const fn of this.listeners) fn(batch);
  }

  private accept(cluster: string, version: number): boolean {
    const known = this.versions.get(cluster);
    if (known !== undefined && version <= known) return false;
    this.versions.set(cluster, version);
    this.deps.onVersion?.(cluster, version);
    return true;
  }

  private applyOne(m: ServerMessage, batch: ChangeBatch): void {
    switch (m.type) {
      case 'snapshot': {
        this.replaceCluster(m.cluster, m.items);
        this.markLive(m);
        batch.structural = true;
        return;
      }
      case 'node.added':
      case 'node.updated': {
        if (!this.accept(m.cluster, m.version)) return;
        const key = nodeKey(m.cluster, m.name);
        const prev = this.rows.get(key);
        this.rows.set(key, withKey(m.node, key));
        // A usage move is not a change to the node: the bars move, the row does not light up.
        if (m.type === 'node.added' || !m.changed || m.changed.some((c) => c !== 'resources'))
          this.flash.set(key, this.deps.now() + FLASH_MS);
        this.noteUpdate(batch, key, prev, m.node);
        return;
      }
      case 'node.podCount': {
        if (!this.accept(m.cluster, m.version)) return;
        const key = nodeKey(m.cluster, m.name);
        const prev = this.rows.get(key);
        if (!prev || prev.podCount === m.podCount) return;
        const next = { ...prev, podCount: m.podCount };
        this.rows.set(key, next);
        this.noteUpdate(batch, key, prev, next);
        return;
      }
      case 'nodes.resources': {
        // Live values (usage, requests, pod count): merged into the rows, which do not light up.
        if (!this.accept(m.cluster, m.version)) return;
        for (const v of m.items) {
          const key = nodeKey(m.cluster, v.name);
          const prev = this.rows.get(key);
          if (!prev) continue;
          const next: NodeRow = { ...prev, podCount: v.podCount };
          for (const f of RESOURCE_SHARE_FIELDS) next[f] = v[f];
          this.rows.set(key, next);
          this.noteUpdate(batch, key, prev, next);
        }
        return;
      }
      case 'node.deleted': {
        if (!this.accept(m.cluster, m.version)) return;
        const key = nodeKey(m.cluster, m.name);
        if (this.rows.delete(key)) {
          batch.structural = true;
          batch.updated.delete(key);
          this.flash.delete(key);
        }
        return;
      }
      case 'error': {
        // The cluster's RBAC stopped letting this user list nodes (or it could not be asked): its rows go, in
        // the order the socket sent things, so nothing queued before the refusal brings them back.
        if (!m.cluster) return;
        const had = [...this.rows.values()].some((r) => r.cluster === m.cluster);
        this.replaceCluster(m.cluster, []);
        this.versions.delete(m.cluster);
        this.live.delete(m.cluster);
        if (had) batch.structural = true;
        return;
      }
      default:
        return;
    }
  }

  private noteUpdate(batch: ChangeBatch, key: string, prev: NodeRow | undefined, next: NodeRow): void {
    if (!prev) {
      batch.structural = true;
      return;
    }
    const earlier = batch.updated.get(key);
    batch.updated.set(key, { prev: earlier?.prev ?? prev, next });
  }

  private markLive(m: SnapshotMessage): void {
    this.versions.set(m.cluster, m.version);
    this.deps.onVersion?.(m.cluster, m.version);
    this.live.add(m.cluster);
  }

  private replaceCluster(cluster: string, items: NodeRow[]): void {
    const fresh = new Set<string>();
    for (const n of items) this.putRow(cluster, n, fresh);
    this.dropStale(cluster, fresh);
  }

  private putRow(cluster: string, n: NodeRow, fresh: Set<string>): void {
    const key = nodeKey(cluster, n.name);
    fresh.add(key);
    const prev = this.rows.get(key);
    // Keep the existing object when nothing changed, so rows on screen are not re-rendered for nothing.
    if (
      prev &&
      prev.resourceVersion === n.resourceVersion &&
      prev.podCount === n.podCount &&
      RESOURCE_SHARE_FIELDS.every((f) => prev[f] === n[f])
    )
      return;
    this.rows.set(key, withKey(n, key));
  }

  private dropStale(cluster: string, fresh: Set<string>): void {
    for (const [key, n] of this.rows) if (n.cluster === cluster && !fresh.has(key)) this.rows.delete(key);
  }
}
