/**
 * Our own reflector: LIST (paged) then WATCH one resource of one cluster into a keyed store, forever.
 *
 * Why not `@kubernetes/client-node`'s informer (see FIELD-NOTES): its initial LIST is not paginated, it never
 * asks for watch bookmarks, it has no hook to trim objects before caching, it stops for good on any error
 * other than 410, and it exports no metrics. This one is modelled on client-go's Reflector instead:
 * - LIST in pages (`limit`/`continue`); the first LIST may be served from the API server's watch cache
 *   (`resourceVersion=0`) when the caller allows a slightly stale start;
 * - WATCH from the LIST's resourceVersion with bookmarks and a randomised server-side timeout (5–10 min, as
 *   client-go does, so many watches do not expire together), plus an idle timeout for silently dead streams;
 * - 410 Gone → relist at once and emit the difference against the store as added/updated/deleted events;
 * - any other failure (transport, 5xx, 429, idle stream, LIST error) → retry with exponential back-off and
 *   full jitter, forever; a clean close of a long-lived watch resumes immediately;
 * - the transform runs before anything is stored, so trimmed objects are all that is ever retained.
 * Handlers run synchronously after each store change; each is isolated (a throwing handler is logged, never
 * stops the loop) and must be quick — consumers that do real work (the realtime hub) defer it. Whatever must
 * never disagree with the store (the node cache's indexes) belongs in the store, not in a handler: a store
 * that refuses an object fails the LIST or the watch like any error, and the object comes again.
 */
import type { Logger } from '../log/logger.js';
import type { KubeClient, WatchEvent, WatchHandle } from '../kube/client.js';
import { KubeError, errorFromTransport, type KubeReason } from '../kube/errors.js';
import { kubeErrorText } from '../kube/forbidden.js';
import {
  informerEvents,
  informerLastEvent,
  informerLists,
  informerReconnects,
  informerSynced,
  informerSyncLag,
} from '../metrics/registry.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { systemClock, TimerSet, type Clock } from '../clock.js';
import { MapStore, type Store } from './store.js';
import { namespacedKey, type KubeList, type KubeObject } from './types.js';

export type ListCause = 'initial' | 'gone' | 'tooLargeRv' | 'retry';
export type ReflectorPhase = 'idle' | 'listing' | 'watching' | 'backoff' | 'stopped';

export interface ReflectorHandlers<T> {
  /** `initial` is true for objects of the first LIST (the cache is filling, nothing has changed). */
  added?(key: string, obj: T, initial: boolean): void;
  updated?(key: string, old: T, obj: T): void;
  deleted?(key: string, old: T): void;
  /** After each complete LIST (the store now equals the server's list). */
  listed?(cause: ListCause): void;
  /** Phase or health changed (for cluster state). */
  state?(): void;
}

export interface ReflectorOptions<T> {
  cluster: string;
  /** Metrics label and log name, e.g. 'nodes'. */
  resource: string;
  /** Collection path, e.g. '/api/v1/nodes'. */
  path: string;
  client: KubeClient;
  /** Trim a raw object to what is retained. Runs before anything is stored. */
  transform: (raw: KubeObject) => T;
  keyOf?: (raw: KubeObject) => string;
  /** Should `incoming` replace `stored`? Default: always. Lets read-your-writes refuse an older version. */
  accept?: (stored: T, incoming: T) => boolean;
  /**
   * Combine a stored object with an accepted newer version; returning `stored` (possibly updated in place)
   * means nothing observable changed and no event is emitted. Lets a cache keep one long-lived object per
   * key through insignificant updates (kubelet heartbeats) instead of replacing it every few seconds.
   */
  reconcile?: (stored: T, incoming: T) => T;
  /** Relists emit no update for equal objects. Default: identity (always an update). */
  same?: (a: T, b: T) => boolean;
  /** When the object last changed (ms since epoch), to measure sync lag. Read from the raw object. */
  changeTimeOf?: (raw: KubeObject) => number | undefined;
  store?: Store<T>;
  pageSize?: number;
  listTimeoutMs?: number;
  /** Let the first LIST use resourceVersion=0 (API server watch cache; may be slightly stale). */
  listFromWatchCache?: boolean;
  /** Server-side watch timeout is drawn uniformly from this range (seconds). */
  watchTimeoutSeconds?: [number, number];
  /** Close and reconnect a watch that delivers nothing (not even a bookmark) for this long. */
  idleTimeoutMs?: number;
  /** A watch that stays up this long (or delivers an event) counts as healthy: back-off resets. */
  healthyAfterMs?: number;
  backoff?: BackoffOptions;
  clock?: Clock;
  random?: () => number;
  log?: Logger;
}

