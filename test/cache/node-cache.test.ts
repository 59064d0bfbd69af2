// The node cache is the node informer's store: a record and its index entries change in one step, so no
// listener, failing or not, can leave the records and the indexes apart.
import { afterEach, describe, expect, it } from 'vitest';
import { NodeCache } from '../../src/cache/node-cache.js';
import { transformNode } from '../../src/cache/node-transform.js';
import { parseNodeQuery } from '../../src/cache/query-parse.js';
import type { NodeRecord } from '../../src/cache/types.js';
import { Reflector } from '../../src/informer/reflector.js';
import type { KubeObject } from '../../src/informer/types.js';
import { FakeClock, FakeKubeClient, waitFor } from '../informer/fake-client.js';
import { rawNode, type NodeOpts } from './fixtures.js';

const rec = (name: string, o: NodeOpts = {}) => transformNode(rawNode(name, o));
/** A record whose taints cannot be read: what a faulty transform or a hostile object could produce. */
const broken = (name: string, o: NodeOpts = {}): NodeRecord => ({
  ...rec(name, o),
  get taints(): never {
    throw new Error('taints unreadable');
  },
});

/** Names the indexes give for a query (undefined when the query is not selective enough to use them). */
const indexed = (c: NodeCache, params: Record<string, string>) =>
  c
    .candidates(parseNodeQuery(params))
    ?.map((r) => r.name)
    .sort();

function fleet(): NodeCache {
  const c = new NodeCache('c1');
  for (let i = 0; i < 6; i++) c.set(`n${i}`, rec(`n${i}`));
  c.set('gpu', rec('gpu', { taints: [{ key: 'gpu', effect: 'NoSchedule' }], unschedulable: true }));
  return c;
}

describe('NodeCache as a store', () => {
  it('moves a replaced record in every index in the same call', () => {
    const c = fleet();
    expect(c.readyCount).toBe(7);
    expect(c.readySchedulableCount).toBe(6);
    c.set('n1', rec('n1', { ready: 'False', taints: [{ key: 'gpu', effect: 'NoSchedule' }] }));
    expect(c.readyCount).toBe(6);
    expect(c.readySchedulableCount).toBe(5);
    expect(indexed(c, { status: 'NotReady' })).toEqual(['n1']);
    expect(indexed(c, { taint: 'gpu' })).toEqual(['gpu', 'n1']);
    c.delete('gpu');
    expect(indexed(c, { taint: 'gpu' })).toEqual(['n1']);
    expect(indexed(c, { schedulable: 'false' })).toEqual([]);
    expect(c.size).toBe(6);
  });

  it('refuses a record it cannot index whole: the previous version stays in the store and in every index', () => {
    const c = fleet();
    const before = c.get('gpu');
    const gen = c.generation;
    expect(() => c.set('gpu', broken('gpu', { ready: 'False' }))).toThrow('taints unreadable');
    expect(c.get('gpu')).toBe(before);
    expect(c.generation).toBe(gen);
    expect(c.readyCount).toBe(7);
    expect(indexed(c, { status: 'NotReady' })).toEqual([]);
    expect(indexed(c, { taint: 'gpu' })).toEqual(['gpu']);
    expect(indexed(c, { schedulable: 'false' })).toEqual(['gpu']);
    // A new name is refused the same way: not stored, not counted, not in the name order.
    expect(() => c.set('n9', broken('n9'))).toThrow();
    expect(c.get('n9')).toBeUndefined();
    expect(c.size).toBe(7);
    expect(c.sortedNames()).not.toContain('n9');
  });
});

describe('NodeCache behind the reflector', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const s of stops.splice(0)) await s();
  });

  it('a watch event the store refuses fails the watch and is not lost: the relist brings the node in', async () => {
    const client = new FakeKubeClient();
    const clock = new FakeClock();
    const cache = new NodeCache('c1');
    const bad = (raw: KubeObject) => (raw as { spec?: { bad?: boolean } }).spec?.bad === true;
    const r = new Reflector<NodeRecord>({
      cluster: 'c1',
      resource: 'nodes',
      path: '/api/v1/nodes',
      client,
      transform: (raw) => (bad(raw) ? broken(raw.metadata!.name!) : transformNode(raw)),
      keyOf: (raw) => raw.metadata?.name ?? '',
      store: cache,
      clock,
      random: () => 0.5,
      backoff: { initialMs: 800, maxMs: 30_000 },
    });
    stops.push(() => r.stop());
    // A listener that throws changes nothing either: it runs after the store, which is already whole.
    r.addHandler({
      added: () => {
        throw new Error('listener failed');
      },
    });
    const put = (name: string, o: NodeOpts, spec: Record<string, unknown> = {}) => {
      const raw = rawNode(name, o) as KubeObject & { spec?: Record<string, unknown> };
      client.put(name, { ...raw, spec: { ...raw.spec, ...spec } });
    };
    put('a', {});
    r.start();
    await r.waitForSync(1000);
    await client.whenWatching(1);
    put('b', { ready: 'False' }, { bad: true });
    await waitFor(() => r.stats().phase === 'backoff', 'watch failed');
    expect(r.stats()).toMatchObject({ lastErrorReason: 'MalformedWatch', consecutiveFailures: 1 });
    expect(cache.get('b')).toBeUndefined();
    expect(cache.size).toBe(1);
    expect(cache.readyCount).toBe(1);
    expect(indexed(cache, { status: 'NotReady' })).toEqual([]);
    // The server's next version of the node can be held; the relist after the back-off fetches it.
    put('b', { ready: 'False' });
    const lists = client.requests.length;
    await clock.advance(clock.nextDelay()!);
    await waitFor(() => cache.get('b') !== undefined, 'node b listed');
    expect(client.requests.length).toBe(lists + 1);
    expect(indexed(cache, { status: 'NotReady' })).toEqual(['b']);
    expect(cache.readyCount).toBe(1);
    expect(r.stats().lists.retry).toBe(1);
  });
});
