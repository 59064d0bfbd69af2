// Pod indexes in ingest worker threads, against the simulator over real HTTP: the request thread's mirror must
// show what the cluster holds, through churn, a worker crash and another cluster's removal.
import { describe, expect, it } from 'vitest';
import { CacheManager } from '../../src/cache/manager.js';
import { RemotePodIndex } from '../../src/ingest/remote-pod-index.js';
import { HttpKubeClient, kubeConfigFromText } from '../../src/kube/client.js';
import { ingestWorkerRestarts, kubeApiCalls } from '../../src/metrics/registry.js';
import { startSim, type SimServer, type SimOptions } from '../../src/sim/index.js';
import { podResources, type PodSpecResources } from '../../src/usage/pod-resources.js';
import { startHostileServer } from '../bulkheads/hostile-server.js';
import { until } from '../support/until.js';
import { ingestSuite } from './suite.js';
import { remoteInformers } from '../../src/ingest/remote-informers.js';

const { log, cleanups, pool } = ingestSuite();

async function sim(opts: SimOptions = {}): Promise<SimServer> {
  const s = await startSim({ nodes: 12, podsPerNode: 6, ...opts });
  cleanups.push(() => s.close());
  return s;
}

function client(kubeconfig: string, name: string): HttpKubeClient {
  const c = new HttpKubeClient(name, kubeConfigFromText(kubeconfig));
  cleanups.push(() => c.close());
  return c;
}

function remote(
  kubeconfig: string,
  name: string,
  onCounts?: (ch: [string, number][]) => void,
): RemotePodIndex {
  const spec = client(kubeconfig, name).connectionSpec();
  expect(spec).toBeDefined();
  const idx = new RemotePodIndex({ cluster: name, pool, spec: spec!, flushMs: 10, onCounts });
  cleanups.push(() => idx.stop());
  idx.start();
  return idx;
}

interface Truth {
  count: number;
  cpuRequest: number;
  memRequest: number;
  cpuLimit: number;
  memLimit: number;
}

/** Per node, what the simulator holds: non-terminated pods and their requests and limits. */
function truth(s: SimServer): Map<string, Truth> {
  const out = new Map<string, Truth>();
  for (const name of s.state.store('nodes').items.keys())
    out.set(name, { count: 0, cpuRequest: 0, memRequest: 0, cpuLimit: 0, memLimit: 0 });
  for (const p of s.state.store('pods').items.values()) {
    const pod = p as { spec?: { nodeName?: string } & PodSpecResources; status?: { phase?: string } };
    const node = pod.spec?.nodeName;
    const phase = pod.status?.phase;
    if (!node || phase === 'Succeeded' || phase === 'Failed') continue;
    const t = out.get(node) ?? { count: 0, cpuRequest: 0, memRequest: 0, cpuLimit: 0, memLimit: 0 };
    const r = podResources(pod.spec);
    t.count++;
    t.cpuRequest += r.cpuRequest;
    t.memRequest += r.memRequest;
    t.cpuLimit += r.cpuLimit;
    t.memLimit += r.memLimit;
    out.set(node, t);
  }
  return out;
}

/** The nodes whose mirrored numbers differ from the simulator's (empty when they agree). */
function differences(s: SimServer, idx: RemotePodIndex): string[] {
  const bad: string[] = [];
  for (const [node, t] of truth(s)) {
    const r = idx.requests(node);
    const have = { count: idx.count(node), ...r };
    if (JSON.stringify(have) !== JSON.stringify({ ...t }))
      bad.push(`${node}: have ${JSON.stringify(have)}, want ${JSON.stringify(t)}`);
  }
  return bad;
}

const matches = (s: SimServer, idx: RemotePodIndex) => idx.synced && differences(s, idx).length === 0;

