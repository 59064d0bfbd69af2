/**
 * The realtime hub: pushes node changes, pod counts, cluster states and job progress to WebSocket clients
 * (protocol: docs/API.md "Realtime", built in protocol.ts). It ties the cluster topics (topics.ts: versions,
 * resume ring, per-node coalescing) to the connected clients (clients.ts: back-pressure and limits), decides
 * who may see what, and keeps connections alive. It never talks to Kubernetes and knows no HTTP: the ws route
 * hands it sockets and users.
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
 *   or more than `maxSnapshotBytes` of snapshots asked for by subscribing, within `abuseWindowMs` → closed with
 *   1008 and a reason.
 */
import type { AuthUser } from '../auth/identity.js';
import { actingIdentity, canSeeCluster } from '../auth/identity.js';
import type { Logger } from '../log/logger.js';
import { systemClock, TimerSet, type Clock } from '../clock.js';
import { wsConnections, wsDropped } from '../metrics/registry.js';
import type { NodeChange } from '../cache/manager.js';
import type { NodeRow } from '../cache/types.js';
import { HubClient, Outbox, type HubSocket } from './clients.js';
import { JobDeltas } from './job-deltas.js';
import { AccessRechecks, type ReadAccess } from './access-recheck.js';
import {
  CLOSE_ABUSE,
  CLOSE_GOING_AWAY,
  CLOSE_SEND_FAILED,
  CLOSE_TOO_SLOW,
  JOBS_SUBSCRIBED,
  PONG,
  clusterStateMessage,
  errorMessage,
  helloMessage,
  jobGapMessage,
  jsonBuffer,
  parseClientMessage,
  resyncMessage,
  snapshotMessage,
} from './protocol.js';
import { Topics, type Topic } from './topics.js';

export { HubClient, type HubSocket } from './clients.js';
export { CLOSE_ABUSE } from './protocol.js';

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
   * (AccessReviews): asked when a client subscribes, again every `accessReviewMs` and whenever the user's
   * rights change; a refused cluster is left out (or its subscription ended) with the reason.
   */
  readAccess?: ReadAccess;
  /** How long a subscription's review holds (default 30 s, the access reviews' lifetime). */
  accessReviewMs?: number;
}

export class RealtimeHub {
  private readonly clients = new Set<HubClient>();
  private readonly topics: Topics;
  private readonly outbox: Outbox;
  private readonly jobPending = new Map<string, JobLike>();
  private jobTimer?: unknown;
  private readonly jobDeltas = new JobDeltas();
  private readonly clock: Clock;
  private readonly timers: TimerSet;
  private readonly windowMs: number;
  private readonly high: number;
  private pingTimer?: unknown;
  private closed = false;
  private readonly detach: () => void;
  private resyncCount = 0;
  private slowClosed = 0;
  private readonly maxSubscribes: number;
  private readonly maxSnapshotBytes: number;
  private readonly abuseWindowMs: number;
  private readonly rechecks?: AccessRechecks;

  constructor(private readonly o: HubOptions) {
    this.clock = o.clock ?? systemClock;
    this.timers = new TimerSet(this.clock);
    this.windowMs = o.windowMs ?? 50;
    this.high = o.highWaterBytes ?? 4 * 1024 * 1024;
    const low = o.lowWaterBytes ?? Math.min(this.high / 4, 1024 * 1024);
    this.maxSubscribes = o.maxSubscribes ?? 120;
    this.maxSnapshotBytes = o.maxSnapshotBytes ?? 128 * 1024 * 1024;
    this.abuseWindowMs = o.abuseWindowMs ?? 60_000;
    this.topics = new Topics({
      clock: this.clock,
      timers: this.timers,
      windowMs: this.windowMs,
      ringSize: o.ringSize ?? 4096,
      row: (cluster, name) => o.source.row(cluster, name),
      created: (t) => this.joinNewTopic(t),
      deliver: (t, type, data) => this.deliver(t, type, data),
      held: (t, send) => this.outbox.held(t.subscribers, send),
    });
    this.outbox = new Outbox({
      lowWaterBytes: low,
      failed: (c) => this.drop(c, CLOSE_SEND_FAILED, 'send failed'),
      drained: (c) => {
        if (c.behind.size && this.outbox.drainedBelowLow(c)) this.resync(c);
        if (c.jobsBehind.size && this.outbox.drainedBelowLow(c)) this.jobGap(c);
      },
    });
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
    if (o.readAccess) {
      this.rechecks = new AccessRechecks({
        readAccess: o.readAccess,
        timers: this.timers,
        everyMs: o.accessReviewMs ?? 30_000,
        log: o.log,
        scope: (c) => [...c.clusters, ...c.hidden.keys()].filter((n) => canSeeCluster(c.user, n)),
        revoke: (c, n, reason) => {
          this.unsubscribeOne(c, n);
          c.hidden.set(n, reason);
          this.send(c, 'error', errorMessage(reason, n));
        },
        restore: (c, n, resubscribe) => {
          c.hidden.delete(n);
          if (resubscribe && !c.closed) this.subscribe(c, [n], {});
        },
      });
    }
    this.schedulePing();
  }

