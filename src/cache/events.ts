/**
 * What the node cache tells its listeners (the realtime hub, the health recorder, benchmarks), and the error
 * its reads throw when no requested cluster can be read. Kept below the cluster cache, the query service and
 * the facade, which all produce them, so none of them imports another for a type.
 */
export type NodeChange =
  | { kind: 'added'; cluster: string; name: string }
  | { kind: 'updated'; cluster: string; name: string; changed: string[] }
  | { kind: 'deleted'; cluster: string; name: string }
  | { kind: 'podCount'; cluster: string; name: string; podCount: number }
  /** A resource share moved by a step (src/usage/step.ts): live values, not a change to the node object. */
  | { kind: 'resources'; cluster: string; name: string };

export interface CacheManagerEvents {
  change: [NodeChange];
  state: [cluster: string];
  synced: [cluster: string];
  removed: [cluster: string];
}

/** Where one cluster's cache reports; the facade forwards it as its events. */
export interface ClusterEventSink {
  change(c: NodeChange): void;
  state(cluster: string): void;
  synced(cluster: string): void;
}

/** No requested cluster could be read: neither from a synced cache nor directly. */
export class ClusterUnavailableError extends Error {
  constructor(readonly reasons: Record<string, string>) {
    super(
      'cluster data unavailable: ' +
        Object.entries(reasons)
          .map(([c, r]) => `${c}: ${r}`)
          .join('; '),
    );
    this.name = 'ClusterUnavailableError';
  }
}
