// The product's own building blocks against a real kube-apiserver (etcd, kwok nodes and pods, the
// disruption controller): the informer (paged initial sync, watch updates, relist after 410, quiet
// watches), the node cache (queries from memory, live updates, pod counts) and node operations (cordon,
// labels, taints under contention, kubectl-grade drain with a PodDisruptionBudget, terminating
// namespaces). The same scenarios run against the simulator in test/informer, test/cache and
// test/operations; here nothing is simulated but the kubelets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheManager, type NodeChange } from '../../src/cache/manager.js';
import { parseNodeQuery } from '../../src/cache/query-parse.js';
import { Reflector, type ListCause } from '../../src/informer/reflector.js';
import type { KubeObject as InformerObject } from '../../src/informer/types.js';
import {
  HttpKubeClient,
  kubeConfigFromText,
  type KubeClient,
  type Query,
  type RequestOptions,
  type WatchEvent as ClientWatchEvent,
  type WatchOptions,
} from '../../src/kube/client.js';
import { createLogger } from '../../src/log/logger.js';
import {
  DirectNodeSource,
  DrainError,
  NodeOperations,
  parseDrainOptions,
  parseLabelsIntent,
  parseTaintsIntent,
  scaledClock,
  type Actor,
  type KubeNode,
} from '../../src/operations/index.js';
import { waitFor } from './harness.js';
import { api, apiRequest, type KubeObject } from './http.js';
import { realTarget, type Target } from './targets.js';

const CLUSTER = 'real';
const log = createLogger('silent');
const operator: Actor = {
  username: 'oscar',
  role: 'operator',
  clusters: null,
  canOverrideGuard: false,
  canOverrideSystemLabels: false,
};

/** A KubeClient that records every request it passes on (the real server keeps no such count). */
class RecordingClient implements KubeClient {
  readonly requests: { method: string; path: string }[] = [];
  constructor(private readonly inner: KubeClient) {}
  get cluster(): string {
    return this.inner.cluster;
  }
  get server(): string {
    return this.inner.server;
  }
  get callCount(): number {
    return this.inner.callCount;
  }
  request<T = unknown>(o: RequestOptions): Promise<T> {
    this.requests.push({ method: o.method ?? 'GET', path: o.path });
    return this.inner.request<T>(o);
  }
  watch<T = unknown>(
    path: string,
    query: Query,
    onEvent: (ev: ClientWatchEvent<T>) => void,
    opts?: WatchOptions,
  ): ReturnType<KubeClient['watch']> {
    return this.inner.watch(path, query, onEvent, opts);
  }
  close(): void {
    this.inner.close();
  }
  count(method: string, pathEnd: RegExp): number {
    return this.requests.filter((r) => r.method === method && pathEnd.test(r.path)).length;
  }
}

type Slim = { name: string; rv: string; labels: Record<string, string> };
const slim = (o: InformerObject): Slim => ({
  name: o.metadata?.name ?? '',
  rv: o.metadata?.resourceVersion ?? '',
  labels: o.metadata?.labels ?? {},
});

const names = (list: KubeObject): string[] => (list.items ?? []).map((o) => o.metadata!.name!).sort();

const suite = realTarget.available ? describe : describe.skip;