  // ---- connections ----------------------------------------------------------------------------------------

  connect(socket: HubSocket, user: AuthUser): HubClient {
    const c = new HubClient(socket, user);
    if (this.closed) {
      socket.close(CLOSE_GOING_AWAY, 'server shutting down');
      c.closed = true;
      return c;
    }
    this.clients.add(c);
    wsConnections.set(this.clients.size);
    this.send(c, 'hello', helloMessage(user));
    return c;
  }

  disconnect(c: HubClient): void {
    if (!this.clients.delete(c)) return;
    c.closed = true;
    this.rechecks?.forget(c);
    for (const t of this.topics.values()) t.subscribers.delete(c);
    wsConnections.set(this.clients.size);
  }

  pong(c: HubClient): void {
    c.alive = true;
  }

  /**
   * The user's rights may have changed (role, clusters, groups): end subscriptions they may no longer see, with
   * the reason, and ask the clusters that decide by their own RBAC again.
   */
  setUser(c: HubClient, user: AuthUser): void {
    c.user = user;
    for (const name of [...c.clusters]) {
      if (canSeeCluster(user, name)) continue;
      this.unsubscribeOne(c, name);
      this.send(c, 'error', errorMessage(`your access to cluster "${name}" was removed`, name));
    }
    void this.rechecks?.now(c);
  }

