/**
 * The realtime hub: pushes node changes, pod counts, cluster states and job progress to WebSocket clients
 * (protocol: docs/API.md "Realtime"). It owns topics (one per cluster, with a monotonically increasing
 * version and a bounded ring of recent messages for resuming), per-node coalescing, per-client back-pressure
 * and liveness pings. It never talks to Kubernetes and knows no HTTP: the ws route hands it sockets and users.
 *
 * Guarantees:
 * - heartbeat-only node updates never arrive here (the cache's classifier drops them);
 * - changes to one node within a window (default 50 ms) become one message; the first change after a quiet
 *   period goes out at once (leading edge), so a lone change is not delayed by the window;
 * - each message is serialised once and the same string goes to every subscriber;
 * - a client whose unsent data passes the high-water mark stops receiving deltas; once it drains below the
 *   low-water mark it gets `resync` and a fresh snapshot; too many resyncs in a row → closed with 1013.
 *   Memory per client is therefore bounded by the high-water mark plus one snapshot.
 * - what a client asks for counts too: a snapshot asked for while its unsent data is past the high-water mark
 *   is owed (a resync, counted like any other) instead of queued; more than `maxSubscribes` subscribe requests,
 *   or more than `maxSnapshotBytes` of snapshots, within `abuseWindowMs` → closed with 1008 and a reason.
 */
import type { AuthUser } from '../auth/identity.js';
import { actingIdentity, canSeeCluster, type ActingIdentity } from '../auth/identity.js';
import type { Logger } from '../log/logger.js';
import { systemClock, TimerSet, type Clock } from '../informer/clock.js';
import { wsConnections, wsDropped, wsMessages } from '../metrics/registry.js';
import type { NodeChange } from '../cache/manager.js';
import type { NodeRow } from '../cache/types.js';
import { JobDeltas } from './job-deltas.js';

/** What the hub needs from the node cache (CacheManager implements it). */
export interface HubSource {
  on(ev: 'change', fn: (c: NodeChange) => void): unknown;
  on(ev: 'state' | 'synced' | 'removed', fn: (cluster: string) => void): unknown;
  off(ev: 'change', fn: (c: NodeChange) => void): unknown;
  off(ev: 'state' | 'synced' | 'removed', fn: (cluster: string) => void): unknown;
  clusters(): string[];
  rows(cluster: string): NodeRow[] | undefined;
  /** The same rows as a UTF-8 JSON array, when the source can serialise faster than JSON.stringify. */
  rowsJson?(cluster: string): Buffer | undefined;
  row(cluster: string, name: string): NodeRow | undefined;
  status?(cluster: string): object;
}

/** The part of a `ws` WebSocket the hub uses. Buffers are UTF-8 JSON and must go out as text frames. */
export interface HubSocket {
  send(data: string | Buffer, cb?: (err?: Error) => void): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  ping(): void;
}

/** Minimal job shape: enough to decide who may see it. */
export interface JobLike {
  id: string;
  nodes?: { cluster: string }[];
  targets?: { cluster: string }[];
}

export interface HubOptions {
  source: HubSource;
  log: Logger;
  clock?: Clock;
  /** Full ClusterInfo for `cluster.state` messages (the registry's view); default: the source's status. */
  clusterInfo?: (cluster: string) => object | undefined;
  windowMs?: number;
  ringSize?: number;
  highWaterBytes?: number;
  lowWaterBytes?: number;
  /** Close a client with 1013 after this many resyncs within `resyncWindowMs`. */
  maxResyncs?: number;
  resyncWindowMs?: number;
  pingIntervalMs?: number;
  /** Subscribe requests a client may send per `abuseWindowMs` (default 120). */
  maxSubscribes?: number;
  /** Snapshot bytes a client may be sent per `abuseWindowMs` (default 128 MiB). */
  maxSnapshotBytes?: number;
  abuseWindowMs?: number;
  /**
   * Clusters that act as the signed-in user decide by their own RBAC which users see their nodes
   * (AccessReviews): asked when a client subscribes; a refused cluster is left out with the reason.
   */
  readAccess?: { denied(who: ActingIdentity, clusters: readonly string[]): Promise<Map<string, string>> };
}

