/**
 * The hub's clients: what each connection subscribed to, what it has not yet read (back-pressure), and how
 * much it asked for lately (abuse and slow-client limits). A client whose unsent data passes the high-water
 * mark stops receiving deltas; once it drains below the low-water mark it is caught up (resync, job gap).
 * Memory per client is therefore bounded by the high-water mark plus one snapshot.
 */
import type { AuthUser } from '../auth/identity.js';
import { countWsMessage } from '../metrics/registry.js';

/** The part of a `ws` WebSocket the hub uses. Buffers are UTF-8 JSON and must go out as text frames. */
export interface HubSocket {
  send(data: string | Buffer, cb?: (err?: Error) => void): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  ping(): void;
  /**
   * Hold writes until `uncork` (optional). A usage refresh changes every node of a cluster at once; sent as
   * one frame and one write each, 2,000 nodes cost 2,000 writes per client and held the event loop ~90 ms.
   * Held, the frames of one flush leave in one vectored write.
   */
  cork?(): void;
  uncork?(): void;
}

export class HubClient {
  readonly clusters = new Set<string>();
  wildcard = false;
  jobs = false;
  /** Clusters whose own RBAC does not let this user list nodes (decided at the last subscribe). */
  hidden = new Map<string, string>();
  /** Bytes handed to the socket and not yet written out. */
  pendingBytes = 0;
  /** Bytes written out since the connection opened; `writtenAtPing` is the figure when the last ping left. */
  written = 0;
  writtenAtPing = 0;
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

  /** Unsent bytes that count toward falling behind (snapshots excluded). */
  get unsentDeltaBytes(): number {
    return this.pendingBytes - this.exemptBytes;
  }

  /** Counts a subscribe request; false when it is one too many for the window. */
  countSubscribe(now: number, max: number, windowMs: number): boolean {
    while (this.subscribes.length && now - this.subscribes[0]! >= windowMs) this.subscribes.shift();
    this.subscribes.push(now);
    return this.subscribes.length <= max;
  }

  /** Counts a snapshot's bytes; false (nothing counted) when it would pass the window's budget. */
  countSnapshot(now: number, bytes: number, max: number, windowMs: number): boolean {
    while (this.snapshots.length && now - this.snapshots[0]!.at >= windowMs) this.snapshots.shift();
    const pulled = this.snapshots.reduce((n, x) => n + x.bytes, 0);
    if (pulled + bytes > max) return false;
    this.snapshots.push({ at: now, bytes });
    return true;
  }

  /** Counts a resync; false when there were too many within the window. */
  countResync(now: number, max: number, windowMs: number): boolean {
    while (this.resyncs.length && now - this.resyncs[0]! > windowMs) this.resyncs.shift();
    this.resyncs.push(now);
    return this.resyncs.length <= max;
  }
}

export interface OutboxOptions {
  lowWaterBytes: number;
  /** The socket refused a message: the connection is unusable. */
  failed(c: HubClient): void;
  /** Called after each write completes, so a client behind can be caught up once it has drained. */
  drained(c: HubClient): void;
}

/** Hands messages to clients' sockets, counting what each has not yet written out. */
export class Outbox {
  constructor(private readonly o: OutboxOptions) {}

  /** Whether the client has drained below the low-water mark. */
  drainedBelowLow(c: HubClient): boolean {
    return c.unsentDeltaBytes <= this.o.lowWaterBytes;
  }

  /** Runs `fn` with the clients' sockets held, so what it sends leaves in one write per client. */
  held(clients: Iterable<HubClient>, fn: () => void): void {
    const corked: HubClient[] = [];
    for (const c of clients) {
      if (c.closed || !c.socket.cork) continue;
      c.socket.cork();
      corked.push(c);
    }
    try {
      fn();
    } finally {
      for (const c of corked) c.socket.uncork?.();
    }
  }

  send(c: HubClient, kind: string, data: string | Buffer, exempt = false): void {
    if (c.closed) return;
    const n = data.length;
    c.pendingBytes += n;
    if (exempt) c.exemptBytes += n;
    countWsMessage(kind);
    try {
      c.socket.send(data, (err) => {
        c.pendingBytes -= n;
        if (!err) c.written += n;
        if (exempt) c.exemptBytes -= n;
        if (err) return this.o.failed(c);
        this.o.drained(c);
      });
    } catch {
      this.o.failed(c);
    }
  }
}
