/**
 * Turns the live cache's node changes into health intervals in the store. Only the replica holding the
 * leader lease records; on becoming leader, and whenever a cluster's cache (re)syncs, it reconciles the open
 * intervals in the store against what the nodes show now — closing what recovered, opening what is bad — so a
 * replica taking over after another stopped continues the same history instead of duplicating it. Between
 * reconciles it keeps, per cluster, the intervals it knows are open and diffs each changed node against them.
 */
import type { Logger } from '../log/logger.js';
import type { NodeRow } from '../cache/types.js';
import type { HealthHistory, HealthRow } from './history.js';
import { diffHealth, healthOf, recoveryTimes, type HealthChange, type NodeHealth } from './state.js';
import { HEALTH_KINDS, type HealthKind, type HealthTransition } from './types.js';
import { HealthWriter } from './writer.js';

/** Node changes that can move health; anything else (labels, capacity, pod counts) is ignored. */
const HEALTH_FIELDS = new Set(['uid', 'status', 'conditions', 'schedulable', 'cordon']);

type Change =
  | { kind: 'added' | 'deleted'; cluster: string; name: string }
  | { kind: 'updated'; cluster: string; name: string; changed: string[] }
  | { kind: 'podCount' | 'resources'; cluster: string; name: string };

/** What the recorder needs of the node cache (CacheManager satisfies it). */
export interface HealthSource {
  on(ev: 'change', fn: (c: Change) => void): unknown;
  on(ev: 'synced', fn: (cluster: string) => void): unknown;
  off(ev: 'change', fn: (c: Change) => void): unknown;
  off(ev: 'synced', fn: (cluster: string) => void): unknown;
  clusters(): string[];
  row(cluster: string, name: string): NodeRow | undefined;
  rows(cluster: string): NodeRow[] | undefined;
}

export interface LeaderSignal {
  readonly isLeader: boolean;
  onChange(fn: (leader: boolean) => void): void;
}

export interface HealthRecorderOptions {
  source: HealthSource;
  history: HealthHistory;
  leader: LeaderSignal;
  log: Logger;
  now?: () => number;
  flushMs?: number;
  /**
   * Called for each interval opened or closed as it happens (not for what a reconcile finds: those changes
   * happened while nobody was recording, possibly long ago).
   */
  onTransition?: (t: HealthTransition) => void;
}

export class HealthRecorder {
  /** Per cluster, per node: the intervals open in the store. Absent while the cluster is being reconciled. */
  private readonly open = new Map<string, Map<string, NodeHealth>>();
  private readonly reconciling = new Map<string, Promise<void>>();
  /**
   * Per cluster, node and kind: the earliest start a new interval may have — after the previous one ended and
   * never its start again. Kubernetes times have one-second resolution, so a flap within a second would
   * otherwise reuse the previous interval's key and vanish into it.
   */
  private readonly floors = new Map<string, Map<string, number>>();
  readonly writer: HealthWriter;
  private readonly now: () => number;
  private started = false;

  constructor(private readonly o: HealthRecorderOptions) {
    this.now = o.now ?? Date.now;
    this.writer = new HealthWriter(o.history, o.log, o.flushMs);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.o.source.on('change', this.onChange);
    this.o.source.on('synced', this.onSynced);
    this.o.leader.onChange((leader) => {
      if (!this.started) return;
      if (leader) void this.reconcileAll();
      else this.open.clear();
    });
    if (this.o.leader.isLeader) void this.reconcileAll();
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.o.source.off('change', this.onChange);
    this.o.source.off('synced', this.onSynced);
    await Promise.all(this.reconciling.values());
    this.open.clear();
    await this.writer.close();
  }

  /** Resolves when the reconciles in progress are done and every queued write is in the store. */
  async settle(): Promise<void> {
    await Promise.all(this.reconciling.values());
    await this.writer.flush();
  }

  async reconcileAll(): Promise<void> {
    await Promise.all(this.o.source.clusters().map((c) => this.reconcile(c)));
  }

  /** Brings the store's open intervals of one cluster in line with its cached nodes (leader only). */
  reconcile(cluster: string): Promise<void> {
    const running = this.reconciling.get(cluster);
    if (running) return running.then(() => this.reconcile(cluster));
    const p = this.doReconcile(cluster)
      .catch((e: unknown) =>
        this.o.log.error({ cluster, err: (e as Error).message }, 'health history reconcile failed'),
      )
      .finally(() => this.reconciling.delete(cluster));
    this.reconciling.set(cluster, p);
    return p;
  }

