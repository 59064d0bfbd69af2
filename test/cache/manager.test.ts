import { afterEach, describe, expect, it } from 'vitest';
import { CacheManager, ClusterUnavailableError, type NodeChange } from '../../src/cache/manager.js';
import { parseNodeQuery } from '../../src/cache/query-parse.js';
import { parseLabelSelector } from '../../src/kube/selector.js';
import { activeReflectorCount } from '../../src/informer/reflector.js';
import type { KubeObject } from '../../src/informer/types.js';
import { until } from '../informer/fake-client.js';
import { converged, newClient, setup } from './sim-helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

async function started(simOpts = {}, opts = {}) {
  const s = await setup(simOpts, opts);
  cleanups.push(() => s.sim.close());
  cleanups.push(() => s.client.close());
  cleanups.push(() => s.cache.close());
  s.cache.startCluster('c1', s.client);
  expect(await s.cache.waitForSync('c1', 10_000)).toBe(true);
  const watches = (opts as { podIndex?: boolean }).podIndex === false ? 1 : 2;
  await until(() => s.sim.watchCount() === watches, 'watches open');
  return s;
}

/** The pick-th worker node (control-plane nodes are left alone by the simulator's churn). */
const anyNode = (cache: CacheManager, pick = 0) =>
  cache.rows('c1')!.filter((r) => !r.roles.includes('control-plane'))[pick]!.name;

