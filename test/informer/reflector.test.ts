import { afterEach, describe, expect, it } from 'vitest';
import { Reflector, activeReflectorCount, type ReflectorOptions } from '../../src/informer/reflector.js';
import type { KubeObject } from '../../src/informer/types.js';
import { KubeError } from '../../src/kube/errors.js';
import { FakeClock, FakeKubeClient, waitFor } from './fake-client.js';

type Slim = { name: string; rv: string; color?: string };
const transform = (o: KubeObject): Slim => ({
  name: o.metadata!.name!,
  rv: o.metadata!.resourceVersion!,
  color: (o as { spec?: { color?: string } }).spec?.color,
});

const started: Reflector<Slim>[] = [];
function make(client: FakeKubeClient, clock: FakeClock, extra: Partial<ReflectorOptions<Slim>> = {}) {
  const r = new Reflector<Slim>({
    cluster: 'c1',
    resource: 'things',
    path: '/api/v1/things',
    client,
    transform,
    same: (a, b) => a.rv === b.rv,
    clock,
    random: () => 0.5,
    backoff: { initialMs: 800, maxMs: 30_000 },
    ...extra,
  });
  const log: string[] = [];
  r.addHandler({
    added: (k, _o, initial) => log.push(`added ${k}${initial ? ' (initial)' : ''}`),
    updated: (k, a, b) => log.push(`updated ${k} ${a.color ?? ''}->${b.color ?? ''}`),
    deleted: (k) => log.push(`deleted ${k}`),
  });
  started.push(r);
  return { r, log };
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((r) => r.stop()));
});