/** Worker nodes (the simulator keeps its control-plane nodes apart). */
const workers = (s: SimServer) =>
  [...s.state.store('nodes').items.values()]
    .filter((n) => !('node-role.kubernetes.io/control-plane' in (n.metadata?.labels ?? {})))
    .map((n) => n.metadata!.name!);

function addPod(s: SimServer, name: string, node: string, phase = 'Running', cpu = '250m'): void {
  s.state.createPod({
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName: node,
      containers: [{ name: 'c', image: 'x', resources: { requests: { cpu, memory: '64Mi' } } }],
    },
    status: { phase },
  });
}

describe('pod index in an ingest worker', () => {
  it('mirrors counts and requests of the cluster after sync and through pods added, deleted and moved', async () => {
    const s = await sim();
    const seen: [string, number][] = [];
    const idx = remote(s.kubeconfig(), 'c1', (ch) => seen.push(...ch));
    expect(idx.count(workers(s)[0]!)).toBeNull();
    expect(await idx.waitForSync(30_000)).toBe(true);
    expect(differences(s, idx)).toEqual([]);
    expect(idx.podCount).toBe(s.state.count('pods'));
    const gen = idx.generation;

    const [a, b] = workers(s);
    addPod(s, 'extra-1', a!);
    addPod(s, 'extra-2', a!, 'Running', '1');
    addPod(s, 'done-1', a!, 'Succeeded');
    const victim = [...s.state.store('pods').items.values()].find(
      (p) => (p as { spec?: { nodeName?: string } }).spec?.nodeName === b,
    )!;
    s.state.deletePod(victim.metadata!.namespace!, victim.metadata!.name!, { gracePeriodSeconds: 0 });
    s.state.updatePod('default', 'extra-1', (p) => {
      p.spec!.nodeName = b!;
    });
    await until('the mirror to match the simulator after churn', () => matches(s, idx));
    expect(idx.generation).toBeGreaterThan(gen);
    // Changes reach the cache as (node, count) pairs, as they do from the in-thread index.
    expect(seen.some(([n]) => n === a)).toBe(true);
  });

  it('a killed worker is restarted and its cluster lists again to the right counts', async () => {
    const s = await sim();
    const idx = remote(s.kubeconfig(), 'crash');
    expect(await idx.waitForSync(30_000)).toBe(true);
    const restarts = (await ingestWorkerRestarts.get()).values[0]?.value ?? 0;

    expect(await pool.killWorkerOf('crash')).toBe(true);
    // Unknown, never stale, until the new worker has listed.
    expect(idx.synced).toBe(false);
    expect(idx.count(workers(s)[0]!)).toBeNull();
    addPod(s, 'while-down', workers(s)[1]!);

    await until('the cluster to resync after the restart', () => matches(s, idx), 60_000);
    expect((await ingestWorkerRestarts.get()).values[0]?.value).toBe(restarts + 1);
    expect(pool.threads).toBe(1);
  });

  it('two clusters on one worker: stopping one leaves the other counting', async () => {
    const s1 = await sim({ seed: 1 });
    const s2 = await sim({ seed: 2, nodes: 8 });
    const one = remote(s1.kubeconfig(), 'one');
    const two = remote(s2.kubeconfig(), 'two');
    expect(await one.waitForSync(30_000)).toBe(true);
    expect(await two.waitForSync(30_000)).toBe(true);
    await until('both watches open', () => s1.watchCount() === 1 && s2.watchCount() === 1);

    await one.stop();
    await until('the stopped cluster to close its watch', () => s1.watchCount() === 0);
    addPod(s2, 'after-stop', workers(s2)[0]!);
    await until('the other cluster to keep counting', () => matches(s2, two));
    expect(s2.watchCount()).toBe(1);
  });

  it('one cluster’s hostile answers or broken kubeconfig never end the worker the others share', async () => {
    const hostile = await startHostileServer();
    cleanups.push(() => hostile.close());
    // Pod LISTs nested 100,000 levels deep: refused at the client edge, retried with back-off, forever.
    hostile.set('other', 'deep-json');
    const s = await sim();
    const restarts = (await ingestWorkerRestarts.get()).values[0]?.value ?? 0;
    const bad = remote(hostile.kubeconfig, 'hostile');
    const spec = client(s.kubeconfig(), 'broken').connectionSpec()!;
    const broken = new RemotePodIndex({
      cluster: 'broken',
      pool,
      spec: { ...spec, kubeconfig: 'clusters: [' },
    });
    cleanups.push(() => broken.stop());
    broken.start();
    const good = remote(s.kubeconfig(), 'good');

    await until('the hostile cluster’s failures to be reported', () => bad.stats().consecutiveFailures >= 2);
    await until('the broken cluster to be reported', () => broken.stats().lastError);
    expect(broken.stats().lastError).toMatch(/kubeconfig could not be parsed/);
    expect(bad.synced).toBe(false);
    expect(await good.waitForSync(30_000)).toBe(true);
    addPod(s, 'beside-hostile', workers(s)[0]!);
    await until('the good cluster to keep counting', () => matches(s, good));
    expect((await ingestWorkerRestarts.get()).values[0]?.value ?? 0).toBe(restarts);
  });

  it('reports the worker’s API calls on this thread’s metrics', async () => {
    const s = await sim();
    const idx = remote(s.kubeconfig(), 'metered');
    expect(await idx.waitForSync(30_000)).toBe(true);
    const calls = async () =>
      (await kubeApiCalls.get()).values
        .filter((v) => v.labels.cluster === 'metered' && v.labels.resource === 'pods')
        .reduce((a, v) => a + v.value, 0);
    // One LIST page and one WATCH at least.
    await until('pod API calls to be counted here', async () => (await calls()) >= 2);
  });
});