  /** A text frame from the client. */
  message(c: HubClient, text: string): void {
    const m = parseClientMessage(text);
    switch (m.type) {
      case 'error':
        return this.error(c, m.message);
      case 'ping':
        return this.send(c, 'pong', PONG);
      case 'subscribe-jobs':
        c.jobs = true;
        // Acknowledged, so the client reads the jobs it watches only once no change can slip past it.
        return this.send(c, 'jobs.subscribed', JOBS_SUBSCRIBED);
      case 'unsubscribe-jobs':
        c.jobs = false;
        return;
      case 'unsubscribe': {
        const names = m.clusters;
        if (names.includes('*')) c.wildcard = false;
        for (const n of names.includes('*') ? [...c.clusters] : names) this.unsubscribeOne(c, n);
        return;
      }
      case 'subscribe':
        if (!this.countSubscribe(c)) return;
        if (this.o.readAccess) return void this.subscribeReviewed(c, m.clusters, m.since);
        return this.subscribe(c, m.clusters, m.since);
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
      if (reason !== undefined) this.send(c, 'error', errorMessage(reason, n));
    }
    this.subscribe(c, names, since);
    this.rechecks?.schedule(c);
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
      const t = this.topics.topic(n);
      // Changes waiting in the coalescing window go out first, to the existing subscribers and into the ring,
      // so this client's resume or snapshot starts from the true current version without duplicates.
      if (t.pending.size) this.topics.flush(t, true);
      c.clusters.add(n);
      t.subscribers.add(c);
      if (first || since[n] !== undefined) this.catchUp(c, t, since[n], first);
    }
  }

  /** False (and the client closed) when this subscribe request is one too many for the window. */
  private countSubscribe(c: HubClient): boolean {
    if (c.countSubscribe(this.clock.now(), this.maxSubscribes, this.abuseWindowMs)) return true;
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
        this.outbox.held([c], () => {
          for (const m of t.ring) if (m.v > since) this.send(c, 'replay', m.data);
        });
        return;
      }
    }
    this.sendSnapshot(c, t, true);
  }

  /**
   * `asked`: the client's own subscribe asked for it, so it counts toward the client's snapshot budget. A
   * snapshot the server sends on its own (a lagging client's resync, a cluster synced again) does not: a client
   * subscribed to 10 clusters of 5,000 nodes is sent 110 MB at subscribe, and two resyncs then closed it as
   * abusive (1008) when it was only slow, which the resync limit (1013) already governs.
   */
  private sendSnapshot(c: HubClient, t: Topic, asked = false): boolean {
    if (c.closed) return false;
    if (t.snapshot?.version !== t.version) {
      const items = this.o.source.rowsJson
        ? this.o.source.rowsJson(t.cluster)
        : jsonBuffer(this.o.source.rows(t.cluster));
      if (items === undefined) return false; // not synced yet: the snapshot follows the first LIST ('synced')
      t.snapshot = { version: t.version, data: snapshotMessage(t.cluster, t.version, items) };
    }
    const data = t.snapshot!.data;
    if (asked && !c.countSnapshot(this.clock.now(), data.length, this.maxSnapshotBytes, this.abuseWindowMs)) {
      this.abuse(
        c,
        `more than ${byteSize(this.maxSnapshotBytes)} of snapshots in ${this.abuseWindowMs / 1000}s`,
      );
      return true;
    }
    this.send(c, 'snapshot', data, true);
    return true;
  }

  private sendState(c: HubClient, t: Topic): void {
    this.send(c, 'cluster.state', this.stateMessage(t.cluster));
  }

  private stateMessage(cluster: string): string {
    const info = this.o.clusterInfo?.(cluster) ?? { name: cluster, ...this.statusOf(cluster) };
    return clusterStateMessage(cluster, info);
  }

  private statusOf(cluster: string): object {
    return this.o.source.status?.(cluster) ?? {};
  }

  // ---- topics ---------------------------------------------------------------------------------------------

  /** A topic was just made: clients that asked for its cluster, by name or by wildcard, subscribe to it. */
  private joinNewTopic(t: Topic): void {
    const cluster = t.cluster;
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

  private onChange(ch: NodeChange): void {
    if (this.closed) return;
    this.topics.change(ch);
  }

  private deliver(t: Topic, kind: string, data: string): void {
    for (const c of t.subscribers) {
      if (c.behind.has(t.cluster)) continue;
      if (c.unsentDeltaBytes > this.high) {
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
      (this.o.source.clusters().includes(cluster) ? this.topics.topic(cluster) : undefined);
    if (!t) return;
    const data = this.stateMessage(cluster);
    if (data === t.lastState) return;
    t.lastState = data;
    for (const c of t.subscribers) this.send(c, 'cluster.state', data);
  }

  private onSynced(cluster: string): void {
    if (this.closed) return;
    const t = this.topics.topic(cluster);
    for (const c of t.subscribers) this.sendSnapshot(c, t);
  }

  private onRemoved(cluster: string): void {
    const t = this.topics.get(cluster);
    if (!t) return;
    const data = clusterStateMessage(cluster, { name: cluster, state: 'stopped' });
    for (const c of t.subscribers) {
      this.send(c, 'cluster.state', data);
      c.behind.delete(cluster);
    }
    // Explicit subscriptions stay on the client: if the cluster comes back, a new topic picks them up.
    this.topics.remove(t);
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
        if (c.unsentDeltaBytes > this.high) {
          c.jobsBehind.add(job.id);
          continue;
        }
        this.send(c, 'job.delta', data);
      }
    }
  }

  // ---- sending and back-pressure --------------------------------------------------------------------------

  private send(c: HubClient, kind: string, data: string | Buffer, exempt = false): void {
    this.outbox.send(c, kind, data, exempt);
  }

  private resync(c: HubClient): void {
    if (!c.countResync(this.clock.now(), this.o.maxResyncs ?? 3, this.o.resyncWindowMs ?? 60_000)) {
      wsDropped.inc({ action: 'close' });
      this.slowClosed++;
      this.o.log.warn({ user: c.user.username }, 'realtime client too slow; closing');
      return this.drop(c, CLOSE_TOO_SLOW, 'too slow; reconnect later');
    }
    wsDropped.inc({ action: 'resync' });
    this.resyncCount++;
    const clusters = [...c.behind];
    c.behind.clear();
    for (const cl of clusters) {
      const t = this.topics.get(cl);
      if (!t) continue;
      this.send(c, 'resync', resyncMessage(cl));
      this.sendSnapshot(c, t);
    }
  }

  private jobGap(c: HubClient): void {
    const ids = [...c.jobsBehind];
    c.jobsBehind.clear();
    this.send(c, 'job.gap', jobGapMessage(ids));
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
    this.send(c, 'error', errorMessage(message));
  }

  // ---- liveness -------------------------------------------------------------------------------------------

  private schedulePing(): void {
    const every = this.o.pingIntervalMs ?? 30_000;
    if (every <= 0) return;
    this.pingTimer = this.timers.set(() => {
      for (const c of [...this.clients]) {
        // No pong since the last ping, and nothing written out since: the peer is gone or not reading at all.
        // A peer still reading a long stream (a first subscribe to many large clusters is hundreds of MB) meets
        // the ping only behind it; as long as its socket keeps taking bytes, it is slow, not dead (the
        // high-water mark and the resync limit bound what a slow client costs).
        if (!c.alive && c.written === c.writtenAtPing) {
          this.disconnect(c);
          c.socket.terminate();
          continue;
        }
        c.alive = false;
        c.writtenAtPing = c.written;
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
    for (const c of [...this.clients]) this.drop(c, CLOSE_GOING_AWAY, 'server shutting down');
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

function byteSize(n: number): string {
  return n >= 1048576 ? `${Math.round(n / 1048576)} MiB` : `${Math.round(n / 1024)} KiB`;
}
