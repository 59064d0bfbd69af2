/**
 * Topics: one per cluster, with a monotonically increasing version and a bounded ring of recent messages for
 * resuming, and per-node coalescing. Changes to one node within a window become one message; the first change
 * after a quiet period goes out at once (leading edge), so a lone change is not delayed by the window.
 */
import type { NodeChange } from '../cache/manager.js';
import type { NodeRow } from '../cache/types.js';
import type { Clock, TimerSet } from '../clock.js';
import type { HubClient } from './clients.js';
import { liveValuesMessage, nodeMessage, type NodeDeltaKind } from './protocol.js';

interface Pending {
  kind: NodeDeltaKind;
  changed?: Set<string>;
  podCount?: number;
}

export interface Topic {
  cluster: string;
  version: number;
  ring: { v: number; data: string }[];
  /** Changes waiting to go out, each with the time it may go (its node's window). */
  pending: Map<string, Pending & { due: number }>;
  flushTimer?: unknown;
  flushAt: number;
  /** When each node's last message went out, for nodes sent within the last window. */
  lastSent: Map<string, number>;
  subscribers: Set<HubClient>;
  snapshot?: { version: number; data: Buffer };
  lastState?: string;
}

export interface TopicsOptions {
  clock: Clock;
  timers: TimerSet;
  windowMs: number;
  ringSize: number;
  /** The node's current row (undefined once it is gone). */
  row(cluster: string, name: string): NodeRow | undefined;
  /** A new topic: the hub adds the clients that asked for its cluster. */
  created(t: Topic): void;
  /** A node message, numbered and kept in the ring, for the topic's subscribers. */
  deliver(t: Topic, type: string, data: string): void;
  /** Runs `send` (which delivers a batch of messages) with the subscribers' sockets held. */
  held(t: Topic, send: () => void): void;
}

export class Topics {
  private readonly byCluster = new Map<string, Topic>();

  constructor(private readonly o: TopicsOptions) {}

  get(cluster: string): Topic | undefined {
    return this.byCluster.get(cluster);
  }

  values(): IterableIterator<Topic> {
    return this.byCluster.values();
  }

  get size(): number {
    return this.byCluster.size;
  }

  /** The cluster's topic, made on first use. */
  topic(cluster: string): Topic {
    let t = this.byCluster.get(cluster);
    if (!t) {
      // Versions start at the creation time in µs-scale so a restarted server (or a re-added cluster) never
      // reuses a version a client may still hold: a stale `since` then asks for a snapshot, not a wrong replay.
      t = {
        cluster,
        version: this.o.clock.now() * 1000,
        ring: [],
        pending: new Map(),
        flushAt: Infinity,
        lastSent: new Map(),
        subscribers: new Set(),
      };
      this.byCluster.set(cluster, t);
      this.o.created(t);
    }
    return t;
  }

  /** The cluster is gone: its timer stops and its topic is forgotten. */
  remove(t: Topic): void {
    this.o.timers.clear(t.flushTimer);
    this.byCluster.delete(t.cluster);
  }

  clear(): void {
    this.byCluster.clear();
  }

  change(ch: NodeChange): void {
    const t = this.topic(ch.cluster);
    const now = this.o.clock.now();
    const p = t.pending.get(ch.name);
    // Per-node window: a node not sent recently goes out at once; one sent less than a window ago waits for
    // the window's end, collecting whatever else happens to it meanwhile into the same message.
    const due = p?.due ?? Math.max(now, (t.lastSent.get(ch.name) ?? -Infinity) + this.o.windowMs);
    t.pending.set(ch.name, { ...merge(p, ch), due });
    this.schedule(t, due);
  }

  private schedule(t: Topic, due: number): void {
    if (t.flushTimer !== undefined && t.flushAt <= due) return;
    this.o.timers.clear(t.flushTimer);
    t.flushAt = due;
    t.flushTimer = this.o.timers.set(() => this.flush(t), Math.max(0, due - this.o.clock.now()));
  }

  /** Send what is due (everything with `all`, e.g. before a new subscriber's snapshot). */
  flush(t: Topic, all = false): void {
    this.o.timers.clear(t.flushTimer);
    t.flushTimer = undefined;
    t.flushAt = Infinity;
    const now = this.o.clock.now();
    const batch: [string, Pending][] = [];
    let next = Infinity;
    for (const [name, p] of t.pending) {
      if (all || p.due <= now) batch.push([name, p]);
      else next = Math.min(next, p.due);
    }
    for (const [name] of batch) {
      t.pending.delete(name);
      t.lastSent.set(name, now);
    }
    for (const [name, at] of t.lastSent) if (at + this.o.windowMs <= now) t.lastSent.delete(name);
    if (next !== Infinity) this.schedule(t, next);
    if (!batch.length) return;
    this.o.held(t, () => {
      const moved: NodeRow[] = [];
      for (const [name, p] of batch) {
        const row = p.kind === 'deleted' ? undefined : this.o.row(t.cluster, name);
        if (p.kind === 'resources' && row) {
          moved.push(row);
          continue;
        }
        this.send(t, nodeMessage(t.cluster, name, ++t.version, p.kind, p.changed, row));
      }
      // One message for every node whose live values moved (a usage refresh moves most of them at once).
      if (moved.length)
        this.send(t, { type: 'nodes.resources', data: liveValuesMessage(t.cluster, ++t.version, moved) });
    });
    // Trimmed once per flush: trimming per message moved the whole ring (4,096 entries) for each of a usage
    // refresh's thousands of messages.
    if (t.ring.length > this.o.ringSize) t.ring.splice(0, t.ring.length - this.o.ringSize);
  }

  /** Numbered (already), kept in the ring for resuming, and delivered. */
  private send(t: Topic, m: { type: string; data: string }): void {
    t.ring.push({ v: t.version, data: m.data });
    this.o.deliver(t, m.type, m.data);
  }
}

function merge(p: Pending | undefined, ch: NodeChange): Pending {
  switch (ch.kind) {
    case 'deleted':
      return { kind: 'deleted' };
    case 'added':
      return { kind: 'added' };
    case 'updated':
      if (!p || p.kind === 'podCount' || p.kind === 'resources') {
        const changed = new Set(ch.changed);
        if (p) changed.add(p.kind);
        return { kind: 'updated', changed };
      }
      if (p.kind === 'updated') {
        for (const f of ch.changed) p.changed!.add(f);
        return p;
      }
      return { kind: 'added' }; // added (or deleted-then-back) then updated: the full row says it all
    case 'resources':
      // A resources message carries the pod count too.
      if (!p || p.kind === 'podCount' || p.kind === 'resources') return { kind: 'resources' };
      if (p.kind === 'updated') p.changed!.add('resources');
      return p;
    case 'podCount':
      if (p?.kind === 'resources') return p;
      if (!p || p.kind === 'podCount') return { kind: 'podCount', podCount: ch.podCount };
      if (p.kind === 'updated') p.changed!.add('podCount');
      return p;
  }
}