describe('CacheManager against the simulator', () => {
  it('answers queries from memory with zero API calls after the first LIST', async () => {
    const { sim, cache } = await started();
    await cache.waitForPodIndex('c1', 10_000);
    sim.resetRequestCount();
    for (let i = 0; i < 20; i++) {
      const r = await cache.query(parseNodeQuery({ status: 'Ready', sort: '-podCount', limit: '5' }), ['c1']);
      expect(r.source).toBe('cache');
      expect(r.degraded).toBe(false);
      expect(r.items.length).toBe(5);
      expect(r.items[0]!.podCount).toBeGreaterThan(0);
      expect(r.podCountSource).toEqual({ c1: 'index' });
      expect(r.clusters).toEqual({ c1: 'synced' });
    }
    expect(await cache.getNode('c1', anyNode(cache))).toMatchObject({ source: 'cache', degraded: false });
    expect(sim.requestCount({ verb: 'list' }) + sim.requestCount({ verb: 'get' })).toBe(0);
    expect(cache.status('c1')).toMatchObject({ state: 'synced', nodeCount: 30, podIndex: true });
    expect(cache.status('c1').version).toMatch(/^v1\./);
  });

  it('lists nodes and pods only as exact paged reads (an rv=0 list may ignore limit and pass the answer bound)', async () => {
    const s = await setup();
    cleanups.push(() => s.sim.close());
    cleanups.push(() => s.client.close());
    cleanups.push(() => s.cache.close());
    const request = s.client.request.bind(s.client);
    const lists: { path: string; query: Record<string, unknown> }[] = [];
    s.client.request = ((o) => {
      if (o.path === '/api/v1/nodes' || o.path === '/api/v1/pods')
        lists.push({ path: o.path, query: { ...o.query } });
      return request(o);
    }) as typeof s.client.request;
    s.cache.startCluster('c1', s.client);
    expect(await s.cache.waitForSync('c1', 10_000)).toBe(true);
    await s.cache.waitForPodIndex('c1', 10_000);
    const nodeLists = lists.filter((l) => l.path === '/api/v1/nodes');
    const podLists = lists.filter((l) => l.path === '/api/v1/pods');
    expect(nodeLists.length).toBeGreaterThan(0);
    expect(podLists.length).toBeGreaterThan(0);
    for (const l of [...nodeLists, ...podLists]) {
      expect(l.query.resourceVersion).toBeUndefined();
      expect(l.query.limit).toBe(500);
    }
  });

  it('converges after a cut watch (clean and abrupt), with reconnects in the metrics', async () => {
    const { sim, cache } = await started();
    const n = anyNode(cache);
    for (const abrupt of [false, true]) {
      sim.cutWatches({ abrupt });
      sim.state.updateNode(n, (x) => {
        x.metadata.labels = { ...x.metadata.labels, cut: String(abrupt) };
      });
      await converged(cache, 'c1', sim, `after cut (abrupt=${abrupt})`);
      expect(cache.row('c1', n)!.labels.cut).toBe(String(abrupt));
    }
    const st = cache.informerStats('c1')!.nodes;
    expect(Object.values(st.reconnects).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2);
    expect(st.relists).toBe(0);
  });

  it('converges after the API server restarts', async () => {
    const { sim, cache } = await started();
    const n = anyNode(cache, 1);
    await sim.restart();
    sim.state.updateNode(n, (x) => {
      x.spec.unschedulable = true;
    });
    sim.state.deleteNode(anyNode(cache, 2));
    await converged(cache, 'c1', sim, 'after restart');
    expect(cache.row('c1', n)!.schedulable).toBe(false);
    expect(cache.status('c1').state).toBe('synced');
  });

  it('converges after the API server comes back with older state (restored etcd: versions go backwards)', async () => {
    const { sim, cache } = await started();
    const n = anyNode(cache, 1);
    for (let i = 0; i < 5; i++) {
      sim.state.updateNode(n, (x) => {
        x.metadata.labels = { ...x.metadata.labels, gen: String(i) };
      });
    }
    await until(() => cache.row('c1', n)?.labels.gen === '4', 'changes seen');
    await sim.restart({ resetState: true });
    await converged(cache, 'c1', sim, 'after state reset');
    expect(cache.row('c1', n)!.labels.gen).toBeUndefined();
    const st = cache.informerStats('c1')!.nodes;
    expect(st.lists.tooLargeRv + st.lists.gone).toBeGreaterThanOrEqual(1);
  });

  it('relists after 410 Gone and emits only the difference', async () => {
    const { sim, cache } = await started();
    const changes: NodeChange[] = [];
    cache.on('change', (c) => c.kind !== 'podCount' && changes.push(c));
    const [a, b] = [anyNode(cache, 3), anyNode(cache, 4)];
    sim.setUnreachable(true);
    sim.state.updateNode(a, (x) => {
      x.metadata.labels = { ...x.metadata.labels, team: 'blue' };
    });
    sim.state.deleteNode(b);
    sim.state.createNode({
      metadata: { name: 'zz-new', labels: { pool: 'late' } },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
    sim.compact();
    sim.setUnreachable(false);
    await converged(cache, 'c1', sim, 'after 410');
    const st = cache.informerStats('c1')!.nodes;
    expect(st.relists).toBeGreaterThanOrEqual(1);
    expect(st.lists.gone).toBeGreaterThanOrEqual(1);
    const summary = changes
      .map((c) => `${c.kind} ${c.name}${c.kind === 'updated' ? ' ' + c.changed.join(',') : ''}`)
      .sort();
    expect(summary).toEqual([`deleted ${b}`, `updated ${a} labels`, 'added zz-new'].sort());
  });

  it('rides out an unreachable API server: degraded/unreachable meanwhile, 503 rather than an empty list, then converges', async () => {
    const { sim, cache } = await started();
    const states: string[] = [];
    cache.on('state', () => states.push(cache.state('c1')));
    sim.setUnreachable(true);
    await until(() => cache.state('c1') === 'unreachable', 'cluster marked unreachable');
    await expect(cache.query(parseNodeQuery({}), ['c1'])).rejects.toBeInstanceOf(ClusterUnavailableError);
    expect(cache.status('c1').lastError).toBeTruthy();
    const n = anyNode(cache, 5);
    sim.state.updateNode(n, (x) => {
      x.spec.taints = [{ key: 'maintenance', effect: 'NoSchedule' }];
    });
    // several back-off rounds while unreachable (the back-off is short in tests)
    await until(
      () => (cache.informerStats('c1')!.nodes.consecutiveFailures ?? 0) >= 3,
      'several failed reconnects',
    );
    sim.setUnreachable(false);
    await converged(cache, 'c1', sim, 'after unreachable');
    await until(() => cache.state('c1') === 'synced', 'synced again');
    expect(cache.row('c1', n)!.taints).toEqual([{ key: 'maintenance', effect: 'NoSchedule' }]);
    expect(states).toContain('unreachable');
    const st = cache.informerStats('c1')!.nodes;
    expect(Object.values(st.reconnects).reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(3);
  });

  it('answers from a direct LIST, flagged degraded, while the informer cannot watch', async () => {
    const { sim, cache } = await started();
    sim.injectFailures({ verb: 'watch', resource: 'nodes', status: 500 });
    sim.cutWatches();
    await until(() => cache.state('c1') === 'degraded', 'cluster degraded');
    const n = anyNode(cache, 6);
    sim.state.updateNode(n, (x) => {
      x.metadata.labels = { ...x.metadata.labels, fresh: 'yes' };
    });
    const r = await cache.query(parseNodeQuery({ labelSelector: 'fresh=yes' }), ['c1']);
    expect(r).toMatchObject({ source: 'direct', degraded: true, total: 1, clusters: { c1: 'degraded' } });
    expect(r.items[0]!.name).toBe(n);
    const d = await cache.getNode('c1', n);
    expect(d).toMatchObject({ source: 'direct', degraded: true });
    sim.clearFailures();
    await until(() => cache.state('c1') === 'synced', 'synced again');
    expect((await cache.query(parseNodeQuery({}), ['c1'])).source).toBe('cache');
  });

  it('in an all-clusters query, a cluster that cannot be read is named, not silently missing', async () => {
    const { cache } = await started();
    const r = await cache.query(parseNodeQuery({ limit: '1' }), ['c1', 'ghost']);
    expect(r.degraded).toBe(true);
    expect(r.errors).toEqual({ ghost: 'cluster is not connected' });
    expect(r.clusters).toEqual({ c1: 'synced', ghost: 'stopped' });
    expect(r.total).toBe(30);
  });

  it('keeps pod counts live from the pod index (terminated pods do not count)', async () => {
    const { sim, cache } = await started({ podsPerNode: 3 });
    expect(await cache.waitForPodIndex('c1', 10_000)).toBe(true);
    const n = anyNode(cache, 7);
    const before = cache.podCount('c1', n)!;
    const seen: number[] = [];
    cache.on('change', (c) => c.kind === 'podCount' && c.name === n && seen.push(c.podCount));
    for (let i = 0; i < 3; i++) {
      sim.state.createPod({
        metadata: { name: `extra-${i}`, namespace: 'default' },
        spec: { nodeName: n, containers: [{ name: 'c', image: 'x' }] },
        status: { phase: i === 2 ? 'Succeeded' : 'Running' },
      });
    }
    await until(() => seen.at(-1) === before + 2, 'count +2 announced');
    expect(cache.podCount('c1', n)).toBe(before + 2);
    expect(seen.length).toBeLessThanOrEqual(2); // coalesced
    sim.state.deletePod('default', 'extra-0', { gracePeriodSeconds: 0 });
    await until(() => cache.podCount('c1', n) === before + 1, 'count back down');
    expect(cache.row('c1', n)!.podCount).toBe(before + 1);
  });

  it('with the pod index off, counts come from a LIST, labelled as such', async () => {
    const { sim, cache } = await started({ podsPerNode: 3 }, { podIndex: false });
    expect(cache.podCountSource('c1')).toBe('none');
    const first = await cache.query(parseNodeQuery({}), ['c1']);
    expect(first.items[0]!.podCount).toBeNull(); // not known yet, never a fake 0
    await until(() => cache.podCountSource('c1') === 'list', 'counted by LIST');
    const r = await cache.query(parseNodeQuery({ sort: '-podCount', limit: '1' }), ['c1']);
    expect(r.podCountSource).toEqual({ c1: 'list' });
    expect(r.items[0]!.podCount).toBeGreaterThan(0);
    expect(cache.informerStats('c1')!.pods).toBeUndefined();
    expect(sim.requestCount({ verb: 'watch', resource: 'pods' })).toBe(0);
  });

  it('with the pod index off, building rows never lists pods; a query only asks the counter, whose timer lists', async () => {
    const { client, cache } = await started({ podsPerNode: 3 }, { podIndex: false });
    let podListCalls = 0;
    const request = client.request.bind(client);
    client.request = ((o) => {
      if (o.path === '/api/v1/pods') podListCalls++;
      return request(o);
    }) as typeof client.request;
    const podLists = () => podListCalls;
    const names = cache.matchNodes('c1', parseLabelSelector(''))!;
    const timers = cache.resources().timers;
    for (let i = 0; i < 3; i++) for (const n of names) expect(cache.row('c1', n)!.podCount).toBeNull();
    // A LIST wanted by a read would show as the counter's timer, armed inside that read.
    expect(cache.resources().timers).toBe(timers);
    expect(podLists()).toBe(0);
    const answer = cache.query(parseNodeQuery({}), ['c1']);
    expect(cache.resources().timers).toBe(timers + 1);
    expect((await answer).items[0]!.podCount).toBeNull();
    await until(() => cache.podCountSource('c1') === 'list', 'counted by LIST');
    expect(podLists()).toBe(1);
    expect(names.some((n) => cache.row('c1', n)!.podCount! > 0)).toBe(true);
  });

  it('read-your-writes: a PATCH answer shows at once and never regresses to an older version', async () => {
    const { sim, cache } = await started();
    const c = newClient(sim, 'writer');
    cleanups.push(() => c.close());
    const n = anyNode(cache, 8);
    const old = structuredClone(sim.state.getNode(n)) as unknown as KubeObject;
    const patched = await c.request<KubeObject>({
      method: 'PATCH',
      path: `/api/v1/nodes/${n}`,
      body: { spec: { unschedulable: true } },
      patchType: 'merge',
    });
    const row = cache.applyLocalWrite('c1', patched)!;
    expect(row.schedulable).toBe(false);
    expect(row.resourceVersion).toBe(patched.metadata!.resourceVersion);
    // the watch delivers the same version later: no change; an older copy: ignored
    cache.applyLocalWrite('c1', old);
    expect(cache.row('c1', n)!.schedulable).toBe(false);
    await converged(cache, 'c1', sim, 'after local write');
    expect(cache.row('c1', n)!.schedulable).toBe(false);
  });

  it('heartbeats change nothing observable; each significant change is exactly one change event', async () => {
    const { sim, cache } = await started();
    const changes: NodeChange[] = [];
    cache.on('change', (c) => c.kind !== 'podCount' && changes.push(c));
    const n = anyNode(cache, 9);
    const beforeRv = cache.informerStats('c1')!.nodes.events.MODIFIED ?? 0;
    sim.startChurn({
      heartbeatsPerSecond: 300,
      readyFlapsPerMinute: 0,
      podChurnPerSecond: 0,
      labelChangesPerMinute: 0,
    });
    await until(
      () => (cache.informerStats('c1')!.nodes.events.MODIFIED ?? 0) - beforeRv >= 100,
      '100 heartbeats',
    );
    sim.stopChurn();
    expect(changes).toEqual([]);
    sim.state.updateNode(n, (x) => {
      x.metadata.labels = { ...x.metadata.labels, a: 'b' };
    });
    sim.state.updateNode(n, (x) => {
      x.spec.taints = [...(x.spec.taints ?? []), { key: 'k', value: 'v', effect: 'NoExecute' }];
    });
    sim.state.updateNode(n, (x) => {
      x.spec.unschedulable = true;
    });
    await until(() => changes.length >= 3, 'three changes');
    await converged(cache, 'c1', sim, 'after changes');
    expect(changes.map((c) => (c.kind === 'updated' ? c.changed : c.kind))).toEqual([
      ['labels'],
      ['taints'],
      ['schedulable'],
    ]);
  });

  it('stopping a cluster leaves no informer, timer, socket or cache entry behind', async () => {
    const { sim, client, cache } = await started();
    await cache.waitForPodIndex('c1', 10_000);
    const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const baseReflectors = activeReflectorCount();
    expect(cache.resources()).toMatchObject({ clusters: 1, informers: 2, nodes: 30 });
    expect(sim.watchCount()).toBe(2);
    await cache.stopCluster('c1');
    client.close();
    expect(cache.resources()).toEqual({ clusters: 0, informers: 0, timers: 0, nodes: 0, pods: 0 });
    expect(activeReflectorCount()).toBe(baseReflectors - 2);
    await until(() => sim.watchCount() === 0, 'server-side watches closed');
    // only the listening socket of the simulator remains
    await until(() => sockets() <= 1, `sockets released (have ${sockets()})`);
    expect(cache.rows('c1')).toBeUndefined();
    expect(cache.status('c1').state).toBe('stopped');
  });
});
