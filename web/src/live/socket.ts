/**
 * The realtime connection (`/api/v1/ws`): one socket for the whole app, subscriptions re-sent after every
 * reconnect (with `since` versions so the server can resume instead of re-sending snapshots), exponential
 * back-off with jitter, and a keep-alive that notices a silently dead connection. In the browser the WebSocket
 * itself lives in a worker (workerSocket.ts), so large snapshots are read off the page's thread.
 */
import { ref, type Ref } from 'vue';
import type { ServerMessage } from '../api/types';
import { perf } from '../perf';
import type { SocketLike } from './socketLike';
import { WorkerSocket, type WorkerLike } from './workerSocket';

export type { SocketLike } from './socketLike';

export type SocketStatus = 'idle' | 'connecting' | 'open' | 'closed';

export interface SocketDeps {
  create: (url: string) => SocketLike;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (h: unknown) => void;
  random: () => number;
}

const OPEN = 1;
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
const PING_EVERY_MS = 25_000;
const SILENCE_LIMIT_MS = 60_000;

export function backoffDelay(attempt: number, random: number): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  // "Equal jitter": never less than half the ceiling, so a flapping server is not hammered.
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

export class LiveSocket {
  readonly status: Ref<SocketStatus> = ref('idle');
  /** Times the connection was re-established after a loss; the UI shows a "reconnecting" state meanwhile. */
  readonly reconnects = ref(0);
  private ws: SocketLike | null = null;
  private clusters = new Set<string>();
  private jobs = false;
  private versions = new Map<string, number>();
  private listeners = new Set<(m: ServerMessage) => void>();
  private attempt = 0;
  private retryTimer: unknown = null;
  private pingTimer: unknown = null;
  private silenceTimer: unknown = null;
  private stopped = true;
  private everOpened = false;

  constructor(
    private readonly url: string,
    private readonly deps: SocketDeps,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.deps.clearTimeout(this.retryTimer);
    this.clearKeepAlive();
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000, 'bye');
    this.status.value = 'idle';
    this.clusters.clear();
    this.versions.clear();
    this.jobs = false;
    this.everOpened = false;
  }

  on(fn: (m: ServerMessage) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Make the node subscription exactly `names` (`['*']` = every visible cluster). */
  setClusters(names: string[]): void {
    const next = new Set(names);
    const added = [...next].filter((c) => !this.clusters.has(c));
    const removed = [...this.clusters].filter((c) => !next.has(c));
    this.clusters = next;
    for (const c of removed) this.versions.delete(c);
    if (removed.includes('*')) this.versions.clear();
    if (removed.length) this.send({ type: 'unsubscribe', clusters: removed });
    if (added.length) this.send({ type: 'subscribe', clusters: added });
  }

  subscribeJobs(): void {
    if (this.jobs) return;
    this.jobs = true;
    this.send({ type: 'subscribe-jobs' });
  }

  /** The newest version applied for a cluster, offered as `since` after a reconnect. */
  noteVersion(cluster: string, version: number): void {
    this.versions.set(cluster, version);
  }

  private send(msg: unknown): void {
    if (this.ws && this.ws.readyState === OPEN) this.ws.send(JSON.stringify(msg));
  }

  private connect(): void {
    this.status.value = 'connecting';
    let ws: SocketLike;
    try {
      ws = this.deps.create(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      if (perf && perf.marks.socketOpen === undefined) perf.mark('socketOpen');
      this.status.value = 'open';
      if (this.everOpened) this.reconnects.value++;
      this.everOpened = true;
      this.armSilence();
      this.pingTimer = this.deps.setTimeout(() => this.ping(ws), PING_EVERY_MS);
      if (this.clusters.size) {
        const since: Record<string, number> = {};
        for (const [c, v] of this.versions) since[c] = v;
        this.send({
          type: 'subscribe',
          clusters: [...this.clusters],
          ...(Object.keys(since).length ? { since } : {}),
        });
      }
      if (this.jobs) this.send({ type: 'subscribe-jobs' });
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      this.armSilence();
      let msg: ServerMessage;
      if (typeof ev.data !== 'string') {
        // Parsed already (a socket held by a worker).
        msg = ev.data as ServerMessage;
      } else {
        try {
          msg = JSON.parse(ev.data) as ServerMessage;
        } catch {
          return;
        }
      }
      if (msg.type === 'hello') this.attempt = 0;
      for (const fn of this.listeners) fn(msg);
    };
    ws.onerror = () => {
      /* onclose follows and decides. */
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.clearKeepAlive();
      if (this.stopped) return;
      this.status.value = 'closed';
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    const delay = backoffDelay(this.attempt++, this.deps.random());
    this.retryTimer = this.deps.setTimeout(() => {
      if (!this.stopped) this.connect();
    }, delay);
  }

  private ping(ws: SocketLike): void {
    if (this.ws !== ws) return;
    this.send({ type: 'ping' });
    this.pingTimer = this.deps.setTimeout(() => this.ping(ws), PING_EVERY_MS);
  }

  private armSilence(): void {
    this.deps.clearTimeout(this.silenceTimer);
    const ws = this.ws;
    this.silenceTimer = this.deps.setTimeout(() => {
      if (this.ws === ws) ws?.close(4000, 'silent');
      // A close on a dead TCP connection may never fire; treat the socket as lost now.
      if (this.ws === ws && ws) ws.onclose?.({});
    }, SILENCE_LIMIT_MS);
  }

  private clearKeepAlive(): void {
    this.deps.clearTimeout(this.pingTimer);
    this.deps.clearTimeout(this.silenceTimer);
  }
}

export function browserSocketUrl(): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}/api/v1/ws`;
}

let shared: LiveSocket | null = null;
/** Set once a socket worker failed to start: from then on the socket lives on the page. */
let noWorker =
  typeof Worker === 'undefined' ||
  // `?perf=1&socket=page` measures the console as it was before the socket moved to a worker.
  (perf !== null && new URLSearchParams(location.search).get('socket') === 'page');

function createSocket(url: string): SocketLike {
  if (noWorker) return new WebSocket(url) as unknown as SocketLike;
  try {
    const worker = new Worker(new URL('./socketWorker.ts', import.meta.url), {
      type: 'module',
      name: 'knm-live-socket',
    }) as unknown as WorkerLike;
    return new WorkerSocket(url, worker, () => (noWorker = true));
  } catch {
    noWorker = true;
    return new WebSocket(url) as unknown as SocketLike;
  }
}

/** The app-wide socket; created on first use, started after login. */
export function liveSocket(): LiveSocket {
  if (!shared) {
    shared = new LiveSocket(browserSocketUrl(), {
      create: createSocket,
      setTimeout: (fn, ms) => window.setTimeout(fn, ms),
      clearTimeout: (h) => window.clearTimeout(h as number),
      random: Math.random,
    });
  }
  return shared;
}