/** Close code for a client that asks for more than the rules allow (RFC 6455 "policy violation"). */
export const CLOSE_ABUSE = 1008;

type PendingKind = 'added' | 'updated' | 'deleted' | 'podCount' | 'resources';
interface Pending {
  kind: PendingKind;
  changed?: Set<string>;
  podCount?: number;
}

interface Topic {
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

export class HubClient {
  readonly clusters = new Set<string>();
  wildcard = false;
  jobs = false;
  /** Clusters whose own RBAC does not let this user list nodes (decided at the last subscribe). */
  hidden = new Map<string, string>();
  /** Bytes handed to the socket and not yet written out. */
  pendingBytes = 0;
  /** Of those, snapshot bytes: a snapshot is sent on purpose and must not itself count as falling behind. */
  exemptBytes = 0;
  /** Clusters whose deltas were skipped; a resync is owed once the socket drains. */
  readonly behind = new Set<string>();
  /** Jobs whose deltas were skipped; the client is told to read them again once the socket drains. */
  readonly jobsBehind = new Set<string>();
  readonly resyncs: number[] = [];
  /** Times of recent subscribe requests, and sizes of recent snapshots, within the abuse window. */
  readonly subscribes: number[] = [];
  readonly snapshots: { at: number; bytes: number }[] = [];
  alive = true;
  closed = false;

  constructor(
    readonly socket: HubSocket,
    public user: AuthUser,
  ) {}
}

const PROTOCOL_VERSION = 1;

export class RealtimeHub {
  private readonly clients = new Set<HubClient>();
  private readonly topics = new Map<string, Topic>();
  private readonly jobPending = new Map<string, JobLike>();
  private jobTimer?: unknown;
  private readonly jobDeltas = new JobDeltas();
  private readonly clock: Clock;
  private readonly timers: TimerSet;
  private readonly windowMs: number;
  private readonly ringSize: number;
  private readonly high: number;
  private readonly low: number;
  private pingTimer?: unknown;
  private closed = false;
  private readonly detach: () => void;
  private resyncCount = 0;
  private slowClosed = 0;
  private readonly maxSubscribes: number;
  private readonly maxSnapshotBytes: number;
  private readonly abuseWindowMs: number;

  constructor(private readonly o: HubOptions) {
    this.clock = o.clock ?? systemClock;
    this.timers = new TimerSet(this.clock);
    this.windowMs = o.windowMs ?? 50;
    this.ringSize = o.ringSize ?? 4096;
    this.high = o.highWaterBytes ?? 4 * 1024 * 1024;
    this.low = o.lowWaterBytes ?? Math.min(this.high / 4, 1024 * 1024);
    this.maxSubscribes = o.maxSubscribes ?? 120;
    this.maxSnapshotBytes = o.maxSnapshotBytes ?? 128 * 1024 * 1024;
    this.abuseWindowMs = o.abuseWindowMs ?? 60_000;
    const onChange = (c: NodeChange) => this.onChange(c);
    const onState = (cluster: string) => this.onState(cluster);
    const onSynced = (cluster: string) => this.onSynced(cluster);
    const onRemoved = (cluster: string) => this.onRemoved(cluster);
    o.source.on('change', onChange);
    o.source.on('state', onState);
    o.source.on('synced', onSynced);
    o.source.on('removed', onRemoved);
    this.detach = () => {
      o.source.off('change', onChange);
      o.source.off('state', onState);
      o.source.off('synced', onSynced);
      o.source.off('removed', onRemoved);
    };
    this.schedulePing();
  }

  // ---- connections ----------------------------------------------------------------------------------------

