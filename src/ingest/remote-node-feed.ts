/**
 * The request thread's side of a node informer running in an ingest worker (worker.ts): the worker lists and
 * watches, decodes, trims and compares; what reaches this thread is only what a reader can see — a new or
 * changed node, a deletion, a LIST completed — plus the resourceVersions that heartbeats moved, coalesced. The
 * records land in the cluster's NodeCache (the store every query reads) through the same accept/reconcile rules
 * the in-process informer applies (src/cache/node-informer.ts), and the cluster cache's handlers are called
 * exactly as a Reflector calls them, so nothing above this file can tell where the informer runs.
 *
 * A worker that dies leaves the cache as it was (served while the stale grace lasts, like any informer
 * failure); the restarted worker's first LIST is then applied as a relist: what it no longer lists is deleted.
 */
import { compareResourceVersions, type KubeObject } from '../informer/types.js';
import type { ListCause, ReflectorHandlers, ReflectorStats } from '../informer/reflector.js';
import type { KubeConnectionSpec } from '../kube/client.js';
import type { Logger } from '../log/logger.js';
import { informerLastEvent, informerSynced, informerSyncLag } from '../metrics/registry.js';
import type { NodeCache } from '../cache/node-cache.js';
import { reconcileNode, type NodeFeed, type NodeInformerTuning } from '../cache/node-informer.js';
import { acceptNode, adoptNode, transformNode } from '../cache/node-transform.js';
import type { NodeRecord } from '../cache/types.js';
import type { IngestPool, IngestSink } from './pool.js';
import { SyncWaiters } from './sync-waiters.js';
import type { ClusterMessage, NodeOp } from './protocol.js';

export interface RemoteNodeFeedOptions {
  cluster: string;
  pool: IngestPool;
  spec: KubeConnectionSpec;
  store: NodeCache;
  tuning?: NodeInformerTuning;
  log?: Logger;
}

function idleStats(phase: ReflectorStats['phase']): ReflectorStats {
  return {
    phase,
    hasSynced: false,
    synced: false,
    lists: { initial: 0, gone: 0, tooLargeRv: 0, retry: 0 },
    relists: 0,
    reconnects: {},
    events: {},
    consecutiveFailures: 0,
    size: 0,
  };
}

export class RemoteNodeFeed implements NodeFeed, IngestSink {
  private readonly handlers: ReflectorHandlers<NodeRecord>[] = [];
  private st: ReflectorStats = idleStats('idle');
  private key?: number;
  private stopped = false;
  private listedOnce = false;
  /** After a worker restart: the names its first LIST delivered, so the rest can be deleted when it ends. */
  private resync?: Set<string>;
  private readonly syncWaiters = new SyncWaiters();

  constructor(private readonly o: RemoteNodeFeedOptions) {}

  addHandler(h: ReflectorHandlers<NodeRecord>): void {
    this.handlers.push(h);
  }

  start(): void {
    if (this.key !== undefined || this.stopped) return;
    this.key = this.o.pool.attach(this.o.spec, this, { kind: 'nodes', tuning: this.o.tuning });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.st = { ...this.st, phase: 'stopped', synced: false };
    this.syncWaiters.release();
    const labels = { cluster: this.o.cluster, resource: 'nodes' };
    informerSynced.remove(labels);
    informerLastEvent.remove(labels);
    informerSyncLag.remove(labels);
    if (this.key !== undefined) await this.o.pool.detach(this.key);
  }

  // ---- from the worker ------------------------------------------------------------------------------------

  message(m: ClusterMessage): void {
    if (this.stopped) return;
    switch (m.type) {
      case 'nodes':
        for (const op of m.ops) this.apply(op);
        if (m.stats) this.took(m.stats);
        return;
      case 'stats':
        this.took(m.stats);
        return;
      case 'failed':
        this.st = { ...idleStats('backoff'), consecutiveFailures: 1, lastError: m.error };
        this.emit((h) => h.state?.());
        return;
      default:
        return;
    }
  }