export interface ReflectorStats {
  phase: ReflectorPhase;
  /** Has completed at least one LIST. */
  hasSynced: boolean;
  /** Listed and the watch is healthy (no failure pending). */
  synced: boolean;
  lists: Record<ListCause, number>;
  relists: number;
  reconnects: Record<string, number>;
  events: Record<string, number>;
  lastEventAt?: number;
  lastListAt?: number;
  syncLagSeconds?: number;
  consecutiveFailures: number;
  /** When the current run of failures began (ms). */
  failingSince?: number;
  lastError?: string;
  lastErrorReason?: string;
  resourceVersion?: string;
  size: number;
}

let activeReflectors = 0;
/** Reflectors started and not yet stopped, process-wide (tests assert on it). */
export function activeReflectorCount(): number {
  return activeReflectors;
}

export class Reflector<T> {
  readonly store: Store<T>;
  private readonly handlers: ReflectorHandlers<T>[] = [];
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly timers: TimerSet;
  private readonly backoff: Backoff;
  private readonly keyOf: (raw: KubeObject) => string;
  private readonly labels: { cluster: string; resource: string };

  private phase: ReflectorPhase = 'idle';
  private stopped = false;
  private running?: Promise<void>;
  private watch?: WatchHandle;
  private listAbort?: AbortController;
  private rv?: string;
  private hasSynced = false;
  private syncWaiters: (() => void)[] = [];

  private readonly st = {
    lists: { initial: 0, gone: 0, tooLargeRv: 0, retry: 0 } as Record<ListCause, number>,
    relists: 0,
    reconnects: {} as Record<string, number>,
    events: {} as Record<string, number>,
    lastEventAt: undefined as number | undefined,
    lastListAt: undefined as number | undefined,
    syncLagSeconds: undefined as number | undefined,
    consecutiveFailures: 0,
    failingSince: undefined as number | undefined,
    lastError: undefined as string | undefined,
    lastErrorReason: undefined as string | undefined,
  };

  constructor(private readonly o: ReflectorOptions<T>) {
    this.store = o.store ?? new MapStore<T>();
    this.clock = o.clock ?? systemClock;
    this.random = o.random ?? Math.random;
    this.timers = new TimerSet(this.clock);
    this.backoff = new Backoff(o.backoff, this.random);
    this.keyOf = o.keyOf ?? namespacedKey;
    this.labels = { cluster: o.cluster, resource: o.resource };
  }

  get cluster(): string {
    return this.o.cluster;
  }
  get resource(): string {
    return this.o.resource;
  }

  addHandler(h: ReflectorHandlers<T>): () => void {
    this.handlers.push(h);
    return () => {
      const i = this.handlers.indexOf(h);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  start(): void {
    if (this.running || this.stopped) return;
    activeReflectors++;
    this.running = this.run().finally(() => {
      activeReflectors--;
    });
  }

  /** Stop for good: aborts the LIST or WATCH in flight and every timer. Resolves when the loop has exited. */
  async stop(): Promise<void> {
    if (this.stopped) return this.running;
    this.stopped = true;
    this.setPhase('stopped');
    this.listAbort?.abort();
    this.watch?.abort();
    this.timers.clearAll();
    // A removed cluster must not leave its series behind in /metrics.
    informerSynced.remove(this.labels);
    informerLastEvent.remove(this.labels);
    informerSyncLag.remove(this.labels);
    for (const w of this.syncWaiters.splice(0)) w();
    await this.running;
  }

  /** Timers currently pending (0 after stop). */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** True once a LIST completed and no failure is pending (a short reconnect after a clean close keeps it). */
  isSynced(): boolean {
    return this.hasSynced && !this.stopped && this.st.consecutiveFailures === 0;
  }

  get everSynced(): boolean {
    return this.hasSynced;
  }

  /** Resolves true when the first LIST completes, false on timeout or stop. */
  waitForSync(timeoutMs: number): Promise<boolean> {
    if (this.hasSynced) return Promise.resolve(true);
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      let done = false;
      const finish = (v: boolean) => {
        if (done) return;
        done = true;
        this.timers.clear(h);
        const i = this.syncWaiters.indexOf(w);
        if (i >= 0) this.syncWaiters.splice(i, 1);
        resolve(v);
      };
      const w = () => finish(this.hasSynced);
      this.syncWaiters.push(w);
      const h = this.timers.set(() => finish(false), timeoutMs);
    });
  }

