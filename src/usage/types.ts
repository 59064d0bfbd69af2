/**
 * Wire shapes of resource usage (types only; the console imports this module). Shares are fractions of the
 * node's allocatable (0.5 = half); null means "not known" — no metrics API, no pod index yet, or no
 * allocatable to divide by — and is never shown as 0.
 */
export interface NodeResourceShares {
  cpuUsed: number | null;
  memUsed: number | null;
  cpuRequested: number | null;
  memRequested: number | null;
  cpuLimits: number | null;
  memLimits: number | null;
}

export type ResourceShareField = keyof NodeResourceShares;

/** A node's live values (its pod count and resource shares), as a usage refresh pushes them. */
export interface NodeLiveValues extends NodeResourceShares {
  name: string;
  podCount: number | null;
}

export const RESOURCE_SHARE_FIELDS: readonly ResourceShareField[] = [
  'cpuUsed',
  'memUsed',
  'cpuRequested',
  'memRequested',
  'cpuLimits',
  'memLimits',
];

/** A cluster's metrics API as the usage poller last found it (ClusterInfo.usage). */
export interface ClusterUsageStatus {
  /** null until the first scrape finished. */
  available: boolean | null;
  /** Why usage is unavailable, e.g. "usage unavailable: metrics.k8s.io not served". */
  reason?: string;
  /** When the last successful scrape finished (ISO time). */
  lastScrapeAt?: string;
}

/** GET /api/v1/clusters/:cluster/nodes/:name/usage */
export interface NodeUsageHistory {
  cluster: string;
  name: string;
  /** Time between samples (the poll interval). */
  intervalMs: number;
  usage: ClusterUsageStatus;
  /** Allocatable CPU (millicores) and memory (bytes); null when the node does not report them. */
  allocatable: { cpu: number | null; memory: number | null };
  /** Requests and limits of the node's non-terminated pods (millicores, bytes); null without a pod index. */
  requests: { cpuRequest: number; memRequest: number; cpuLimit: number; memLimit: number } | null;
  /** Oldest first: sample time (ms since epoch), CPU used (millicores), memory used (bytes); null = no sample. */
  points: { t: number; cpu: number | null; memory: number | null }[];
}
