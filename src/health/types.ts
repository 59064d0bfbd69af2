/**
 * Wire types of the health history API (docs/API.md "Node health history"); types only, imported by the
 * console as well as the server.
 */

/**
 * What a node was in: `NotReady` (Ready condition False or Unknown; `status` says which, latest wins), one of
 * the pressure conditions or NetworkUnavailable (condition True), or `Cordoned` (spec.unschedulable, with who
 * and why when the product cordoned it).
 */
export type HealthKind =
  'NotReady' | 'MemoryPressure' | 'DiskPressure' | 'PIDPressure' | 'NetworkUnavailable' | 'Cordoned';

export const HEALTH_KINDS: readonly HealthKind[] = [
  'NotReady',
  'MemoryPressure',
  'DiskPressure',
  'PIDPressure',
  'NetworkUnavailable',
  'Cordoned',
];

export interface HealthInterval {
  cluster: string;
  node: string;
  kind: HealthKind;
  /** ISO-8601 UTC. */
  start: string;
  /** Absent while the interval is still open. */
  end?: string;
  /** Milliseconds from start to end (to now while open). */
  durationMs: number;
  /** Condition status while bad (False/Unknown for NotReady, True for the others). */
  status?: string;
  reason?: string;
  message?: string;
  /** Who cordoned (Cordoned only, when the product did it). */
  actor?: string;
}

export interface NodeTimeline {
  cluster: string;
  node: string;
  from: string;
  to: string;
  items: HealthInterval[];
  /** More intervals exist in the window than were returned (the oldest were left out). */
  truncated: boolean;
}

export interface HealthGroupStats {
  /** Cluster name, or `cluster/pool value` when grouped by a pool label. */
  cluster: string;
  pool?: string;
  /** Nodes counted: in the live cache now, plus nodes with an outage in the period that are gone. */
  nodes: number;
  /** NotReady intervals that overlap the period. */
  outages: number;
  /** Outages that ended inside the period. */
  recovered: number;
  /** Mean time to recovery of the recovered outages; absent when none recovered. */
  mttrMs?: number;
  /** NotReady milliseconds inside the period, summed over nodes. */
  downMs: number;
  /** 1 − downMs / (nodes × period); 1 when nothing was down. */
  availability: number;
}

export interface FlappingNode {
  cluster: string;
  node: string;
  /** Starts plus ends of condition intervals (not cordons) in the last 24 hours. */
  transitions: number;
  /** Whether the node is unhealthy right now. */
  unhealthy: boolean;
}

export interface UnhealthyNode {
  cluster: string;
  node: string;
  kinds: HealthKind[];
  /** Start of the oldest open interval. */
  since: string;
}

export interface FleetHealth {
  from: string;
  to: string;
  pool?: string;
  unhealthy: UnhealthyNode[];
  flapping: FlappingNode[];
  flapThreshold: number;
  longestOutages: HealthInterval[];
  groups: HealthGroupStats[];
  /** Per-node rows were more than the server reads at once; figures cover the first ones only. */
  truncated: boolean;
}

/** One recorded change, as handed to listeners of the recorder (webhooks). */
export interface HealthTransition {
  cluster: string;
  node: string;
  kind: HealthKind;
  /** false: the bad state began; true: it ended. */
  healthy: boolean;
  /** ISO time of the change. */
  at: string;
  status?: string;
  reason?: string;
  message?: string;
  actor?: string;
}
