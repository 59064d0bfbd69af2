/**
 * Row types of the batch-job and template tables (migration 004), added to the store's `Database` by
 * augmentation. Conventions (text timestamps, JSON as text, 0/1 booleans) are the store's (schema.ts).
 */
export interface JobsTable {
  id: string;
  operation: string;
  /** JSON: the validated parameters (a template job also holds the template contents it applied). */
  params: string;
  /** JSON: JobTarget[] as submitted. */
  targets: string;
  /** JSON: string[] of the clusters the job touches (visibility checks). */
  clusters: string;
  concurrency: number;
  override: number;
  status: string;
  message: string | null;
  /** JSON {c, p}: the message's code and parameters (migration 15, src/messages/column.ts). */
  message_code: string | null;
  created_by: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** Process that runs it; heartbeat_at proves it is still alive (shared stores). */
  owner: string;
  heartbeat_at: string;
  cancel_requested: number;
  client_ip: string | null;
  request_id: string | null;
  total: number;
  /** JSON: the submitter's Actor as admitted, so a replica adopting the job acts with the same rights (007). */
  actor: string | null;
  /** Replica that adopted the job after its owner stopped heartbeating (the latest, if several). */
  adopted_by: string | null;
  /** JSON: JobEvent[] (hand-overs), oldest first. */
  events: string | null;
}

export interface JobNodesTable {
  job_id: string;
  seq: number;
  cluster: string;
  name: string;
  status: string;
  message: string | null;
  /** JSON {c, p}: the message's code and parameters (migration 15). */
  message_code: string | null;
  updated_at: string;
}

export interface TemplatesTable {
  id: string;
  name: string;
  description: string | null;
  /** JSON: {set, remove, allowSystem?} or null. */
  labels: string | null;
  /** JSON: {add, remove} or null. */
  taints: string | null;
  /** Username; null on rows made before migration 8 (their owner is created_by). */
  owner: string | null;
  /** JSON list of the clusters it may be applied to; null = every cluster. */
  clusters: string | null;
  created_by: string;
  created_at: string;
  updated_by: string;
  updated_at: string;
}

declare module '../store/schema.js' {
  interface Database {
    jobs: JobsTable;
    job_nodes: JobNodesTable;
    templates: TemplatesTable;
  }
}
