// Shared set-up for cache tests against the simulated API server.
import { CacheManager, type CacheManagerOptions } from '../../src/cache/manager.js';
import { listNodeRecords } from '../../src/cache/direct.js';
import { HttpKubeClient, kubeConfigFromText } from '../../src/kube/client.js';
import { createLogger } from '../../src/log/logger.js';
import { startSim, type SimOptions, type SimServer } from '../../src/sim/index.js';

export const log = createLogger('silent');

/** Short back-off and grace so failure scenarios take milliseconds, not minutes. */
export const FAST: Partial<CacheManagerOptions> = {
  informer: { backoff: { initialMs: 20, maxMs: 200 }, healthyAfterMs: 100, idleTimeoutMs: 10_000 },
  staleGraceMs: 300,
  directTtlMs: 0,
  podCountFlushMs: 10,
};

export async function setup(simOpts: SimOptions = {}, opts: Partial<CacheManagerOptions> = {}) {
  const sim = await startSim({ nodes: 30, podsPerNode: 5, ...simOpts });
  const client = new HttpKubeClient('c1', kubeConfigFromText(sim.kubeconfig()));
  const cache = new CacheManager({ log, podIndex: true, ...FAST, ...opts });
  return { sim, client, cache };
}

export function newClient(sim: SimServer, name = 'c1'): HttpKubeClient {
  return new HttpKubeClient(name, kubeConfigFromText(sim.kubeconfig()));
}

/** name → resourceVersion, from the cache and from a fresh LIST. */
export function cachedVersions(cache: CacheManager, cluster: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of cache.rows(cluster) ?? []) out[r.name] = r.resourceVersion;
  return out;
}

export async function listedVersions(sim: SimServer): Promise<Record<string, string>> {
  const c = newClient(sim, 'check');
  try {
    const out: Record<string, string> = {};
    for (const r of await listNodeRecords(c)) out[r.name] = r.resourceVersion;
    return out;
  } finally {
    c.close();
  }
}

/** Wait until the cache holds exactly what a fresh LIST returns (same names, same resourceVersions). */
export async function converged(
  cache: CacheManager,
  cluster: string,
  sim: SimServer,
  what: string,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const want = canon(await listedVersions(sim));
    const have = canon(cachedVersions(cache, cluster));
    if (have === want) return;
    if (Date.now() > deadline) throw new Error(`${what}: cache never matched a fresh LIST`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const canon = (o: Record<string, string>) =>
  JSON.stringify(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