suite('the product against kube-apiserver', () => {
  let t: Target;
  const clients: KubeClient[] = [];
  const newClient = (): KubeClient => {
    const c = new HttpKubeClient(CLUSTER, kubeConfigFromText(t.kubeconfigYaml));
    clients.push(c);
    return c;
  };
  const reflectors: Reflector<Slim>[] = [];
  const reflector = (path: string, extra: Partial<ConstructorParameters<typeof Reflector<Slim>>[0]> = {}) => {
    const r = new Reflector<Slim>({
      cluster: CLUSTER,
      resource: path.split('/').pop()!,
      path,
      client: newClient(),
      transform: slim,
      same: (a, b) => a.rv === b.rv,
      backoff: { initialMs: 50, maxMs: 500 },
      log,
      ...extra,
    });
    reflectors.push(r);
    return r;
  };

  beforeAll(async () => {
    t = await realTarget.start();
  }, 180_000);

  afterAll(async () => {
    await Promise.all(reflectors.map((r) => r.stop()));
    for (const c of clients) c.close();
    await t?.close();
  }, 60_000);

  describe('informer', () => {
    it('syncs in pages to exactly what a LIST returns, then follows adds, updates and deletes', async () => {
      for (let i = 0; i < 5; i++) await t.makeNode(`inf-${i}`);
      const r = reflector('/api/v1/nodes', { pageSize: 2 });
      const seen: string[] = [];
      r.addHandler({
        added: (k, _o, initial) => !initial && seen.push(`added ${k}`),
        deleted: (k) => seen.push(`deleted ${k}`),
      });
      const causes: ListCause[] = [];
      r.addHandler({ listed: (c) => causes.push(c) });
      r.start();
      expect(await r.waitForSync(30_000)).toBe(true);
      const listed = (await api(t, 'GET', '/api/v1/nodes')).body;
      expect([...r.store.keys()].sort()).toEqual(names(listed));
      expect(causes).toEqual(['initial']);

      await api(t, 'PATCH', '/api/v1/nodes/inf-0', {
        body: { metadata: { labels: { followed: 'yes' } } },
        contentType: 'application/merge-patch+json',
      });
      await t.makeNode('inf-new');
      await api(t, 'DELETE', '/api/v1/nodes/inf-1');
      await waitFor(
        () =>
          r.store.get('inf-0')?.labels.followed === 'yes' &&
          r.store.get('inf-new') !== undefined &&
          r.store.get('inf-1') === undefined,
        { timeoutMs: 20_000, what: 'the informer to follow the changes' },
      );
      expect(seen).toEqual(expect.arrayContaining(['added inf-new', 'deleted inf-1']));
      expect(r.stats()).toMatchObject({ consecutiveFailures: 0, relists: 0 });
    });

    it('relists after 410 Gone when it resumes from a compacted resourceVersion, and matches a LIST again', async () => {
      const ns = await t.makeNamespace('inf-gone');
      const { apiPrefix, resource } = t.uncachedResource;
      const coll = `${apiPrefix}/namespaces/${ns}/${resource}`;
      const rs = (name: string) => ({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name },
        spec: {
          replicas: 0,
          selector: { matchLabels: { rs: name } },
          template: {
            metadata: { labels: { rs: name } },
            spec: { containers: [{ name: 'main', image: 'registry.invalid/app:1' }] },
          },
        },
      });
      for (const n of ['a', 'b', 'c']) await api(t, 'POST', coll, { body: rs(n) });
      // Short server-side timeouts: the watch ends and resumes from its last version within seconds.
      const r = reflector(coll, { watchTimeoutSeconds: [2, 3] });
      const causes: ListCause[] = [];
      r.addHandler({ listed: (c) => causes.push(c) });
      r.start();
      expect(await r.waitForSync(30_000)).toBe(true);
      await api(t, 'PATCH', `${coll}/a`, {
        body: { metadata: { labels: { step: '1' } } },
        contentType: 'application/merge-patch+json',
      });
      // Namespaced objects are stored under namespace/name.
      await waitFor(() => r.store.get(`${ns}/a`)?.labels.step === '1', { what: 'the patch to arrive' });
      // Move the store's revision past the informer's version, then compact everything before it.
      // (An open watch outlives a compaction: only its next start, from the old version, is refused. A
      // watch from version v starts at v+1, so the compaction must reach beyond that.)
      await t.makeNamespace('inf-gone-elsewhere');
      await t.makeNamespace('inf-gone-elsewhere');
      await t.compact();
      await waitFor(() => causes.includes('gone'), { timeoutMs: 30_000, what: 'a relist caused by 410' });
      await api(t, 'DELETE', `${coll}/b`);
      await waitFor(
        async () => {
          const listed = (await api(t, 'GET', coll)).body;
          const want = names(listed).map((n) => `${ns}/${n}`);
          return JSON.stringify([...r.store.keys()].sort()) === JSON.stringify(want);
        },
        { timeoutMs: 20_000, what: 'the store to match a LIST after the relist' },
      );
      expect([...r.store.keys()].sort()).toEqual([`${ns}/a`, `${ns}/c`]);
      expect(r.stats().relists).toBeGreaterThanOrEqual(1);
    });

    it('keeps a healthy but quiet watch healthy: no bookmarks arrive while nothing changes', async () => {
      // The real watch cache sends no bookmark until the kind moves past the watch's version, so a quiet
      // resource delivers nothing at all until the server-side timeout. Scaled down here: a 20 s watch
      // with a 6 s idle limit, observed for 9 s.
      const ns = await t.makeNamespace('quiet');
      await t.makePod(ns, 'still');
      const r = reflector(`/api/v1/namespaces/${ns}/pods`, {
        watchTimeoutSeconds: [20, 20],
        idleTimeoutMs: 6_000,
        healthyAfterMs: 500,
      });
      const failures: string[] = [];
      r.addHandler({
        state: () => {
          const s = r.stats();
          if (s.consecutiveFailures > 0) failures.push(`${s.lastErrorReason}: ${s.lastError}`);
        },
      });
      r.start();
      expect(await r.waitForSync(30_000)).toBe(true);
      // An observation window, not a synchronisation: nothing is expected to happen in it.
      const until = Date.now() + 9_000;
      await waitFor(() => Date.now() >= until || failures.length > 0, {
        timeoutMs: 15_000,
        intervalMs: 200,
        what: 'the observation window',
      });
      expect(failures).toEqual([]);
      expect(r.isSynced()).toBe(true);
    }, 60_000);
  });

  describe('node cache', () => {
    let cache: CacheManager;
    let client: KubeClient;
    const changes: NodeChange[] = [];

    beforeAll(async () => {
      for (let i = 0; i < 3; i++) await t.makeNode(`cache-${i}`);
      client = newClient();
      cache = new CacheManager({
        log,
        podIndex: true,
        informer: { backoff: { initialMs: 50, maxMs: 500 }, healthyAfterMs: 200 },
        podCountFlushMs: 10,
      });
      cache.on('change', (c: NodeChange) => changes.push(c));
      cache.startCluster(CLUSTER, client);
      expect(await cache.waitForSync(CLUSTER, 30_000)).toBe(true);
      expect(await cache.waitForPodIndex(CLUSTER, 30_000)).toBe(true);
    }, 120_000);

    afterAll(async () => {
      await cache?.close();
    });

    it('answers node queries from memory, with no API call, matching a LIST', async () => {
      const listed = (await api(t, 'GET', '/api/v1/nodes')).body;
      await waitFor(
        () =>
          JSON.stringify((cache.rows(CLUSTER) ?? []).map((r) => r.name).sort()) ===
          JSON.stringify(names(listed)),
        { timeoutMs: 20_000, what: 'the cache to hold every listed node' },
      );
      const before = client.callCount;
      for (let i = 0; i < 20; i++) {
        const r = await cache.query(parseNodeQuery({ search: 'cache-', limit: '10' }), [CLUSTER]);
        expect(r).toMatchObject({ source: 'cache', degraded: false, clusters: { [CLUSTER]: 'synced' } });
        expect(r.items.map((x) => x.name)).toEqual(['cache-0', 'cache-1', 'cache-2']);
        expect(r.items.every((x) => x.status === 'Ready')).toBe(true);
      }
      expect(await cache.getNode(CLUSTER, 'cache-1')).toMatchObject({ source: 'cache', degraded: false });
      expect(client.callCount).toBe(before);
      expect(cache.status(CLUSTER)).toMatchObject({ state: 'synced', podIndex: true });
      expect(cache.status(CLUSTER).version).toMatch(/^v1\.34\./);
    });

    it('follows node changes and pod counts as they happen', async () => {
      await api(t, 'PATCH', '/api/v1/nodes/cache-0', {
        body: { spec: { unschedulable: true }, metadata: { labels: { zone: 'z9' } } },
        contentType: 'application/strategic-merge-patch+json',
      });
      await waitFor(() => cache.row(CLUSTER, 'cache-0')?.schedulable === false, {
        timeoutMs: 20_000,
        what: 'the cordon to reach the cache',
      });
      expect(cache.row(CLUSTER, 'cache-0')!.labels.zone).toBe('z9');
      expect(changes.some((c) => c.kind === 'updated' && c.name === 'cache-0')).toBe(true);

      const ns = await t.makeNamespace('cache-pods');
      for (const p of ['p1', 'p2', 'p3']) await t.makePod(ns, p, { nodeName: 'cache-1' });
      await waitFor(() => cache.podCount(CLUSTER, 'cache-1') === 3, {
        timeoutMs: 20_000,
        what: 'three pods counted on cache-1',
      });
      await api(t, 'DELETE', `/api/v1/namespaces/${ns}/pods/p1`);
      await waitFor(() => cache.podCount(CLUSTER, 'cache-1') === 2, {
        timeoutMs: 20_000,
        what: 'the deleted pod to leave the count',
      });
      expect(changes.some((c) => c.kind === 'podCount' && c.name === 'cache-1')).toBe(true);

      await api(t, 'DELETE', '/api/v1/nodes/cache-2');
      await waitFor(() => cache.row(CLUSTER, 'cache-2') === undefined, {
        timeoutMs: 20_000,
        what: 'the deleted node to leave the cache',
      });
      expect(changes.some((c) => c.kind === 'deleted' && c.name === 'cache-2')).toBe(true);
    });
  });

  describe('node operations', () => {
    const opsWith = (client: KubeClient, clockScale = 0.05) =>
      new NodeOperations({
        clients: { client: (c) => (c === CLUSTER ? client : undefined) },
        nodes: new DirectNodeSource({ client: (c) => (c === CLUSTER ? client : undefined) }, 0),
        guardMinSchedulable: 0,
        // kubectl's 5 s eviction back-off and 1 s deletion polling run 20× faster.
        clock: scaledClock(clockScale),
        write: { baseBackoffMs: 10 },
      });
    const node = async (name: string) =>
      (await api(t, 'GET', `/api/v1/nodes/${name}`)).body as unknown as KubeNode;

    it('cordons with reason and who, uncordons, and sets labels and taints on a node kwok keeps updating', async () => {
      await t.makeNode('ops-1', { taints: [{ key: 'keep', effect: 'PreferNoSchedule' }] });
      const ops = opsWith(newClient());
      const c = await ops.cordon(operator, CLUSTER, 'ops-1', { reason: 'disk swap' });
      expect(c.changed).toBe(true);
      let n = await node('ops-1');
      expect(n.spec?.unschedulable).toBe(true);
      expect(n.metadata.annotations).toMatchObject({
        'nodes.knm.io/cordon-reason': 'disk swap',
        'nodes.knm.io/cordoned-by': 'oscar',
      });
      expect((await ops.cordon(operator, CLUSTER, 'ops-1', { reason: 'disk swap' })).changed).toBe(false);

      await ops.labels(operator, CLUSTER, 'ops-1', parseLabelsIntent({ set: { team: 'blue', tier: 'db' } }));
      await ops.labels(operator, CLUSTER, 'ops-1', parseLabelsIntent({ remove: ['tier'] }));
      await ops.taints(
        operator,
        CLUSTER,
        'ops-1',
        parseTaintsIntent({ add: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }),
      );
      n = await node('ops-1');
      expect(n.metadata.labels).toMatchObject({ team: 'blue' });
      expect(n.metadata.labels?.tier).toBeUndefined();
      expect(n.spec?.taints?.map((x) => x.key).sort()).toEqual(['dedicated', 'keep']);

      await ops.taints(operator, CLUSTER, 'ops-1', parseTaintsIntent({ remove: [{ key: 'keep' }] }));
      expect((await ops.uncordon(operator, CLUSTER, 'ops-1')).changed).toBe(true);
      n = await node('ops-1');
      expect(n.spec?.taints?.map((x) => x.key)).toEqual(['dedicated']);
      expect(n.spec?.unschedulable).toBeFalsy();
      expect(n.metadata.annotations?.['nodes.knm.io/cordon-reason']).toBeUndefined();
    });

    it('two writers changing one node at the same time both win (409/422 retried on a fresh read)', async () => {
      await t.makeNode('ops-2');
      const a = opsWith(newClient());
      const b = opsWith(newClient());
      const keys: string[] = [];
      for (let round = 0; round < 4; round++) {
        const batch: Promise<{ changed: boolean }>[] = [];
        for (let i = 0; i < 3; i++) {
          for (const [who, ops] of [
            ['a', a],
            ['b', b],
          ] as const) {
            const key = `${who}-${round}-${i}`;
            keys.push(key);
            batch.push(
              i % 2 === 0
                ? ops.labels(operator, CLUSTER, 'ops-2', parseLabelsIntent({ set: { [key]: 'v' } }))
                : ops.taints(
                    operator,
                    CLUSTER,
                    'ops-2',
                    parseTaintsIntent({ add: [{ key, value: 'v', effect: 'NoSchedule' }] }),
                  ),
            );
          }
        }
        expect((await Promise.all(batch)).every((r) => r.changed)).toBe(true);
      }
      const n = await node('ops-2');
      for (const key of keys) {
        if (Number(key.split('-')[2]) % 2 === 0) expect(n.metadata.labels?.[key]).toBe('v');
        else expect(n.spec?.taints?.find((x) => x.key === key)?.value).toBe('v');
      }
    });

    describe('drain', () => {
      let ns: string;
      beforeAll(async () => {
        ns = await t.makeNamespace('drain');
        await t.makeNode('drain-spare');
        await api(t, 'POST', `/apis/apps/v1/namespaces/${ns}/daemonsets`, {
          body: {
            apiVersion: 'apps/v1',
            kind: 'DaemonSet',
            metadata: { name: 'ds' },
            spec: {
              selector: { matchLabels: { app: 'ds' } },
              template: {
                metadata: { labels: { app: 'ds' } },
                spec: { containers: [{ name: 'c', image: 'registry.invalid/ds:1' }] },
              },
            },
          },
        });
      }, 120_000);

      const owned = (kind: string, name: string) => ({
        ownerReferences: [{ apiVersion: 'apps/v1', kind, name, uid: `uid-${name}`, controller: true }],
      });
      const createPod = async (name: string, node: string, o: Record<string, unknown> = {}) => {
        const { meta, spec, phase } = o as { meta?: object; spec?: object; phase?: string };
        await api(t, 'POST', `/api/v1/namespaces/${ns}/pods`, {
          body: {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name, ...meta },
            spec: { nodeName: node, containers: [{ name: 'c', image: 'registry.invalid/app:1' }], ...spec },
          },
        });
        if (phase) {
          // Custom-status pods are left alone by kwok: write the terminal phase a kubelet would report.
          await api(t, 'PATCH', `/api/v1/namespaces/${ns}/pods/${name}/status`, {
            body: { status: { phase } },
            contentType: 'application/merge-patch+json',
          });
        }
      };
      const exists = async (name: string) =>
        (await apiRequest(t, 'GET', `/api/v1/namespaces/${ns}/pods/${name}`)).status === 200;

      it('refuses before evicting anything, or removes exactly what kubectl would', async () => {
        await t.makeNode('drain-1');
        const custom = { annotations: { 'kwok.x-k8s.io/status': 'custom' } };
        await createPod('ds-pod', 'drain-1', {
          meta: { labels: { app: 'ds' }, ...owned('DaemonSet', 'ds') },
        });
        await createPod('mirror-pod', 'drain-1', {
          meta: { annotations: { 'kubernetes.io/config.mirror': 'abc123' } },
        });
        await createPod('emptydir-pod', 'drain-1', {
          meta: owned('ReplicaSet', 'rs'),
          spec: { volumes: [{ name: 'scratch', emptyDir: {} }] },
        });
        await createPod('unmanaged-pod', 'drain-1');
        await createPod('finished-pod', 'drain-1', { meta: custom, phase: 'Failed' });
        await createPod('rs-pod', 'drain-1', { meta: owned('ReplicaSet', 'rs') });
        const client = new RecordingClient(newClient());
        const ops = opsWith(client);

        const strict = parseDrainOptions({});
        const preview = await ops.previewDrain(CLUSTER, 'drain-1', strict);
        expect(Object.fromEntries(preview.pods.map((p) => [p.name, p.action]))).toEqual({
          'ds-pod': 'blocked',
          'mirror-pod': 'skip',
          'emptydir-pod': 'blocked',
          'unmanaged-pod': 'blocked',
          'finished-pod': 'evict',
          'rs-pod': 'evict',
        });
        const refused = await ops.drain(operator, CLUSTER, 'drain-1', strict).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(DrainError);
        expect(refused).toMatchObject({ kind: 'blocked' });
        expect(client.count('POST', /\/eviction$/) + client.count('DELETE', /\/pods\//)).toBe(0);
        expect((await node('drain-1')).spec?.unschedulable).toBe(true);

        const all = parseDrainOptions({ ignoreDaemonSets: true, deleteEmptyDirData: true, force: true });
        const r = await ops.drain(operator, CLUSTER, 'drain-1', all);
        expect(r.removed).toBe(4);
        for (const p of ['emptydir-pod', 'unmanaged-pod', 'finished-pod', 'rs-pod'])
          expect(await exists(p)).toBe(false);
        for (const p of ['ds-pod', 'mirror-pod']) expect(await exists(p)).toBe(true);
        expect(client.count('POST', /\/eviction$/)).toBe(4);
        expect(client.count('DELETE', /\/pods\//)).toBe(0);
      });

      it('waits on a PodDisruptionBudget (429) and completes once the budget allows, never deleting', async () => {
        await t.makeNode('drain-2');
        const db = { labels: { app: 'db' }, ...owned('StatefulSet', 'db') };
        await t.makePod(ns, 'db-0', { nodeName: 'drain-2', labels: db.labels });
        await api(t, 'PATCH', `/api/v1/namespaces/${ns}/pods/db-0`, {
          body: { metadata: { ownerReferences: db.ownerReferences } },
          contentType: 'application/merge-patch+json',
        });
        await api(t, 'POST', `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`, {
          body: {
            apiVersion: 'policy/v1',
            kind: 'PodDisruptionBudget',
            metadata: { name: 'db' },
            spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } },
          },
        });
        await waitFor(
          async () => {
            const p = (await api(t, 'GET', `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/db`)).body;
            return (p.status as { currentHealthy?: number } | undefined)?.currentHealthy === 1;
          },
          { timeoutMs: 60_000, what: 'the budget to count db-0' },
        );
        const client = new RecordingClient(newClient());
        const ops = opsWith(client);
        const waiting: number[] = [];
        const run = ops.drain(operator, CLUSTER, 'drain-2', parseDrainOptions({ ignoreDaemonSets: true }), {
          onProgress: (p) => waiting.push(p.waitingForBudget),
        });
        await waitFor(() => client.count('POST', /\/eviction$/) >= 3, {
          timeoutMs: 30_000,
          what: 'repeated refused evictions',
        });
        expect(await exists('db-0')).toBe(true);
        expect(waiting).toContain(1);
        // A second healthy replica elsewhere: the disruption controller now allows one disruption.
        await t.makePod(ns, 'db-1', { nodeName: 'drain-spare', labels: db.labels });
        const r = await run;
        expect(r.removed).toBe(1);
        expect(await exists('db-0')).toBe(false);
        expect(await exists('db-1')).toBe(true);
        expect(client.count('DELETE', /\/pods\//)).toBe(0);
      }, 120_000);

      it('never deletes a pod whose namespace is terminating: retries eviction until the namespace removes it, as kubectl does', async () => {
        await t.makeNode('drain-3');
        const doomed = await t.makeNamespace('drain-doomed');
        await t.makePod(doomed, 'leftover', {
          nodeName: 'drain-3',
          labels: { app: 'x' },
          terminationGracePeriodSeconds: 3000,
        });
        await api(t, 'PATCH', `/api/v1/namespaces/${doomed}/pods/leftover`, {
          body: { metadata: owned('ReplicaSet', 'x') },
          contentType: 'application/merge-patch+json',
        });
        await api(t, 'DELETE', `/api/v1/namespaces/${doomed}`);
        const client = new RecordingClient(newClient());
        const run = opsWith(client).drain(
          operator,
          CLUSTER,
          'drain-3',
          parseDrainOptions({ ignoreDaemonSets: true, gracePeriodSeconds: 1 }),
        );
        // The API server refuses evictions in a terminating namespace (403, cause NamespaceTerminating).
        await waitFor(() => client.count('POST', /\/eviction$/) >= 1, {
          timeoutMs: 30_000,
          what: 'the first eviction attempt',
        });
        // This plane runs no namespace controller; do its part: delete the namespace's pod.
        await api(t, 'DELETE', `/api/v1/namespaces/${doomed}/pods/leftover`, {
          body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 1 },
        });
        const r = await run;
        expect(r.removed).toBe(1);
        expect(client.count('DELETE', /\/pods\//)).toBe(0);
        expect((await apiRequest(t, 'GET', `/api/v1/namespaces/${doomed}/pods/leftover`)).status).toBe(404);
      }, 90_000);
    });
  });
});
