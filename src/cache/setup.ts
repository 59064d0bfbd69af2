/**
 * Wiring of the live node cache into the application: one CacheManager that follows the cluster registry
 * and reports live cluster fields (ClusterStatusProvider). Called from the composition root before the
 * registry starts, so clusters loaded at boot are picked up.
 */
import type { AppContext } from '../app.js';
import { CacheManager, type CacheManagerOptions } from './manager.js';

declare module '../app.js' {
  interface AppContext {
    /** The live node cache (src/cache). */
    cache?: CacheManager;
  }
}

export function setupLiveCache(ctx: AppContext, overrides: Partial<CacheManagerOptions> = {}): CacheManager {
  const cache = new CacheManager({
    log: ctx.log.child({ part: 'cache' }),
    podIndex: ctx.config.podIndex,
    ...overrides,
  });
  cache.attach(ctx.clusters);
  ctx.cache = cache;
  ctx.clusterStatus = cache;
  ctx.onStop('node cache', () => cache.close());
  return cache;
}
