/** The fleet overview's wire shapes (GET /api/v1/overview), imported by the console. */
import type { ClusterState } from '../clusters/types.js';

export interface ClusterOverview {
  cluster: string;
  state: ClusterState;
  /** Absent until the cluster's first node LIST completed (counts unknown, not zero). */
  nodes?: {
    total: number;
    ready: number;
    notReady: number;
    unknown: number;
    cordoned: number;
    /** Nodes with MemoryPressure, DiskPressure, PIDPressure or NetworkUnavailable True. */
    underPressure: number;
  };
  /** Running jobs (any replica) with a target in this cluster. */
  runningJobs: number;
  lastError?: string;
}

export interface FleetOverview {
  clusters: ClusterOverview[];
  /** Clusters whose own RBAC does not let the caller list nodes, with why (clusters acting as the user). */
  hiddenClusters?: Record<string, string>;
  at: string;
}
