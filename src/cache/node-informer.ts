/**
 * How a cluster's node informer is built, in one place: the cluster cache runs it in this thread, an ingest
 * worker (src/ingest) runs the same one off the request thread and mirrors what it emits. Both must agree on
 * what counts as a change, or the mirror would drift from what an in-process cache shows.
 */
import type { Clock } from '../clock.js';
import type { ReflectorHandlers, ReflectorOptions, ReflectorStats } from '../informer/reflector.js';
import type { Store } from '../informer/store.js';
import type { KubeObject } from '../informer/types.js';
import type { KubeClient } from '../kube/client.js';
import { strategyFor } from '../kube/strategy.js';
import type { Logger } from '../log/logger.js';
import { changedFields } from './classify.js';
import { acceptNode, nodeChangeTime, sameDetailExtras, sameNode, transformNode } from './node-transform.js';
import type { NodeRecord } from './types.js';

export type NodeInformerTuning = Pick<
  ReflectorOptions<unknown>,
  'backoff' | 'idleTimeoutMs' | 'watchTimeoutSeconds' | 'healthyAfterMs' | 'pageSize'
>;

/**
 * A newer version of a stored node: the stored record itself (its resourceVersion moved on in place) when
 * nothing a reader can see changed — a kubelet heartbeat —, else the new record.
 */
export function reconcileNode(stored: NodeRecord, incoming: NodeRecord): NodeRecord {
  if (changedFields(stored, incoming).length === 0 && sameDetailExtras(stored, incoming)) {
    stored.resourceVersion = incoming.resourceVersion;
    return stored;
  }
  return incoming;
}

export function nodeInformerOptions(o: {
  cluster: string;
  client: KubeClient;
  store?: Store<NodeRecord>;
  clock?: Clock;
  random?: () => number;
  log?: Logger;
  tuning?: NodeInformerTuning;
  /** Sees each reconcile's answer (the ingest worker forwards heartbeat-only versions from here). */
  reconcile?: (stored: NodeRecord, incoming: NodeRecord) => NodeRecord;
}): ReflectorOptions<NodeRecord> {
  const s = strategyFor('nodes');
  return {
    cluster: o.cluster,
    resource: 'nodes',
    path: '/api/v1/nodes',
    client: o.client,
    transform: transformNode,
    keyOf: (raw: KubeObject) => raw.metadata?.name ?? '',
    accept: acceptNode,
    reconcile: o.reconcile ?? reconcileNode,
    same: sameNode,
    changeTimeOf: nodeChangeTime,
    store: o.store,
    pageSize: s.pageSize,
    listTimeoutMs: s.timeoutMs,
    listFromWatchCache: s.initialListFromWatchCache,
    clock: o.clock,
    random: o.random,
    log: o.log,
    ...o.tuning,
  };
}

/**
 * What the cluster cache needs of its node informer: the Reflector in this thread, or the mirror of one that
 * runs in an ingest worker (src/ingest/remote-node-feed.ts).
 */
export interface NodeFeed {
  addHandler(h: ReflectorHandlers<NodeRecord>): void;
  start(): void;
  stop(): Promise<void>;
  stats(): ReflectorStats;
  /** Listed and healthy now. */
  isSynced(): boolean;
  /** A first LIST completed at some point. */
  readonly everSynced: boolean;
  waitForSync(timeoutMs: number): Promise<boolean>;
  readonly pendingTimers: number;
  /** Put a node we just wrote (a PATCH answer) in the cache before its watch event arrives. */
  applyLocal(raw: KubeObject): boolean;
}