  stats(): ReflectorStats {
    return {
      phase: this.phase,
      hasSynced: this.hasSynced,
      synced: this.isSynced(),
      lists: { ...this.st.lists },
      relists: this.st.relists,
      reconnects: { ...this.st.reconnects },
      events: { ...this.st.events },
      lastEventAt: this.st.lastEventAt,
      lastListAt: this.st.lastListAt,
      syncLagSeconds: this.st.syncLagSeconds,
      consecutiveFailures: this.st.consecutiveFailures,
      failingSince: this.st.failingSince,
      lastError: this.st.lastError,
      lastErrorReason: this.st.lastErrorReason,
      resourceVersion: this.rv,
      size: this.store.size,
    };
  }

  /**
   * Put an object we just wrote (e.g. the answer of a PATCH) into the store as if the watch had delivered
   * it, so the next read sees our write. `accept` decides whether it is newer than what is stored.
   */
  applyLocal(raw: KubeObject): boolean {
    if (this.stopped) return false;
    return this.upsert(this.keyOf(raw), this.o.transform(raw));
  }

  // ---------------------------------------------------------------------------------------------------------

  private async run(): Promise<void> {
    let needList = true;
    let cause: ListCause = 'initial';
    while (!this.stopped) {
      if (needList) {
        try {
          await this.list(cause);
          needList = false;
        } catch (e) {
          if (this.stopped) break;
          const err = asKubeError(e, `list ${this.o.path}`);
          this.fail(err);
          this.o.log?.warn(
            { cluster: this.o.cluster, resource: this.o.resource, reason: err.reason, err: err.message },
            'informer list failed',
          );
          cause = 'retry';
          if (err.reason === 'Gone') this.rv = undefined;
          await this.pause(err);
          continue;
        }
      }
      const r = await this.watchOnce();
      if (this.stopped) break;
      if (!r.err) {
        this.reconnected('closed');
        // A server that closes watches at once (overloaded, or a proxy) must not be hammered.
        if (!r.healthy) await this.timers.sleep(this.backoff.next());
        continue;
      }
      if (r.err.reason === 'Gone') {
        // Our resourceVersion is older than the server's history: only a fresh LIST can catch up.
        this.st.relists++;
        this.reconnected('gone');
        needList = true;
        cause = 'gone';
        continue;
      }
      if (isTooLargeResourceVersion(r.err)) {
        // Our resourceVersion is newer than the server's (restored etcd, a new API server behind the same
        // address): waiting would never help; client-go relists here too.
        this.st.relists++;
        this.reconnected('tooLargeRv');
        this.fail(r.err);
        needList = true;
        cause = 'tooLargeRv';
        await this.pause(r.err);
        continue;
      }
      if (r.idle) {
        // Silence is not failure: the real watch cache sends no bookmark until the kind changes, so a quiet
        // resource delivers nothing until the server-side timeout. Re-watch from the same version at once;
        // a dead server or connection shows itself as a failure of that new request.
        this.reconnected('idle');
        if (!r.healthy) await this.timers.sleep(this.backoff.next());
        continue;
      }
      const why = r.err.reason;
      this.reconnected(why);
      this.fail(r.err);
      if (r.refused) {
        needList = true;
        cause = 'retry';
      }
      this.o.log?.warn(
        { cluster: this.o.cluster, resource: this.o.resource, reason: why, err: r.err.message },
        'informer watch failed; reconnecting',
      );
      await this.pause(r.err);
    }
  }

  private async pause(err: KubeError): Promise<void> {
    this.setPhase('backoff');
    await this.timers.sleep(this.backoff.next((err.retryAfterSeconds ?? 0) * 1000));
  }

  private fail(err: KubeError): void {
    if (this.st.consecutiveFailures === 0) this.st.failingSince = this.clock.now();
    this.st.consecutiveFailures++;
    this.st.lastError = kubeErrorText(err);
    this.st.lastErrorReason = err.reason;
    if (!this.stopped) informerSynced.set(this.labels, 0);
    this.notifyState();
  }