describe('Reflector', () => {
  it('lists in pages from the watch cache first, then watches from the list version with bookmarks', async () => {
    const client = new FakeKubeClient();
    for (let i = 0; i < 1200; i++) client.put(`n${String(i).padStart(4, '0')}`);
    const clock = new FakeClock();
    const { r } = make(client, clock, { pageSize: 500, listFromWatchCache: true });
    r.start();
    expect(await r.waitForSync(5000)).toBe(true);
    expect(r.store.size).toBe(1200);
    const lists = client.requests.map((q) => q.query);
    expect(lists).toHaveLength(3);
    expect(lists[0]).toMatchObject({ limit: 500, resourceVersion: '0' });
    expect(lists[1]).toMatchObject({ limit: 500, continue: '500', resourceVersion: undefined });
    await client.whenWatching(1);
    const wq = client.watchQueries[0]!;
    expect(wq.resourceVersion).toBe(String(client.rv));
    expect(wq.allowWatchBookmarks).toBe(true);
    expect(Number(wq.timeoutSeconds)).toBeGreaterThanOrEqual(300);
    expect(Number(wq.timeoutSeconds)).toBeLessThan(600);
  });

  it('applies watch events through the transform and resumes from the last bookmark', async () => {
    const client = new FakeKubeClient();
    client.put('a');
    const clock = new FakeClock();
    const { r, log } = make(client, clock);
    r.start();
    await r.waitForSync(1000);
    await client.whenWatching(1);
    client.put('b', { spec: { color: 'red' }, status: { images: ['huge'] } });
    client.put('b', { spec: { color: 'blue' } });
    client.remove('a');
    client.bookmark();
    expect(log).toEqual(['added a (initial)', 'added b', 'updated b red->blue', 'deleted a']);
    expect(r.store.get('b')).toEqual({
      name: 'b',
      rv: client.objects.get('b')!.metadata!.resourceVersion,
      color: 'blue',
    });
    const bookmarkRv = String(client.rv);
    // a clean close of a long-lived watch resumes at once from the newest version seen
    await clock.advance(2000);
    client.cutWatches();
    await client.whenWatching(2);
    expect(client.watchQueries.at(-1)!.resourceVersion).toBe(bookmarkRv);
    expect(r.stats().reconnects.closed).toBe(1);
    expect(r.stats().events).toMatchObject({ ADDED: 1, MODIFIED: 1, DELETED: 1, BOOKMARK: 1 });
  });

  it('relists on 410 and emits only the difference against the store', async () => {
    const client = new FakeKubeClient();
    for (const n of ['a', 'b', 'c']) client.put(n);
    const clock = new FakeClock();
    const { r, log } = make(client, clock);
    r.start();
    await r.waitForSync(1000);
    await client.whenWatching(1);
    log.length = 0;
    // changes while the watch is down, then history compacted so resuming is impossible
    client.cutWatches(new KubeError('Unreachable', 'reset', 0));
    client.put('b', { spec: { color: 'green' } });
    client.remove('c');
    client.put('d');
    client.compact();
    await clock.advance(1000); // first back-off (≤ 800 ms)
    await clock.advance(10);
    expect(log.sort()).toEqual(['added d', 'deleted c', 'updated b ->green']);
    const s = r.stats();
    expect(s.relists).toBe(1);
    expect(s.lists).toMatchObject({ initial: 1, gone: 1 });
    expect(s.reconnects).toMatchObject({ Unreachable: 1, gone: 1 });
    expect([...r.store.keys()].sort()).toEqual(['a', 'b', 'd']);
    expect(r.isSynced()).toBe(true);
  });

  it('backs off exponentially with jitter up to the cap, forever, and honours Retry-After', async () => {
    const client = new FakeKubeClient();
    client.put('a');
    const clock = new FakeClock();
    const { r } = make(client, clock, { backoff: { initialMs: 800, maxMs: 30_000 } });
    r.start();
    await r.waitForSync(1000);
    await client.whenWatching(1);
    client.unreachable = true;
    client.cutWatches(new KubeError('Unreachable', 'reset', 0));
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      await waitFor(
        () => r.stats().phase === 'backoff' && r.stats().consecutiveFailures === i + 1,
        `back-off ${i + 1}`,
      );
      delays.push(clock.nextDelay()!);
      await clock.advance(clock.nextDelay()!);
    }
    // random()=0.5 → midpoint of [ceil/10, ceil]: 0.55 × 800, 1600, 3200, … capped at 30 000
    expect(delays).toEqual([440, 880, 1760, 3520, 7040, 14080, 16500, 16500, 16500]);
    expect(r.isSynced()).toBe(false);
    expect(r.stats().reconnects.Unreachable).toBe(10);
    client.unreachable = false;
    client.put('b');
    await clock.advance(clock.nextDelay()!);
    await clock.advance(1000); // healthy after 1 s up
    expect(r.isSynced()).toBe(true);
    expect(r.store.get('b')).toBeDefined();
    // back-off was reset by the healthy watch; a 429 with Retry-After: 20 waits at least 20 s
    client.cutWatches(new KubeError('TooManyRequests', 'slow down', 429, undefined, 20));
    await waitFor(() => r.stats().phase === 'backoff', 'back-off');
    expect(clock.nextDelay()).toBe(20_000);
  });

  it('re-watches a silent stream at once without calling it a failure, and counts it', async () => {
    const client = new FakeKubeClient();
    client.put('a');
    const clock = new FakeClock();
    const { r } = make(client, clock, { idleTimeoutMs: 60_000 });
    r.start();
    await r.waitForSync(1000);
    await clock.advance(60_000);
    await client.whenWatching(2);
    expect(r.stats().reconnects.idle).toBe(1);
    expect(client.streams.size).toBe(1); // a new watch, no back-off
    expect(r.stats().consecutiveFailures).toBe(0);
    expect(r.isSynced()).toBe(true);
    // the cache keeps following changes on the new stream
    client.put('b');
    await waitFor(() => r.store.get('b') !== undefined, 'b stored');
    expect(r.store.get('b')).toBeDefined();
  });

  it('a throwing handler does not stop the others or the loop', async () => {
    const client = new FakeKubeClient();
    const clock = new FakeClock();
    const { r, log } = make(client, clock);
    r.addHandler({
      added: () => {
        throw new Error('boom');
      },
    });
    r.start();
    await r.waitForSync(1000);
    await client.whenWatching(1);
    client.put('x');
    client.put('y');
    expect(log).toEqual(['added x', 'added y']);
  });

  it('a LIST that fails is retried with back-off until it succeeds', async () => {
    const client = new FakeKubeClient();
    client.put('a');
    client.failNext = [new KubeError('InternalError', 'etcd down', 500), new KubeError('Timeout', 'slow', 0)];
    const clock = new FakeClock();
    const { r } = make(client, clock);
    r.start();
    await waitFor(() => r.stats().phase === 'backoff', 'back-off');
    expect(r.stats()).toMatchObject({
      hasSynced: false,
      consecutiveFailures: 1,
      lastErrorReason: 'InternalError',
    });
    await clock.advance(clock.nextDelay()!);
    await clock.advance(clock.nextDelay()!);
    expect(r.stats().hasSynced).toBe(true);
    expect(r.stats().lists).toMatchObject({ initial: 1, retry: 2 });
  });

  it('stop() aborts the watch and leaves no timer behind', async () => {
    const client = new FakeKubeClient();
    client.put('a');
    const clock = new FakeClock();
    const before = activeReflectorCount();
    const { r } = make(client, clock);
    r.start();
    await r.waitForSync(1000);
    await client.whenWatching(1);
    expect(activeReflectorCount()).toBe(before + 1);
    expect(client.streams.size).toBe(1);
    expect(r.pendingTimers).toBeGreaterThan(0);
    await r.stop();
    expect(client.streams.size).toBe(0);
    expect(r.pendingTimers).toBe(0);
    expect(clock.timers.size).toBe(0);
    expect(activeReflectorCount()).toBe(before);
  });

  it('stop() during back-off returns promptly', async () => {
    const client = new FakeKubeClient();
    client.unreachable = true;
    const clock = new FakeClock();
    const { r } = make(client, clock);
    r.start();
    await waitFor(() => r.stats().phase === 'backoff', 'back-off');
    expect(r.stats().phase).toBe('backoff');
    await r.stop();
    expect(clock.timers.size).toBe(0);
  });

  it('applyLocal respects accept(): an older version never replaces a newer one', async () => {
    const client = new FakeKubeClient();
    client.put('a');
    const clock = new FakeClock();
    const { r } = make(client, clock, { accept: (old, inc) => Number(inc.rv) >= Number(old.rv) });
    r.start();
    await r.waitForSync(1000);
    await client.whenWatching(1);
    const cur = r.store.get('a')!;
    expect(r.applyLocal({ metadata: { name: 'a', resourceVersion: String(Number(cur.rv) - 1) } })).toBe(
      false,
    );
    expect(
      r.applyLocal({
        metadata: { name: 'a', resourceVersion: String(Number(cur.rv) + 5) },
        spec: { color: 'x' },
      } as KubeObject),
    ).toBe(true);
    expect(r.store.get('a')!.color).toBe('x');
  });

  it('reconcile can keep the stored object through insignificant updates (no event, no replacement)', async () => {
    const client = new FakeKubeClient();
    client.put('a', { spec: { color: 'red' } });
    const clock = new FakeClock();
    const { r, log } = make(client, clock, {
      reconcile: (stored, inc) => {
        if (stored.color !== inc.color) return inc;
        stored.rv = inc.rv;
        return stored;
      },
    });
    r.start();
    await r.waitForSync(1000);
    await client.whenWatching(1);
    const first = r.store.get('a')!;
    client.put('a', { spec: { color: 'red' } });
    expect(r.store.get('a')).toBe(first);
    expect(first.rv).toBe(client.objects.get('a')!.metadata!.resourceVersion);
    client.put('a', { spec: { color: 'blue' } });
    expect(r.store.get('a')).not.toBe(first);
    expect(log).toEqual(['added a (initial)', 'updated a red->blue']);
  });

  it('relists when the server has not reached our resourceVersion (too large), accepting older versions', async () => {
    const client = new FakeKubeClient();
    client.put('a', { spec: { color: 'red' } });
    const clock = new FakeClock();
    const { r, log } = make(client, clock, { accept: (old, inc) => Number(inc.rv) >= Number(old.rv) });
    r.start();
    await r.waitForSync(1000);
    await client.whenWatching(1);
    // the server comes back with older data and lower versions
    client.objects.clear();
    client.history = [];
    client.rv = 0;
    client.put('a', { spec: { color: 'green' } });
    client.cutWatches(
      new KubeError('Timeout', 'Too large resource version: 9, current: 1', 504, {
        kind: 'Status',
        details: { causes: [{ reason: 'ResourceVersionTooLarge' }] },
      }),
    );
    await clock.advance(1000);
    expect(r.store.get('a')!.color).toBe('green');
    expect(r.stats().lists.tooLargeRv).toBe(1);
    expect(log.at(-1)).toBe('updated a red->green');
  });
});

