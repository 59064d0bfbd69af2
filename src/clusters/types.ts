// Shapes of the cluster registry shared with the HTTP layer and the live cache. No credential field appears
// in any type that leaves the registry.
import type { PermissionMatrix } from './permissions.js';
import type { ClusterUsageStatus } from '../usage/types.js';

export type ClusterSource = 'kubeconfig' | 'server-context' | 'in-cluster' | 'demo';

export type ClusterState = 'syncing' | 'synced' | 'degraded' | 'unreachable' | 'stopped';

export interface ClusterOptions {
  /** Keep a live pod index (pod uid → node, phase) for per-node pod counts. */
  podIndex: boolean;
  /**
   * Act as the signed-in user: requests made for a user carry Impersonate-User/Group, so the cluster's own
   * RBAC decides as well, and cached reads are filtered by an access review per user (impersonation.ts).
   */
  impersonate?: boolean;
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
  /** Whether node usage (metrics.k8s.io) could be read, and why not; absent while the poller is off. */
  usage?: ClusterUsageStatus;
  /** Requests for a user are sent as that user (ClusterOptions.impersonate). */
  impersonate: boolean;
}

/** Live fields of a cluster, supplied by the node cache. Fields it does not know are simply left out. */
export interface ClusterStatusProvider {
  status(
    name: string,
  ): Partial<
    Pick<
      ClusterInfo,
      'state' | 'version' | 'nodeCount' | 'readyNodeCount' | 'lastEventAt' | 'lastError' | 'usage'
    >
  >;
}

/** Until the live cache is wired, clusters report only what the registry knows. */
export const noClusterStatus: ClusterStatusProvider = { status: () => ({}) };

export type ClusterInput =
  | {
      source: 'kubeconfig';
      name: string;
      kubeconfig: string;
      context?: string;
      podIndex?: boolean;
      impersonate?: boolean;
    }
  | { source: 'server-context'; name: string; context: string; podIndex?: boolean; impersonate?: boolean }
  | { source: 'in-cluster'; name: string; podIndex?: boolean; impersonate?: boolean };

/** What an admin may change on a saved cluster. */
export interface ClusterOptionsPatch {
  impersonate?: boolean;
}

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
