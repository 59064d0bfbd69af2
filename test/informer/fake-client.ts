// An in-memory KubeClient for one collection: paged LIST with continue tokens, WATCH streams from a
// resourceVersion with a bounded history (older → 410), and scripted failures. Deterministic, no sockets.
// Tests wait on what they can observe (a watch opened, a timer set, the reflector's phase) with `waitFor`
// or `whenWatching`, never on a number of microtask turns, so they do not depend on how many `await`s the
// code under test takes between two steps.
import type { KubeClient, Query, RequestOptions, WatchEvent, WatchHandle } from '../../src/kube/client.js';
import { KubeError } from '../../src/kube/errors.js';
import type { KubeObject } from '../../src/informer/types.js';
import { quiet } from '../support/fake-clock.js';

export { FakeClock } from '../support/fake-clock.js';

interface Stream {
  since: number;
  onEvent: (ev: WatchEvent) => void;
  end: (e?: KubeError) => void;
  query: Query;
}

export class FakeKubeClient implements KubeClient {
  readonly cluster = 'fake';
  readonly server = 'http://fake';
  callCount = 0;
  rv = 1;
  readonly objects = new Map<string, KubeObject>();
  /** Events with their rv; `historyFrom` is the oldest rv a watch may resume from. */
  history: { rv: number; ev: WatchEvent }[] = [];
  historyFrom = 1;
  readonly streams = new Set<Stream>();
  /** Next request/watch calls fail with these errors (FIFO). */
  failNext: KubeError[] = [];
  requests: RequestOptions[] = [];
  watchQueries: Query[] = [];
  unreachable = false;
  /** Watches that were accepted (and had their history replayed) so far. */
  watchesOpened = 0;
  private readonly openWaiters: { n: number; resolve: () => void }[] = [];

  /** Resolves once `n` watches in all have been accepted (default: one more than now). */
  whenWatching(n = this.watchesOpened + 1): Promise<void> {
    if (this.watchesOpened >= n) return Promise.resolve();
    return new Promise((resolve) => this.openWaiters.push({ n, resolve }));
  }

  private opened(): void {
    this.watchesOpened++;
    for (const w of [...this.openWaiters]) {
      if (this.watchesOpened < w.n) continue;
      this.openWaiters.splice(this.openWaiters.indexOf(w), 1);
      w.resolve();
    }
  }

  put(name: string, extra: Record<string, unknown> = {}): KubeObject {
    const old = this.objects.get(name);
    const obj = {
      metadata: { name, uid: `uid-${name}`, resourceVersion: String(++this.rv) },
      ...extra,
    } as KubeObject;
    this.objects.set(name, obj);
    this.emit({ type: old ? 'MODIFIED' : 'ADDED', object: obj });
    return obj;
  }

  remove(name: string): void {
    const old = this.objects.get(name);
    if (!old) return;
    this.objects.delete(name);
    const obj = { ...old, metadata: { ...old.metadata, resourceVersion: String(++this.rv) } };
    this.emit({ type: 'DELETED', object: obj });
  }

  bookmark(): void {
    for (const s of this.streams)
      s.onEvent({ type: 'BOOKMARK', object: { metadata: { resourceVersion: String(this.rv) } } });
  }

  /** Forget history: watches from older versions get 410. */
  compact(): void {
    this.history = [];
    this.historyFrom = this.rv + 1;
  }

  cutWatches(err?: KubeError): void {
    for (const s of [...this.streams]) s.end(err);
  }

  private emit(ev: WatchEvent): void {
    this.history.push({ rv: this.rv, ev });
    for (const s of this.streams) if (this.rv > s.since) s.onEvent(ev);
  }

  async request<T>(o: RequestOptions): Promise<T> {
    this.callCount++;
    this.requests.push(o);
    await Promise.resolve();
    const f = this.failNext.shift();
    if (f) throw f;
    if (this.unreachable) throw new KubeError('Unreachable', 'connect ECONNREFUSED', 0);
    const q = o.query ?? {};
    const all = [...this.objects.values()].sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
    const start = q.continue ? Number(q.continue) : 0;
    const limit = Number(q.limit ?? 500);
    const items = all.slice(start, start + limit);
    const more = start + limit < all.length;
    return {
      metadata: { resourceVersion: String(this.rv), continue: more ? String(start + limit) : undefined },
      items,
    } as T;
  }

  watch<T>(_path: string, query: Query, onEvent: (ev: WatchEvent<T>) => void): WatchHandle {
    this.callCount++;
    this.watchQueries.push(query);
    let settle!: (e?: KubeError) => void;
    const done = new Promise<KubeError | undefined>((r) => (settle = r));
    let ended = false;
    const s: Stream = {
      since: Number(query.resourceVersion ?? this.rv),
      onEvent: onEvent as (ev: WatchEvent) => void,
      query,
      end: (e) => {
        if (ended) return;
        ended = true;
        this.streams.delete(s);
        settle(e);
      },
    };
    queueMicrotask(() => {
      const f = this.failNext.shift();
      if (f) return s.end(f);
      if (this.unreachable) return s.end(new KubeError('Unreachable', 'connect ECONNREFUSED', 0));
      if (s.since + 1 < this.historyFrom)
        return s.end(new KubeError('Gone', 'too old resource version', 410));
      this.streams.add(s);
      for (const h of this.history) if (h.rv > s.since && !ended) s.onEvent(h.ev);
      if (!ended) this.opened();
    });
    return { abort: () => s.end(undefined), done };
  }

  close(): void {
    this.cutWatches();
  }
}

/**
 * Wait until `cond` holds, looking again each time the code under test has run out of work (see `quiet`).
 * Fails with `what` when it has not held after `turns` such rounds: a condition that needs a timer to fire
 * never holds without `clock.advance`.
 */
export async function waitFor(cond: () => boolean, what: string, turns = 200): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i >= turns) throw new Error(`never happened: ${what}`);
    await quiet();
  }
}

/** Wait for a condition with a deadline (real time), polling on the event loop. */
export async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
