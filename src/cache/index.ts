/**
 * The live node cache: node transform and rows, change classification, per-cluster caches whose indexed
 * node store is the informer's store, pod counters (the pod index, or a LIST on its own timer), the node query
 * service with its memo and degraded direct reads, and the direct reads the strategy table prescribes.
 * `CacheManager` is the facade over them. Talks to Kubernetes only through the informer and `direct.ts`;
 * knows nothing of HTTP or WebSockets.
 */
export { CacheManager, ClusterUnavailableError } from './manager.js';
export type {
  CacheManagerOptions,
  NodeChange,
  NodeQueryResult,
  ClusterLiveStatus,
  RegistryLike,
  InformerTuning,
} from './manager.js';
export { parseNodeQuery, DEFAULT_LIMIT, MAX_LIMIT } from './query-parse.js';
export { QueryError, runQuery, type NodeQuery } from './query.js';
export { toRow, toDetail } from './node-row.js';
export { transformNode } from './node-transform.js';
export { changedFields } from './classify.js';
export { PodIndex } from './pod-index.js';
export type { PodSummary } from './direct.js';
export type { EventSummary } from './event-types.js';
export type * from './types.js';