  private async doReconcile(cluster: string): Promise<void> {
    if (!this.o.leader.isLeader || !this.started) return;
    this.open.delete(cluster);
    // What an earlier leader (or this replica before) left open, after any writes still queued here landed.
    await this.writer.flush();
    const stored = await this.o.history.open([cluster]);
    const rows = this.o.source.rows(cluster);
    if (!rows || !this.o.leader.isLeader || !this.started) return;
    const now = this.now();
    const prev = new Map<string, NodeHealth>();
    for (const r of stored) {
      let h = prev.get(r.node);
      if (!h) prev.set(r.node, (h = new Map()));
      const kind = r.kind as HealthKind;
      const known = h.get(kind);
      const startMs = Number(r.started_ms);
      // Two open intervals of one kind (written by replicas that overlapped): keep the older, end the newer.
      if (known && known.startMs <= startMs) {
        this.emit(cluster, r.node, [{ op: 'close', kind, startMs, endMs: Math.max(now, startMs) }]);
        continue;
      }
      if (known) this.emit(cluster, r.node, [{ op: 'close', kind, startMs: known.startMs, endMs: now }]);
      h.set(kind, {
        startMs,
        status: r.status ?? undefined,
        reason: r.reason ?? undefined,
        message: r.message ?? undefined,
        actor: r.actor ?? undefined,
      });
    }
    const next = new Map<string, NodeHealth>();
    for (const row of rows) {
      const h = healthOf(row, now);
      this.emit(cluster, row.name, diffHealth(prev.get(row.name), h, now, recoveryTimes(row, now)));
      if (h.size) next.set(row.name, h);
      prev.delete(row.name);
    }
    // Nodes the store has open intervals for but the cluster no longer has: gone now.
    for (const [node, h] of prev) this.emit(cluster, node, diffHealth(h, undefined, now));
    this.open.set(cluster, next);
  }

  private readonly onSynced = (cluster: string): void => {
    if (this.o.leader.isLeader) void this.reconcile(cluster);
  };

  private readonly onChange = (c: Change): void => {
    if (c.kind === 'podCount' || c.kind === 'resources') return;
    if (c.kind === 'updated' && !c.changed.some((f) => HEALTH_FIELDS.has(f))) return;
    if (!this.o.leader.isLeader) return;
    const nodes = this.open.get(c.cluster);
    // Not reconciled yet: the reconcile reads every node after it finished reading the store.
    if (!nodes) return;
    const now = this.now();
    const row = c.kind === 'deleted' ? undefined : this.o.source.row(c.cluster, c.name);
    const prev = nodes.get(c.name);
    const next = row ? healthOf(row, now) : undefined;
    const changes = diffHealth(prev, next, now, recoveryTimes(row, now));
    if (!changes.length) return;
    this.keepApart(c.cluster, c.name, changes, c.kind === 'deleted');
    this.emit(c.cluster, c.name, changes);
    if (this.o.onTransition) this.announce(c.cluster, c.name, changes);
    // Keep the starts the store holds, with the details just written.
    const kept: NodeHealth = new Map();
    if (next)
      for (const [kind, s] of next) {
        const opened = changes.find((ch) => ch.op === 'open' && ch.kind === kind);
        const startMs =
          opened?.op === 'open' ? opened.state.startMs : (prev?.get(kind)?.startMs ?? s.startMs);
        kept.set(kind, { ...s, startMs });
      }
    if (kept.size) nodes.set(c.name, kept);
    else nodes.delete(c.name);
  };

  private keepApart(cluster: string, node: string, changes: HealthChange[], gone: boolean): void {
    let floors = this.floors.get(cluster);
    if (!floors) this.floors.set(cluster, (floors = new Map()));
    for (const ch of changes) {
      const k = `${node}\u0000${ch.kind}`;
      if (ch.op === 'open') {
        const floor = floors.get(k);
        if (floor !== undefined && ch.state.startMs < floor) ch.state = { ...ch.state, startMs: floor };
        floors.set(k, ch.state.startMs + 1);
      } else if (ch.op === 'close') {
        floors.set(k, Math.max(ch.endMs, ch.startMs + 1));
      }
    }
    if (gone) for (const kind of HEALTH_KINDS) floors.delete(`${node}\u0000${kind}`);
  }

  private announce(cluster: string, node: string, changes: HealthChange[]): void {
    for (const ch of changes) {
      if (ch.op === 'update') continue;
      const t: HealthTransition =
        ch.op === 'open'
          ? {
              cluster,
              node,
              kind: ch.kind,
              healthy: false,
              at: new Date(ch.state.startMs).toISOString(),
              ...(ch.state.status !== undefined && { status: ch.state.status }),
              ...(ch.state.reason !== undefined && { reason: ch.state.reason }),
              ...(ch.state.message !== undefined && { message: ch.state.message }),
              ...(ch.state.actor !== undefined && { actor: ch.state.actor }),
            }
          : { cluster, node, kind: ch.kind, healthy: true, at: new Date(ch.endMs).toISOString() };
      try {
        this.o.onTransition!(t);
      } catch (e) {
        this.o.log.error({ err: (e as Error).message }, 'health transition listener failed');
      }
    }
  }

  private emit(cluster: string, node: string, changes: HealthChange[]): void {
    for (const ch of changes) this.writer.add(toRow(cluster, node, ch));
  }
}

function toRow(cluster: string, node: string, ch: HealthChange): HealthRow {
  const startMs = ch.op === 'open' ? ch.state.startMs : ch.startMs;
  const base: HealthRow = {
    cluster,
    node,
    kind: ch.kind,
    started_at: new Date(startMs).toISOString(),
    started_ms: startMs,
    ended_at: null,
    ended_ms: null,
    status: null,
    reason: null,
    message: null,
    actor: null,
  };
  if (ch.op === 'close') return { ...base, ended_at: new Date(ch.endMs).toISOString(), ended_ms: ch.endMs };
  const s = ch.state;
  return {
    ...base,
    status: s.status ?? null,
    reason: s.reason ?? null,
    message: s.message ?? null,
    actor: s.actor ?? null,
  };
}