  workerLost(): void {
    if (this.stopped) return;
    if (this.listedOnce) this.resync = new Set();
    this.st = {
      ...this.st,
      phase: 'backoff',
      synced: false,
      consecutiveFailures: this.st.consecutiveFailures + 1,
      failingSince: this.st.failingSince ?? Date.now(),
      lastError: 'the ingest worker stopped; listing again',
    };
    this.emit((h) => h.state?.());
  }

  private took(stats: ReflectorStats): void {
    const before = this.st;
    // Until the restarted worker has listed, its figures would call the cache fresh: keep it failing.
    this.st = this.resync
      ? { ...stats, synced: false, consecutiveFailures: Math.max(1, stats.consecutiveFailures) }
      : stats;
    if (before.phase !== this.st.phase || before.synced !== this.st.synced) this.emit((h) => h.state?.());
  }

  private apply(op: NodeOp): void {
    switch (op[0]) {
      case 'a': {
        const rec = adoptNode(op[1]);
        if (this.resync) {
          this.resync.add(rec.name);
          this.upsert(rec);
        } else if (op[2] && !this.o.store.get(rec.name)) {
          this.o.store.set(rec.name, rec);
          this.emit((h) => h.added?.(rec.name, rec, true));
        } else this.upsert(rec);
        return;
      }
      case 'u':
        this.upsert(adoptNode(op[1]));
        return;
      case 'd': {
        const old = this.o.store.get(op[1]);
        if (old === undefined) return;
        this.o.store.delete(op[1]);
        this.emit((h) => h.deleted?.(op[1], old));
        return;
      }
      case 'v': {
        const stored = this.o.store.get(op[1]);
        if (stored && (compareResourceVersions(op[2], stored.resourceVersion) ?? 0) > 0)
          stored.resourceVersion = op[2];
        return;
      }
      case 'l':
        this.listed(op[1]);
        return;
    }
  }

  private listed(cause: ListCause): void {
    let emitted: ListCause = cause;
    if (this.resync && cause === 'initial') {
      const seen = this.resync;
      this.resync = undefined;
      for (const name of [...this.o.store.keys()]) {
        if (seen.has(name)) continue;
        const old = this.o.store.get(name)!;
        this.o.store.delete(name);
        this.emit((h) => h.deleted?.(name, old));
      }
      emitted = 'retry';
    }
    this.listedOnce = true;
    this.syncWaiters.release();
    this.emit((h) => h.listed?.(emitted));
  }

  /** The in-process informer's replace(): refuse an older version, keep the record through invisible updates. */
  private upsert(incoming: NodeRecord): boolean {
    const stored = this.o.store.get(incoming.name);
    if (stored === undefined) {
      this.o.store.set(incoming.name, incoming);
      this.emit((h) => h.added?.(incoming.name, incoming, false));
      return true;
    }
    if (!acceptNode(stored, incoming)) return false;
    const next = reconcileNode(stored, incoming);
    if (next === stored) return false;
    this.o.store.set(incoming.name, next);
    this.emit((h) => h.updated?.(incoming.name, stored, next));
    return true;
  }

  private emit(fn: (h: ReflectorHandlers<NodeRecord>) => void): void {
    for (const h of this.handlers) {
      try {
        fn(h);
      } catch (e) {
        this.o.log?.error(
          { cluster: this.o.cluster, resource: 'nodes', err: (e as Error).message },
          'informer handler threw',
        );
      }
    }
  }

  // ---- reads ----------------------------------------------------------------------------------------------

  applyLocal(raw: KubeObject): boolean {
    if (this.stopped) return false;
    return this.upsert(transformNode(raw));
  }

  stats(): ReflectorStats {
    return this.st;
  }

  isSynced(): boolean {
    return !this.stopped && this.listedOnce && this.st.synced;
  }

  get everSynced(): boolean {
    return this.listedOnce;
  }

  /** Its timers live in the worker; the wait below uses none that outlives it. */
  get pendingTimers(): number {
    return 0;
  }

  waitForSync(timeoutMs: number): Promise<boolean> {
    return this.syncWaiters.wait(() => this.listedOnce, this.stopped, timeoutMs);
  }
}