  private healthy(): void {
    this.backoff.reset();
    if (this.st.consecutiveFailures !== 0) {
      this.st.consecutiveFailures = 0;
      this.st.failingSince = undefined;
      this.notifyState();
    }
    if (this.hasSynced && !this.stopped) informerSynced.set(this.labels, 1);
  }

  private reconnected(cause: string): void {
    this.st.reconnects[cause] = (this.st.reconnects[cause] ?? 0) + 1;
    informerReconnects.inc({ ...this.labels, cause });
  }

  private setPhase(p: ReflectorPhase): void {
    if (this.phase === p) return;
    this.phase = p;
    this.notifyState();
  }

  private notifyState(): void {
    for (const h of this.handlers) this.call(() => h.state?.());
  }

  private async list(cause: ListCause): Promise<void> {
    this.setPhase('listing');
    this.st.lists[cause]++;
    informerLists.inc({ ...this.labels, cause });
    const seen = new Set<string>();
    const initial = !this.hasSynced;
    let cont: string | undefined;
    let rv: string | undefined;
    // rv=0 lets the API server answer from its watch cache; only for the very first LIST, because after a 410
    // the cache may be exactly as old as what we just lost.
    const fromCache = this.o.listFromWatchCache === true && cause === 'initial';
    do {
      this.listAbort = new AbortController();
      const page = await this.o.client.request<KubeList>({
        path: this.o.path,
        query: {
          limit: this.o.pageSize ?? 500,
          continue: cont,
          resourceVersion: fromCache && !cont ? '0' : undefined,
        },
        timeoutMs: this.o.listTimeoutMs,
        signal: this.listAbort.signal,
      });
      if (this.stopped) return;
      for (const raw of page.items ?? []) {
        const key = this.keyOf(raw);
        seen.add(key);
        try {
          const obj = this.o.transform(raw);
          const old = this.store.get(key);
          if (old === undefined) {
            this.store.set(key, obj);
            this.emitAdded(key, obj, initial);
          } else if (!(this.o.same?.(old, obj) ?? false)) {
            // A LIST is the server's truth: no version ordering applies (after an etcd restore versions go back).
            this.replace(key, old, obj, true);
          }
        } catch (e) {
          throw unstorable(e, 'MalformedResponse', `list ${this.o.path}`);
        }
      }
      cont = page.metadata?.continue || undefined;
      rv = page.metadata?.resourceVersion ?? rv;
    } while (cont);
    this.listAbort = undefined;
    const gone: string[] = [];
    for (const k of this.store.keys()) if (!seen.has(k)) gone.push(k);
    for (const k of gone) {
      const old = this.store.get(k)!;
      this.store.delete(k);
      this.emitDeleted(k, old);
    }
    this.rv = rv;
    this.st.lastListAt = this.clock.now();
    this.hasSynced = true;
    this.healthy();
    informerSynced.set(this.labels, 1);
    for (const h of this.handlers) this.call(() => h.listed?.(cause));
    for (const w of this.syncWaiters.splice(0)) w();
  }

  private watchOnce(): Promise<{ err?: KubeError; idle: boolean; healthy: boolean; refused: boolean }> {
    this.setPhase('watching');
    const [min, max] = this.o.watchTimeoutSeconds ?? [300, 600];
    const timeoutSeconds = Math.floor(min + this.random() * (max - min));
    let healthy = false;
    let idleTimer: unknown;
    let idle = false;
    let refused: KubeError | undefined;
    const markHealthy = () => {
      if (healthy) return;
      healthy = true;
      this.timers.clear(healthyTimer);
      this.healthy();
    };
    const healthyTimer = this.timers.set(markHealthy, this.o.healthyAfterMs ?? 1000);
    // The idle timer lives here rather than in the client so the reflector's own clock drives it.
    const idleMs = this.o.idleTimeoutMs ?? 150_000;
    const armIdle = () => {
      this.timers.clear(idleTimer);
      idleTimer = this.timers.set(() => {
        idle = true;
        handle.abort();
      }, idleMs);
    };
    const handle = this.o.client.watch<KubeObject>(
      this.o.path,
      { resourceVersion: this.rv, allowWatchBookmarks: true, timeoutSeconds },
      (ev) => {
        if (this.stopped || refused) return;
        armIdle();
        markHealthy();
        try {
          this.onWatchEvent(ev);
        } catch (e) {
          // The store refused the object (or the transform failed on it): nothing of it was applied and the
          // resourceVersion did not advance. End the watch as failed (never throw into the client's stream);
          // the loop relists after the back-off rather than lose the event or resume into it again.
          refused = unstorable(e, 'MalformedWatch', `watch ${this.o.path}`);
          handle.abort();
        }
      },
    );
    this.watch = handle;
    armIdle();
    return handle.done.then((err) => {
      this.timers.clear(healthyTimer);
      this.timers.clear(idleTimer);
      this.watch = undefined;
      if (refused) err = refused;
      else if (idle && !err) {
        err = new KubeError('Timeout', `watch ${this.o.path}: no data for ${idleMs} ms`, 0);
      }
      return { err, idle, healthy, refused: refused !== undefined };
    });
  }