  connect(socket: HubSocket, user: AuthUser): HubClient {
    const c = new HubClient(socket, user);
    if (this.closed) {
      socket.close(1001, 'server shutting down');
      c.closed = true;
      return c;
    }
    this.clients.add(c);
    wsConnections.set(this.clients.size);
    this.send(
      c,
      'hello',
      JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, user: publicUser(user) }),
    );
    return c;
  }

  disconnect(c: HubClient): void {
    if (!this.clients.delete(c)) return;
    c.closed = true;
    for (const t of this.topics.values()) t.subscribers.delete(c);
    wsConnections.set(this.clients.size);
  }

  pong(c: HubClient): void {
    c.alive = true;
  }

  /** The user's rights changed (role, clusters): drop subscriptions they may no longer see. */
  setUser(c: HubClient, user: AuthUser): void {
    c.user = user;
    for (const name of [...c.clusters]) {
      if (!canSeeCluster(user, name)) this.unsubscribeOne(c, name);
    }
  }

  /** A text frame from the client. */
  message(c: HubClient, text: string): void {
    let m: { type?: unknown; clusters?: unknown; since?: unknown };
    try {
      m = JSON.parse(text) as typeof m;
    } catch {
      return this.error(c, 'messages must be JSON');
    }
    if (!m || typeof m !== 'object') return this.error(c, 'messages must be JSON objects');
    switch (m.type) {
      case 'ping':
        return this.send(c, 'pong', '{"type":"pong"}');
      case 'subscribe-jobs':
        c.jobs = true;
        // Acknowledged, so the client reads the jobs it watches only once no change can slip past it.
        return this.send(c, 'jobs.subscribed', '{"type":"jobs.subscribed"}');
      case 'unsubscribe-jobs':
        c.jobs = false;
        return;
      case 'subscribe':
      case 'unsubscribe': {
        const names = m.clusters;
        if (
          !Array.isArray(names) ||
          names.length > 1000 ||
          !names.every((n) => typeof n === 'string' && n.length <= 253)
        ) {
          return this.error(c, '"clusters" must be a list of cluster names (or ["*"])');
        }
        if (m.type === 'unsubscribe') {
          if (names.includes('*')) c.wildcard = false;
          for (const n of names.includes('*') ? [...c.clusters] : (names as string[]))
            this.unsubscribeOne(c, n);
          return;
        }
        let since: Record<string, number> = {};
        if (m.since !== undefined) {
          if (!m.since || typeof m.since !== 'object' || Array.isArray(m.since)) {
            return this.error(c, '"since" must be an object {cluster: version}');
          }
          since = m.since as Record<string, number>;
        }
        if (!this.countSubscribe(c)) return;
        if (this.o.readAccess) return void this.subscribeReviewed(c, names as string[], since);
        return this.subscribe(c, names as string[], since);
      }
      default:
        return this.error(c, `unknown message type ${JSON.stringify(m.type)}`);
    }
  }

  /** Asks the clusters' own RBAC first (readAccess), then subscribes to what it allows. */
  private async subscribeReviewed(
    c: HubClient,
    names: string[],
    since: Record<string, number>,
  ): Promise<void> {
    const visible = this.o.source.clusters().filter((n) => canSeeCluster(c.user, n));
    const asked = names.includes('*') ? visible : visible.filter((n) => names.includes(n));
    try {
      const denied = await this.o.readAccess!.denied(actingIdentity(c.user), asked);
      for (const n of asked) c.hidden.delete(n);
      for (const [n, reason] of denied) c.hidden.set(n, reason);
    } catch (e) {
      this.o.log.warn({ err: (e as Error).message }, 'access review failed; subscribing to nothing');
      return this.error(c, 'the clusters could not be asked what you may see; subscribe again');
    }
    if (c.closed) return;
    for (const n of asked) {
      const reason = c.hidden.get(n);
      if (reason !== undefined)
        this.send(c, 'error', JSON.stringify({ type: 'error', cluster: n, message: reason }));
    }
    this.subscribe(c, names, since);
  }

  private sees(c: HubClient, cluster: string): boolean {
    return canSeeCluster(c.user, cluster) && !c.hidden.has(cluster);
  }

  private subscribe(c: HubClient, names: string[], since: Record<string, number>): void {
    const known = new Set(this.o.source.clusters());
    let targets: string[];
    if (names.includes('*')) {
      c.wildcard = true;
      targets = [...known].filter((n) => this.sees(c, n));
    } else {
      targets = [];
      for (const n of names) {
        // Unknown and forbidden read the same, so a restricted user learns nothing about other clusters.
        if (!known.has(n) || !canSeeCluster(c.user, n)) this.error(c, `cluster "${n}" not found`);
        else if (!c.hidden.has(n)) targets.push(n);
      }
    }
    for (const n of targets) {
      const first = !c.clusters.has(n);
      const t = this.topic(n);
      // Changes waiting in the coalescing window go out first, to the existing subscribers and into the ring,
      // so this client's resume or snapshot starts from the true current version without duplicates.
      if (t.pending.size) this.flush(t, true);
      c.clusters.add(n);
      t.subscribers.add(c);
      if (first || since[n] !== undefined) this.catchUp(c, t, since[n], first);
    }
  }

  /** False (and the client closed) when this subscribe request is one too many for the window. */
  private countSubscribe(c: HubClient): boolean {
    const now = this.clock.now();
    while (c.subscribes.length && now - c.subscribes[0]! >= this.abuseWindowMs) c.subscribes.shift();
    c.subscribes.push(now);
    if (c.subscribes.length <= this.maxSubscribes) return true;
    this.abuse(c, `more than ${this.maxSubscribes} subscribe requests in ${this.abuseWindowMs / 1000}s`);
    return false;
  }

  private abuse(c: HubClient, why: string): void {
    wsDropped.inc({ action: 'abuse' });
    this.o.log.warn({ user: c.user.username, why }, 'realtime client asks for too much; closing');
    // The reason reaches the client (at most 123 bytes): say what to do, not only what went wrong.
    this.drop(c, CLOSE_ABUSE, `${why}; reconnect later`.slice(0, 123));
  }

  private unsubscribeOne(c: HubClient, name: string): void {
    c.clusters.delete(name);
    c.behind.delete(name);
    this.topics.get(name)?.subscribers.delete(c);
  }

  /** State, then either the missed messages (resume) or a snapshot. */
  private catchUp(c: HubClient, t: Topic, since: unknown, first: boolean): void {
    // Asked for while the client has not read what it was already sent: the catch-up is owed for when it
    // drains (a resync, counted toward the slow-client limit), so re-subscribing in a loop cannot queue
    // snapshot after snapshot. A new subscription still learns the cluster's state (a small message).
    if (c.pendingBytes > this.high) {
      if (first) this.sendState(c, t);
      c.behind.add(t.cluster);
      return;
    }
    this.sendState(c, t);
    if (typeof since === 'number' && Number.isSafeInteger(since)) {
      if (since === t.version) return;
      const oldest = t.ring[0]?.v;
      if (since < t.version && oldest !== undefined && since >= oldest - 1) {
        for (const m of t.ring) if (m.v > since) this.send(c, 'replay', m.data);
        return;
      }
    }
    this.sendSnapshot(c, t);
  }

  private sendSnapshot(c: HubClient, t: Topic): boolean {
    if (c.closed) return false;
    if (t.snapshot?.version !== t.version) {
      const items = this.o.source.rowsJson
        ? this.o.source.rowsJson(t.cluster)
        : json(this.o.source.rows(t.cluster));
      if (items === undefined) return false; // not synced yet: the snapshot follows the first LIST ('synced')
      t.snapshot = {
        version: t.version,
        data: Buffer.concat([
          Buffer.from(
            `{"type":"snapshot","cluster":${JSON.stringify(t.cluster)},"version":${t.version},"items":`,
          ),
          items,
          Buffer.from('}'),
        ]),
      };
    }
    const data = t.snapshot!.data;
    const now = this.clock.now();
    while (c.snapshots.length && now - c.snapshots[0]!.at >= this.abuseWindowMs) c.snapshots.shift();
    const pulled = c.snapshots.reduce((n, x) => n + x.bytes, 0);
    if (pulled + data.length > this.maxSnapshotBytes) {
      this.abuse(
        c,
        `more than ${byteSize(this.maxSnapshotBytes)} of snapshots in ${this.abuseWindowMs / 1000}s`,
      );
      return true;
    }
    c.snapshots.push({ at: now, bytes: data.length });
    this.send(c, 'snapshot', data, true);
    return true;
  }

  private sendState(c: HubClient, t: Topic): void {
    this.send(c, 'cluster.state', this.stateMessage(t.cluster));
  }

  private stateMessage(cluster: string): string {
    const info = this.o.clusterInfo?.(cluster) ?? { name: cluster, ...this.statusOf(cluster) };
    return JSON.stringify({ type: 'cluster.state', cluster, state: info });
  }

  private statusOf(cluster: string): object {
    return this.o.source.status?.(cluster) ?? {};
  }

  // ---- topics ---------------------------------------------------------------------------------------------

  private topic(cluster: string): Topic {
    let t = this.topics.get(cluster);
    if (!t) {
      // Versions start at the creation time in µs-scale so a restarted server (or a re-added cluster) never
      // reuses a version a client may still hold: a stale `since` then asks for a snapshot, not a wrong replay.
      t = {
        cluster,
        version: this.clock.now() * 1000,
        ring: [],
        pending: new Map(),
        flushAt: Infinity,
        lastSent: new Map(),
        subscribers: new Set(),
      };
      this.topics.set(cluster, t);
      for (const c of this.clients) {
        if (c.clusters.has(cluster)) t.subscribers.add(c);
        else if (c.wildcard && this.sees(c, cluster)) {
          // A cluster new to a wildcard subscriber is reviewed first where its own RBAC decides.
          if (this.o.readAccess) {
            const client = c;
            queueMicrotask(() => void this.subscribeReviewed(client, [cluster], {}));
            continue;
          }
          c.clusters.add(cluster);
          t.subscribers.add(c);
        }
      }
    }
    return t;
  }

  private onChange(ch: NodeChange): void {
    if (this.closed) return;
    const t = this.topic(ch.cluster);
    const now = this.clock.now();
    const p = t.pending.get(ch.name);
    // Per-node window: a node not sent recently goes out at once; one sent less than a window ago waits for
    // the window's end, collecting whatever else happens to it meanwhile into the same message.
    const due = p?.due ?? Math.max(now, (t.lastSent.get(ch.name) ?? -Infinity) + this.windowMs);
    t.pending.set(ch.name, { ...merge(p, ch), due });
    this.schedule(t, due);
  }

  private schedule(t: Topic, due: number): void {
    if (t.flushTimer !== undefined && t.flushAt <= due) return;
    this.timers.clear(t.flushTimer);
    t.flushAt = due;
    t.flushTimer = this.timers.set(() => this.flush(t), Math.max(0, due - this.clock.now()));
  }

  /** Send what is due (everything with `all`, e.g. before a new subscriber's snapshot). */
  private flush(t: Topic, all = false): void {
    this.timers.clear(t.flushTimer);
    t.flushTimer = undefined;
    t.flushAt = Infinity;
    const now = this.clock.now();
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
    for (const [name, at] of t.lastSent) if (at + this.windowMs <= now) t.lastSent.delete(name);
    if (next !== Infinity) this.schedule(t, next);
    for (const [name, p] of batch) {
      let msg: Record<string, unknown>;
      let kind: string;
      const row = p.kind === 'deleted' ? undefined : this.o.source.row(t.cluster, name);
      if (p.kind === 'deleted' || !row) {
        kind = 'node.deleted';
        msg = { type: kind, cluster: t.cluster, name, version: 0 };
      } else if (p.kind === 'added') {
        kind = 'node.added';
        msg = { type: kind, cluster: t.cluster, name, version: 0, node: row };
      } else if (p.kind === 'updated') {
        kind = 'node.updated';
        msg = { type: kind, cluster: t.cluster, name, version: 0, changed: [...p.changed!], node: row };
      } else if (p.kind === 'resources') {
        // Usage moves are frequent and small: the live values only, not the whole row.
        kind = 'node.resources';
        msg = {
          type: kind,
          cluster: t.cluster,
          name,
          version: 0,
          podCount: row.podCount,
          cpuUsed: row.cpuUsed,
          memUsed: row.memUsed,
          cpuRequested: row.cpuRequested,
          memRequested: row.memRequested,
          cpuLimits: row.cpuLimits,
          memLimits: row.memLimits,
        };
      } else {
        kind = 'node.podCount';
        msg = { type: kind, cluster: t.cluster, name, version: 0, podCount: row.podCount };
      }
      msg.version = ++t.version;
      const data = JSON.stringify(msg);
      t.ring.push({ v: t.version, data });
      if (t.ring.length > this.ringSize) t.ring.splice(0, t.ring.length - this.ringSize);
      this.deliver(t, kind, data);
    }
  }

  private deliver(t: Topic, kind: string, data: string): void {
    for (const c of t.subscribers) {
      if (c.behind.has(t.cluster)) continue;
      if (c.pendingBytes - c.exemptBytes > this.high) {
        c.behind.add(t.cluster);
        continue;
      }
      this.send(c, kind, data);
    }
  }

  private onState(cluster: string): void {
    if (this.closed) return;
    const t =
      this.topics.get(cluster) ??
      (this.o.source.clusters().includes(cluster) ? this.topic(cluster) : undefined);
    if (!t) return;
    const data = this.stateMessage(cluster);
    if (data === t.lastState) return;
    t.lastState = data;
    for (const c of t.subscribers) this.send(c, 'cluster.state', data);
  }

  private onSynced(cluster: string): void {
    if (this.closed) return;
    const t = this.topic(cluster);
    for (const c of t.subscribers) this.sendSnapshot(c, t);
  }

  private onRemoved(cluster: string): void {
    const t = this.topics.get(cluster);
    if (!t) return;
    this.timers.clear(t.flushTimer);
    const data = JSON.stringify({
      type: 'cluster.state',
      cluster,
      state: { name: cluster, state: 'stopped' },
    });
    for (const c of t.subscribers) {
      this.send(c, 'cluster.state', data);
      c.behind.delete(cluster);
    }
    // Explicit subscriptions stay on the client: if the cluster comes back, a new topic picks them up.
    this.topics.delete(cluster);
  }

  // ---- jobs -----------------------------------------------------------------------------------------------

  /** Job progress to clients that sent `subscribe-jobs` and may see every cluster the job touches. */
  publishJob(job: JobLike): void {
    if (this.closed) return;
    this.jobPending.set(job.id, job);
    if (this.jobTimer === undefined) this.jobTimer = this.timers.set(() => this.flushJobs(), this.windowMs);
  }

  private flushJobs(): void {
    this.jobTimer = undefined;
    const jobs = [...this.jobPending.values()];
    this.jobPending.clear();
    for (const job of jobs) {
      const clusters = new Set([...(job.nodes ?? []), ...(job.targets ?? [])].map((n) => n.cluster));
      const delta = this.jobDeltas.next(job);
      if (!delta) continue;
      const data = JSON.stringify(delta);
      for (const c of this.clients) {
        if (!c.jobs) continue;
        if (![...clusters].every((cl) => canSeeCluster(c.user, cl))) continue;
        if (c.pendingBytes - c.exemptBytes > this.high) {
          c.jobsBehind.add(job.id);
          continue;
        }
        this.send(c, 'job.delta', data);
      }
    }
  }

  // ---- sending and back-pressure --------------------------------------------------------------------------

  private send(c: HubClient, kind: string, data: string | Buffer, exempt = false): void {
    if (c.closed) return;
    const n = data.length;
    c.pendingBytes += n;
    if (exempt) c.exemptBytes += n;
    wsMessages.inc({ type: kind });
    try {
      c.socket.send(data, (err) => {
        c.pendingBytes -= n;
        if (exempt) c.exemptBytes -= n;
        if (err) return this.drop(c, 1011, 'send failed');
        if (c.behind.size && c.pendingBytes - c.exemptBytes <= this.low) this.resync(c);
        if (c.jobsBehind.size && c.pendingBytes - c.exemptBytes <= this.low) this.jobGap(c);
      });
    } catch {
      this.drop(c, 1011, 'send failed');
    }
  }

  private resync(c: HubClient): void {
    const now = this.clock.now();
    const window = this.o.resyncWindowMs ?? 60_000;
    while (c.resyncs.length && now - c.resyncs[0]! > window) c.resyncs.shift();
    c.resyncs.push(now);
    if (c.resyncs.length > (this.o.maxResyncs ?? 3)) {
      wsDropped.inc({ action: 'close' });
      this.slowClosed++;
      this.o.log.warn({ user: c.user.username }, 'realtime client too slow; closing');
      return this.drop(c, 1013, 'too slow; reconnect later');
    }
    wsDropped.inc({ action: 'resync' });
    this.resyncCount++;
    const clusters = [...c.behind];
    c.behind.clear();
    for (const cl of clusters) {
      const t = this.topics.get(cl);
      if (!t) continue;
      this.send(c, 'resync', JSON.stringify({ type: 'resync', cluster: cl, reason: 'client fell behind' }));
      this.sendSnapshot(c, t);
    }
  }

  private jobGap(c: HubClient): void {
    const ids = [...c.jobsBehind];
    c.jobsBehind.clear();
    this.send(c, 'job.gap', JSON.stringify({ type: 'job.gap', ids }));
  }

  private drop(c: HubClient, code: number, reason: string): void {
    if (c.closed) return;
    this.disconnect(c);
    try {
      c.socket.close(code, reason);
    } catch {
      c.socket.terminate();
    }
  }

  private error(c: HubClient, message: string): void {
    this.send(c, 'error', JSON.stringify({ type: 'error', message }));
  }

  // ---- liveness -------------------------------------------------------------------------------------------

  private schedulePing(): void {
    const every = this.o.pingIntervalMs ?? 30_000;
    if (every <= 0) return;
    this.pingTimer = this.timers.set(() => {
      for (const c of [...this.clients]) {
        if (!c.alive) {
          // No pong since the last ping: the peer is gone or not reading at all.
          this.disconnect(c);
          c.socket.terminate();
          continue;
        }
        c.alive = false;
        try {
          c.socket.ping();
        } catch {
          this.disconnect(c);
        }
      }
      this.schedulePing();
    }, every);
  }

  // ---- shutdown and introspection -------------------------------------------------------------------------

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.detach();
    this.timers.clearAll();
    for (const c of [...this.clients]) this.drop(c, 1001, 'server shutting down');
    this.topics.clear();
  }

  stats(): { clients: number; topics: number; timers: number; ringEntries: number } {
    let ring = 0;
    for (const t of this.topics.values()) ring += t.ring.length;
    return {
      clients: this.clients.size,
      topics: this.topics.size,
      timers: this.timers.size,
      ringEntries: ring,
    };
  }

  /** Current version of a cluster's topic (tests, diagnostics). */
  version(cluster: string): number | undefined {
    return this.topics.get(cluster)?.version;
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

function byteSize(n: number): string {
  return n >= 1048576 ? `${Math.round(n / 1048576)} MiB` : `${Math.round(n / 1024)} KiB`;
}

function json(v: unknown): Buffer | undefined {
  return v === undefined ? undefined : Buffer.from(JSON.stringify(v));
}

function publicUser(u: AuthUser): object {
  return { id: u.id, username: u.username, role: u.role, clusters: u.clusters };
}
