// Shapes of the cluster registry shared with the HTTP layer and the live cache. No credential field appears
// in any type that leaves the registry.
import type { PermissionMatrix } from './permissions.js';

export type ClusterSource = 'kubeconfig' | 'server-context' | 'in-cluster' | 'demo';

export type ClusterState = 'syncing' | 'synced' | 'degraded' | 'unreachable' | 'stopped';

export interface ClusterOptions {
  /** Keep a live pod index (pod uid → node, phase) for per-node pod counts. */
  podIndex: boolean;
}

/** A registered cluster as the rest of the product sees it: no credentials, ever. */
export interface ClusterRecord {
  name: string;
  source: ClusterSource;
  server: string;
  context: string;
  createdAt: string;
  createdBy: string;
  options: ClusterOptions;
}

/** The API's view (docs/API.md): the record plus live fields from the cache. */
export interface ClusterInfo {
  name: string;
  source: ClusterSource;
  server: string;
  context: string;
  createdAt: string;
  createdBy: string;
  state: ClusterState;
  version?: string;
  nodeCount: number;
  readyNodeCount: number;
  lastEventAt?: string;
  lastError?: string;
  podIndex: boolean;
}

/** Live fields of a cluster, supplied by the node cache. Fields it does not know are simply left out. */
export interface ClusterStatusProvider {
  status(
    name: string,
  ): Partial<
    Pick<ClusterInfo, 'state' | 'version' | 'nodeCount' | 'readyNodeCount' | 'lastEventAt' | 'lastError'>
  >;
}

/** Until the live cache is wired, clusters report only what the registry knows. */
export const noClusterStatus: ClusterStatusProvider = { status: () => ({}) };

export type ClusterInput =
  | { source: 'kubeconfig'; name: string; kubeconfig: string; context?: string; podIndex?: boolean }
  | { source: 'server-context'; name: string; context: string; podIndex?: boolean }
  | { source: 'in-cluster'; name: string; podIndex?: boolean };

/** Same as ClusterInput, but a connection test does not need a name. */
export type ClusterTestInput = DistributiveOmit<ClusterInput, 'name'> & { name?: string };
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface ConnectionTestResult {
  ok: true;
  version: string;
  nodeCount?: number;
  /** What the identity may do (permission preflight). */
  permissions?: PermissionMatrix;
}

/** A context of a kubeconfig, described without credentials. */
export interface KubeContextInfo {
  name: string;
  cluster: string;
  server: string;
  user: string;
  namespace?: string;
}

/** Why a cluster was added or removed, so listeners (cache, audit) can tell user actions from start-up. */
export type ClusterChangeOrigin = 'api' | 'boot' | 'sync' | 'demo' | 'stop';
