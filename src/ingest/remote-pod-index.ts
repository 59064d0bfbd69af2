/**
 * The request thread's mirror of one cluster's pod index running in an ingest worker (pool.ts, worker.ts):
 * per-node counts and request/limit sums, replaced whole by the worker's first table and patched by its
 * coalesced changes. Every read is a Map lookup and an array read — no I/O, no API call, nothing decoded — so
 * the cluster cache and the queries read it exactly as they read the in-process PodIndex.
 */
import type { ReflectorStats } from '../informer/reflector.js';
import type { KubeConnectionSpec } from '../kube/client.js';
import { informerLastEvent, informerSynced, informerSyncLag } from '../metrics/registry.js';
import type { NodeRequests, WatchedPodCounter } from '../cache/pod-counter.js';
import { ROW_WIDTH, type PodIndexTuning, type PodTable } from '../cache/pod-index.js';
import type { PodCountSource } from '../cache/types.js';
import type { IngestPool, IngestSink } from './pool.js';
import { SyncWaiters } from './sync-waiters.js';
import type { FailedMessage, RowsMessage, StatsMessage, TableMessage } from './protocol.js';

export interface RemotePodIndexOptions {
  cluster: string;
  pool: IngestPool;
  spec: KubeConnectionSpec;
  tuning?: PodIndexTuning;
  flushMs?: number;
  /**
   * After the worker's first complete LIST: 'initial', again after a worker restart. Later relists of a live
   * worker arrive as changed rows (onCounts), as the in-thread index reports them, so 'relist' is not sent.
   */
  listed?: (cause: 'initial' | 'relist') => void;
  onCounts?: (changes: [node: string, count: number][]) => void;
  onState?: () => void;
}

/** Shared with nothing else: a restarted or re-added index never repeats an earlier generation. */
let generations = 0;

function idleStats(phase: ReflectorStats['phase'], lastError?: string): ReflectorStats {
  return {
    phase,
    hasSynced: false,
    synced: false,
    lists: { initial: 0, gone: 0, tooLargeRv: 0, retry: 0 },
    relists: 0,
    reconnects: {},
    events: {},
    consecutiveFailures: lastError ? 1 : 0,
    lastError,
    size: 0,
  };
}

export class RemotePodIndex implements WatchedPodCounter, IngestSink {
  private readonly rowOf = new Map<string, number>();
  private rows = new Float64Array(0);
  private used = 0;
  private isSynced = false;
  private gen = 0;
  private pods = 0;
  private profiles = 0;
  private st: ReflectorStats = idleStats('idle');
  private key?: number;
  private stopped = false;
  private readonly syncWaiters = new SyncWaiters();

  constructor(private readonly o: RemotePodIndexOptions) {}

  start(): void {
    if (this.key !== undefined || this.stopped) return;
    this.key = this.o.pool.attach(this.o.spec, this, { tuning: this.o.tuning, flushMs: this.o.flushMs });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.st = { ...this.st, phase: 'stopped', synced: false };
    this.syncWaiters.release();
    const labels = { cluster: this.o.cluster, resource: 'pods' };
    informerSynced.remove(labels);
    informerLastEvent.remove(labels);
    informerSyncLag.remove(labels);
    if (this.key !== undefined) await this.o.pool.detach(this.key);
  }

  // ---- from the worker ------------------------------------------------------------------------------------

  message(m: TableMessage | RowsMessage | StatsMessage | FailedMessage): void {
    if (this.stopped) return;
    switch (m.type) {
      case 'table':
        this.replace(m);
        this.took(m);
        this.isSynced = true;
        this.gen = ++generations;
        this.o.listed?.('initial');
        this.syncWaiters.release();
        return;
      case 'rows':
        if (this.isSynced) this.patch(m);
        return;
      case 'stats':
        this.took(m);
        this.o.onState?.();
        return;
      case 'failed':
        this.st = idleStats('backoff', m.error);
        this.o.onState?.();
        return;
    }
  }

  workerLost(): void {
    if (this.stopped) return;
    this.isSynced = false;
    this.rowOf.clear();
    this.used = 0;
    this.pods = 0;
    this.st = idleStats('backoff', 'the ingest worker stopped; listing again');
    this.o.onState?.();
  }

  private took(m: { podCount: number; profileCount: number; stats: ReflectorStats }): void {
    this.pods = m.podCount;
    this.profiles = m.profileCount;
    this.st = m.stats;
  }

  private replace(t: PodTable): void {
    this.rowOf.clear();
    this.used = 0;
    this.rows = new Float64Array(Math.max(64, t.names.length * 2) * ROW_WIDTH);
    this.write(t);
  }

  private patch(t: RowsMessage): void {
    this.write(t);
    this.gen = ++generations;
    if (this.o.onCounts) {
      const out: [string, number][] = t.names.map((n, i) => [n, t.rows[i * ROW_WIDTH]!]);
      if (out.length) this.o.onCounts(out);
    }
  }

  private write(t: PodTable): void {
    t.names.forEach((name, i) => {
      let r = this.rowOf.get(name);
      if (r === undefined) {
        r = this.used++;
        this.rowOf.set(name, r);
        if (this.used * ROW_WIDTH > this.rows.length) {
          const grown = new Float64Array(this.rows.length * 2 || 64 * ROW_WIDTH);
          grown.set(this.rows);
          this.rows = grown;
        }
      }
      this.rows.set(t.rows.subarray(i * ROW_WIDTH, (i + 1) * ROW_WIDTH), r * ROW_WIDTH);
    });
  }

  // ---- reads ----------------------------------------------------------------------------------------------

  get synced(): boolean {
    return this.isSynced;
  }

  get generation(): number {
    return this.isSynced ? this.gen : 0;
  }

  source(): PodCountSource {
    return this.isSynced ? 'index' : 'none';
  }

  /** The worker's watch keeps counts current by itself. */
  wanted(): void {}

  count(node: string): number | null {
    if (!this.isSynced) return null;
    const r = this.rowOf.get(node);
    return r === undefined ? 0 : this.rows[r * ROW_WIDTH]!;
  }

  requests(node: string): NodeRequests | null {
    if (!this.isSynced) return null;
    const r = this.rowOf.get(node);
    if (r === undefined) return { cpuRequest: 0, memRequest: 0, cpuLimit: 0, memLimit: 0 };
    const o = r * ROW_WIDTH;
    return {
      cpuRequest: this.rows[o + 1]!,
      memRequest: this.rows[o + 2]!,
      cpuLimit: this.rows[o + 3]!,
      memLimit: this.rows[o + 4]!,
    };
  }

  get podCount(): number {
    return this.isSynced ? this.pods : 0;
  }

  get profileCount(): number {
    return this.profiles;
  }

  stats(): ReflectorStats {
    return this.st;
  }

  /** Its timers live in the worker; the wait below uses none that outlives it. */
  get pendingTimers(): number {
    return 0;
  }

  waitForSync(timeoutMs: number): Promise<boolean> {
    return this.syncWaiters.wait(() => this.isSynced, this.stopped, timeoutMs);
  }
}
