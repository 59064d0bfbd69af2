/**
 * One resource kind's data: current objects by storage key, keys in etcd order, the retained history of
 * changes (what watch resumes and paging snapshots are served from) and the open watches on it.
 */
import type { ResourceDef } from './resources.js';
import { SortedKeys } from './sorted-keys.js';
import type { KObject } from './types.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface HistoryEvent {
  type: EventType;
  rv: number;
  key: string;
  /** The object after the change (for DELETED: the last state, carrying the deletion's resourceVersion). */
  obj: KObject;
  /** The object before the change (absent for ADDED). */
  prev?: KObject;
}

/** Serializes each event at most once however many watches receive it: one shared Buffer per event type. */
export interface EventSerializer {
  line(type: string, ev: HistoryEvent): Buffer;
}

export interface WatchSink {
  offer(ev: HistoryEvent, ser: EventSerializer): void;
  /** Ends the stream (cleanly unless `abrupt`). */
  close(abrupt?: boolean): void;
  readonly allowBookmarks: boolean;
  bookmark(rv: number): void;
}

export class KindStore {
  readonly items = new Map<string, KObject>();
  readonly keys = new SortedKeys();
  private history: HistoryEvent[] = [];
  private head = 0;
  /** Events with rv <= this may be missing from history: resuming from before it is "too old". */
  compactedRv = 0;
  /** resourceVersion of this kind's latest change (what the real watch cache's bookmarks carry). */
  latestRv = 0;
  readonly watchers = new Set<WatchSink>();
  /** Pods only: node name → storage keys, so per-node pod lists do not scan every pod. */
  readonly byNode: Map<string, Set<string>> | undefined;

  constructor(
    readonly def: ResourceDef,
    private readonly historyLimit: number,
  ) {
    this.byNode = def.resource === 'pods' ? new Map() : undefined;
  }

  get historyLength(): number {
    return this.history.length - this.head;
  }

  record(ev: HistoryEvent): void {
    this.latestRv = ev.rv;
    this.history.push(ev);
    if (this.history.length - this.head > this.historyLimit) {
      this.compactedRv = this.history[this.head]!.rv;
      this.history[this.head] = undefined as unknown as HistoryEvent;
      this.head++;
      if (this.head > 4096 && this.head * 2 > this.history.length) {
        this.history = this.history.slice(this.head);
        this.head = 0;
      }
    }
  }

  /** Forget history so that any resourceVersion before `rv` is too old (like an etcd compaction). */
  compact(rv: number): void {
    this.history = [];
    this.head = 0;
    this.compactedRv = Math.max(this.compactedRv, rv);
  }

  /** Index of the first retained event with rv > `rv`. */
  private firstAfter(rv: number): number {
    let lo = this.head;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.history[mid]!.rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Events after `rv`, or undefined when history no longer reaches back that far. */
  eventsSince(rv: number): HistoryEvent[] | undefined {
    if (rv < this.compactedRv) return undefined;
    return this.history.slice(this.firstAfter(rv));
  }

  /**
   * What changed since `rv`, undone: key → the object as it was at `rv` (null = did not exist). Reading the
   * current items through this overlay gives a consistent snapshot at `rv`.
   */
  overlayAt(rv: number): Map<string, KObject | null> | undefined {
    if (rv < this.compactedRv) return undefined;
    const overlay = new Map<string, KObject | null>();
    const start = this.firstAfter(rv);
    // Newest first, so the oldest change after `rv` has the final word: its `prev` is the state at `rv`.
    for (let i = this.history.length - 1; i >= start; i--) {
      const ev = this.history[i]!;
      overlay.set(ev.key, ev.type === 'ADDED' ? null : (ev.prev ?? null));
    }
    return overlay;
  }

  indexPod(key: string, prev: KObject | undefined, next: KObject | undefined): void {
    if (!this.byNode) return;
    const before = (prev?.spec as { nodeName?: string } | undefined)?.nodeName ?? '';
    const after = (next?.spec as { nodeName?: string } | undefined)?.nodeName ?? '';
    if (prev && (!next || before !== after)) {
      const s = this.byNode.get(before);
      s?.delete(key);
      if (s && s.size === 0) this.byNode.delete(before);
    }
    if (next && (!prev || before !== after)) {
      let s = this.byNode.get(after);
      if (!s) this.byNode.set(after, (s = new Set()));
      s.add(key);
    }
  }
}