describe('CacheManager with an ingest pool', () => {
  it('serves rows with counts from the worker, keeps its nodes and pods out of the shared informers, and stops them with the cluster', async () => {
    const s = await sim();
    const c = client(s.kubeconfig(), 'cm');
    const cache = new CacheManager({
      log,
      podIndex: true,
      remote: remoteInformers(pool),
      podCountFlushMs: 10,
    });
    cleanups.push(() => cache.close());
    cache.startCluster('cm', c);
    expect(await cache.waitForSync('cm', 30_000)).toBe(true);
    expect(await cache.waitForPodIndex('cm', 30_000)).toBe(true);
    const want = truth(s);
    for (const row of cache.rows('cm')!) expect(row.podCount).toBe(want.get(row.name)!.count);
    expect(cache.resources()).toMatchObject({ informers: 0, pods: s.state.count('pods') });
    expect(cache.informerStats('cm')?.pods?.hasSynced).toBe(true);

    const node = workers(s)[2]!;
    const counts: number[] = [];
    cache.on('change', (ch) => ch.kind === 'podCount' && ch.name === node && counts.push(ch.podCount));
    addPod(s, 'seen-by-rows', node);
    await until('the change to reach the cache', () => counts.at(-1) === want.get(node)!.count + 1);
    expect(cache.row('cm', node)!.podCount).toBe(want.get(node)!.count + 1);

    await until('both watches open', () => s.watchCount() === 2);
    await cache.stopCluster('cm');
    await until('the worker to close the pod watch', () => s.watchCount() === 0);
  });

  it('falls back to the in-thread index for clients that cannot be shared', async () => {
    const s = await sim();
    const c = client(s.kubeconfig(), 'fake');
    const shy = Object.assign(Object.create(c) as HttpKubeClient, { connectionSpec: () => undefined });
    const cache = new CacheManager({ log, podIndex: true, remote: remoteInformers(pool) });
    cleanups.push(() => cache.close());
    cache.startCluster('fake', shy);
    expect(await cache.waitForPodIndex('fake', 30_000)).toBe(true);
    expect(cache.resources().informers).toBe(2);
  });
});
