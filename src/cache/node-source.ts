/** The node cache seen through the operations' NodeSource port (operations/ports.ts). */
import type { KubeNode } from '../operations/kube-types.js';
import type { NodeSource } from '../operations/ports.js';
import type { KubeObject } from '../informer/types.js';
import type { CacheManager } from './manager.js';

export function cacheNodeSource(cache: CacheManager): NodeSource {
  return {
    getNode: (cluster, name) => cache.nodeSummary(cluster, name),
    resolveSelector: (cluster, selector) => cache.resolveSelector(cluster, selector),
    readyStats: (cluster) => cache.readyStats(cluster),
    applyLocalWrite: (cluster, node: KubeNode) =>
      cache.applyLocalWrite(cluster, node as unknown as KubeObject),
  };
}
