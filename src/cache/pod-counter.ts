/**
 * How many pods run on each node, whichever way a cluster counts them. It exists so that the cluster cache,
 * the query service and rows read counts through one interface, while the two ways of counting (the pod
 * index's watch, pod-index.ts; a periodic LIST, list-pod-counter.ts) keep their own I/O and timers apart from
 * every read: reading a count never lists or watches anything.
 */
import type { ReflectorStats } from '../informer/reflector.js';
import type { PodCountSource } from './types.js';

/** CPU (millicores) and memory (bytes) requested and limited by a node's non-terminated pods. */
export interface NodeRequests {
  cpuRequest: number;
  memRequest: number;
  cpuLimit: number;
  memLimit: number;
}

export interface PodCounter {
  /** Where the counts come from now: 'none' while nothing has been counted yet. */
  source(): PodCountSource;
  /** Non-terminated pods bound to `node`; null while unknown (never a made-up 0). */
  count(node: string): number | null;
  /**
   * Changes with every count; undefined when the counter has no such number, and then answers that read it
   * cannot be reused (see query-memo.ts).
   */
  readonly generation: number | undefined;
  /** Requests and limits summed per node; null when this counter does not know them. */
  requests(node: string): NodeRequests | null;
  /** Someone is looking at counts: a counter that refreshes on demand may schedule a refresh (never inline). */
  wanted(): void;
  stop(): Promise<void>;
  /** Pending timers of its own (leak checks). */
  readonly pendingTimers: number;
}

/**
 * A counter kept current by a pod watch: the pod index, in this thread (pod-index.ts) or mirrored from an
 * ingest worker (src/ingest/remote-pod-index.ts). The cluster cache, the queries and the facade read either
 * through this.
 */
export interface WatchedPodCounter extends PodCounter {
  /** The first LIST completed (counts are numbers, not null). */
  readonly synced: boolean;
  readonly generation: number;
  /** Pods held (diagnostics, benchmark). */
  readonly podCount: number;
  /** Distinct request/limit tuples interned (diagnostics, benchmark). */
  readonly profileCount: number;
  start(): void;
  waitForSync(timeoutMs: number): Promise<boolean>;
  /** The pod watch's figures (the informer stats of the 'pods' resource). */
  stats(): ReflectorStats;
}