describe('Reflector and refused answers', () => {
  it('a MalformedWatch or ResponseTooLarge is a failure: recorded with its reason, re-watched after back-off, no relist', async () => {
    const client = new FakeKubeClient();
    client.put('a');
    const clock = new FakeClock();
    const { r } = make(client, clock);
    r.start();
    await r.waitForSync(1000);
    await client.whenWatching(1);
    const lists = client.requests.length;
    const watches = client.watchQueries.length;
    client.failNext.push(new KubeError('ResponseTooLarge', 'ResponseTooLarge: watch: over 16 MiB', 0));
    client.cutWatches(
      new KubeError('MalformedWatch', 'MalformedWatch: watch /api/v1/things: a line is not JSON', 0),
    );
    await waitFor(() => r.stats().phase === 'backoff', 'back-off');
    expect(r.isSynced()).toBe(false);
    expect(r.stats()).toMatchObject({ lastErrorReason: 'MalformedWatch', consecutiveFailures: 1 });
    // Not a hot loop: nothing is asked again until the back-off delay has passed.
    const first = clock.nextDelay()!;
    expect(first).toBe(440);
    expect(client.watchQueries.length).toBe(watches);
    await clock.advance(first);
    expect(client.watchQueries.length).toBe(watches + 1);
    expect(r.stats()).toMatchObject({ lastErrorReason: 'ResponseTooLarge', consecutiveFailures: 2 });
    // The delay grows; the store is kept and no relist is made (the refused answer says nothing of the data).
    expect(clock.nextDelay()).toBe(880);
    await clock.advance(880);
    await clock.advance(1000);
    expect(r.isSynced()).toBe(true);
    expect(client.requests.length).toBe(lists);
    expect(r.stats().reconnects).toMatchObject({ MalformedWatch: 1, ResponseTooLarge: 1 });
  });
});
