// Pod indexes in an ingest worker thread against a real kube-apiserver: the worker connects with the
// credentials exported from the cluster's client (the harness's kubeconfig), and the request thread's cache
// counts pods as they come and go.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheManager, type NodeChange } from '../../src/cache/manager.js';
import { IngestPool } from '../../src/ingest/pool.js';
import { HttpKubeClient, kubeConfigFromText } from '../../src/kube/client.js';
import { createLogger } from '../../src/log/logger.js';
import { waitFor } from './harness.js';
import { api } from './http.js';
import { realTarget, type Target } from './targets.js';
import { remoteInformers } from '../../src/ingest/remote-informers.js';

const CLUSTER = 'real-ingest';
const log = createLogger('silent');
const suite = realTarget.available ? describe : describe.skip;

suite('pod index in an ingest worker against kube-apiserver', () => {
  let t: Target;
  let client: HttpKubeClient;
  let pool: IngestPool;
  let cache: CacheManager;
  const changes: NodeChange[] = [];

  beforeAll(async () => {
    t = await realTarget.start();
    for (let i = 0; i < 2; i++) await t.makeNode(`ingest-${i}`);
    client = new HttpKubeClient(CLUSTER, kubeConfigFromText(t.kubeconfigYaml));
    pool = new IngestPool({ workers: 1, log });
    cache = new CacheManager({ log, podIndex: true, remote: remoteInformers(pool), podCountFlushMs: 10 });
    cache.on('change', (c: NodeChange) => changes.push(c));
    cache.startCluster(CLUSTER, client);
    expect(await cache.waitForSync(CLUSTER, 30_000)).toBe(true);
    expect(await cache.waitForPodIndex(CLUSTER, 60_000)).toBe(true);
  }, 180_000);

  afterAll(async () => {
    await cache?.close();
    await pool?.close();
    client?.close();
    await t?.close();
  }, 60_000);

  it('counts pods created and deleted on a node, from the worker', async () => {
    expect(cache.podCount(CLUSTER, 'ingest-1')).toBe(0);
    const ns = await t.makeNamespace('ingest-pods');
    for (const p of ['p1', 'p2', 'p3']) await t.makePod(ns, p, { nodeName: 'ingest-1' });
    await waitFor(() => cache.podCount(CLUSTER, 'ingest-1') === 3, {
      timeoutMs: 30_000,
      what: 'three pods counted on ingest-1',
    });
    await api(t, 'DELETE', `/api/v1/namespaces/${ns}/pods/p1?gracePeriodSeconds=0`);
    await waitFor(() => cache.podCount(CLUSTER, 'ingest-1') === 2, {
      timeoutMs: 30_000,
      what: 'the deleted pod to leave the count',
    });
    expect(changes.some((c) => c.kind === 'podCount' && c.name === 'ingest-1')).toBe(true);
    expect(cache.informerStats(CLUSTER)?.pods?.hasSynced).toBe(true);
  }, 120_000);
});
