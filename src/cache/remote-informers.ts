/**
 * Informers that run somewhere else (the ingest workers, src/ingest) and are mirrored here. The cache says what
 * it needs; src/ingest provides it (remoteInformers), so the cache never depends on the threads beneath it.
 */
import type { KubeConnectionSpec } from '../kube/client.js';
import type { Logger } from '../log/logger.js';
import type { NodeCache } from './node-cache.js';
import type { NodeFeed, NodeInformerTuning } from './node-informer.js';
import type { WatchedPodCounter } from './pod-counter.js';
import type { PodIndexTuning } from './pod-index.js';

export interface RemoteInformers {
  /** A node informer filling `store` (the cluster's NodeCache) from elsewhere. */
  nodes(o: {
    cluster: string;
    spec: KubeConnectionSpec;
    store: NodeCache;
    tuning?: NodeInformerTuning;
    log?: Logger;
  }): NodeFeed;
  /** A pod index mirrored here: counts and requests per node. */
  pods(o: {
    cluster: string;
    spec: KubeConnectionSpec;
    tuning?: PodIndexTuning;
    flushMs?: number;
    onCounts: (changes: [node: string, count: number][]) => void;
    /** After the first complete LIST ('initial'; again after the remote side restarted). */
    listed: (cause: 'initial' | 'relist') => void;
  }): WatchedPodCounter;
}