  private onWatchEvent(ev: WatchEvent<KubeObject>): void {
    const now = this.clock.now();
    this.st.events[ev.type] = (this.st.events[ev.type] ?? 0) + 1;
    this.st.lastEventAt = now;
    informerEvents.inc({ ...this.labels, type: ev.type });
    informerLastEvent.set(this.labels, now / 1000);
    const raw = ev.object;
    const rv = raw?.metadata?.resourceVersion;
    if (ev.type === 'BOOKMARK') {
      if (rv) this.rv = rv;
      return;
    }
    if (!raw?.metadata) return;
    const changedAt = this.o.changeTimeOf?.(raw);
    if (changedAt !== undefined) {
      const lag = Math.max(0, (now - changedAt) / 1000);
      this.st.syncLagSeconds = lag;
      informerSyncLag.set(this.labels, lag);
    }
    const key = this.keyOf(raw);
    if (ev.type === 'DELETED') {
      const old = this.store.get(key);
      if (old !== undefined) {
        this.store.delete(key);
        this.emitDeleted(key, old);
      }
    } else {
      this.upsert(key, this.o.transform(raw));
    }
    if (rv) this.rv = rv;
  }

  private upsert(key: string, obj: T): boolean {
    const old = this.store.get(key);
    if (old === undefined) {
      this.store.set(key, obj);
      this.emitAdded(key, obj, false);
      return true;
    }
    return this.replace(key, old, obj);
  }

  private replace(key: string, old: T, obj: T, authoritative = false): boolean {
    if (!authoritative && !(this.o.accept?.(old, obj) ?? true)) return false;
    const next = this.o.reconcile ? this.o.reconcile(old, obj) : obj;
    if (next === old) return false;
    this.store.set(key, next);
    this.emitUpdated(key, old, next);
    return true;
  }

  private emitAdded(key: string, obj: T, initial: boolean): void {
    for (const h of this.handlers) if (h.added) this.call(() => h.added!(key, obj, initial));
  }
  private emitUpdated(key: string, old: T, obj: T): void {
    for (const h of this.handlers) if (h.updated) this.call(() => h.updated!(key, old, obj));
  }
  private emitDeleted(key: string, old: T): void {
    for (const h of this.handlers) if (h.deleted) this.call(() => h.deleted!(key, old));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.o.log?.error(
        { cluster: this.o.cluster, resource: this.o.resource, err: (e as Error).message },
        'informer handler threw',
      );
    }
  }
}

/** The watch asked for a resourceVersion the server has not reached (504 with cause ResourceVersionTooLarge). */
export function isTooLargeResourceVersion(e: KubeError): boolean {
  if (/too large resource version/i.test(e.message)) return true;
  const causes = (e.status?.details as { causes?: { reason?: string }[] } | undefined)?.causes;
  return !!causes?.some((c) => c.reason === 'ResourceVersionTooLarge');
}

/** An object the transform or the store refused: the server sent something this cache cannot hold. */
function unstorable(e: unknown, reason: KubeReason, what: string): KubeError {
  const why = e instanceof Error ? e.message : String(e);
  return new KubeError(reason, `${what}: an object could not be stored: ${why}`, 0);
}

function asKubeError(e: unknown, what: string): KubeError {
  return e instanceof KubeError ? e : errorFromTransport(e, what);
}
