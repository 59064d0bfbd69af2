/**
 * The resource strategy table from the design: how each resource kind is read, decided once, here.
 * Anything that reads a resource asks this table instead of choosing for itself.
 */
export type ReadStrategy = 'informer' | 'index' | 'direct' | 'poll';

export interface ResourceStrategy {
  readonly kind: string;
  readonly strategy: ReadStrategy;
  /** Why: the trade-off the design document gives. */
  readonly why: string;
  /** Direct reads: timeout and page size. */
  readonly timeoutMs: number;
  readonly pageSize: number;
  /** Informer/index: resync via relist is never periodic; only on 410 or restart. */
  readonly cacheWholeObjects: boolean;
  /**
   * Informer/index: serve the first LIST from the API server's watch cache (resourceVersion=0). Such a list
   * is cheap for the server (no etcd read) but may be slightly stale, which the WATCH that follows repairs.
   * Worth it for small kinds; wrong for huge ones, because the server may ignore `limit` on an rv=0 list
   * and answer everything at once, so a list that must be paged has to be an exact read. Relists after a
   * 410 are always exact whatever this says; direct reads never use it.
   */
  readonly initialListFromWatchCache: boolean;
}

export const STRATEGY = {
  nodes: {
    kind: 'Node',
    strategy: 'informer',
    why: 'few objects, read constantly, must be live: LIST then WATCH into memory; every query from the cache',
    timeoutMs: 15_000,
    pageSize: 500,
    cacheWholeObjects: true,
    // Exact and paged: with rv=0 an older API server ignores `limit` and answers every node at once, and
    // 5,000 real nodes (tens of MB) would pass the bound on one answer (limits.ts) that keeps a hostile
    // server from exhausting memory. Ten 500-node pages at start-up cost the API server little.
    initialListFromWatchCache: false,
  },
  pods: {
    kind: 'Pod',
    strategy: 'index',
    why: 'huge and churning: never cache whole pods; a slim uid→(node, phase) index for counts, per-node lists via direct API with fieldSelector=spec.nodeName',
    timeoutMs: 15_000,
    pageSize: 500,
    cacheWholeObjects: false,
    // Must be paged: with rv=0 the server may ignore `limit` and send every pod at once — at 150k pods,
    // hundreds of MB in one string.
    initialListFromWatchCache: false,
  },
  events: {
    kind: 'Event',
    strategy: 'direct',
    why: 'huge and churning: direct API, recent only',
    timeoutMs: 15_000,
    pageSize: 200,
    cacheWholeObjects: false,
    initialListFromWatchCache: false,
  },
  secrets: {
    kind: 'Secret',
    strategy: 'direct',
    why: 'security: never cached',
    timeoutMs: 15_000,
    pageSize: 100,
    cacheWholeObjects: false,
    initialListFromWatchCache: false,
  },
  poddisruptionbudgets: {
    kind: 'PodDisruptionBudget',
    strategy: 'direct',
    why: 'read only while previewing or running a drain; must be current at that moment',
    timeoutMs: 15_000,
    pageSize: 500,
    cacheWholeObjects: false,
    initialListFromWatchCache: false,
  },
  nodemetrics: {
    kind: 'NodeMetrics',
    strategy: 'poll',
    why: 'changes at every scrape, one small object per node, read constantly: one LIST per cluster on a timer (KNM_USAGE_INTERVAL_MS) into memory; never per query, never watched (metrics.k8s.io has no watch)',
    timeoutMs: 15_000,
    // metrics-server answers a LIST whole and ignores limit/continue.
    pageSize: 0,
    cacheWholeObjects: false,
    initialListFromWatchCache: false,
  },
  namespaces: {
    kind: 'Namespace',
    strategy: 'direct',
    why: 'small and slow-changing; no live view needs them yet (informer when one does)',
    timeoutMs: 15_000,
    pageSize: 500,
    cacheWholeObjects: false,
    initialListFromWatchCache: false,
  },
} as const satisfies Record<string, ResourceStrategy>;

export type ResourceName = keyof typeof STRATEGY;

export function strategyFor(resource: ResourceName): ResourceStrategy {
  return STRATEGY[resource];
}
