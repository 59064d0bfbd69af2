// The batch job as the API shows it (docs/API.md "Job") and the vocabulary of its states.
import type { MaintenanceProgress } from './maintenance/types.js';
import type { MessageCodeFields } from '../messages/codes.js';

export const JOB_OPERATIONS = [
  'cordon',
  'uncordon',
  'labels',
  'taints',
  'drain',
  'template',
  'maintenance',
] as const;
export type JobOperation = (typeof JOB_OPERATIONS)[number];

export const JOB_STATUSES = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'partial',
  'cancelled',
  'interrupted',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const FINAL_JOB_STATUSES: readonly JobStatus[] = [
  'succeeded',
  'failed',
  'partial',
  'cancelled',
  'interrupted',
];

export type JobNodeStatus =
  'pending' | 'running' | 'ok' | 'unchanged' | 'failed' | 'skipped' | 'cancelled' | 'interrupted';
export const FINAL_NODE_STATUSES: readonly JobNodeStatus[] = [
  'ok',
  'unchanged',
  'failed',
  'skipped',
  'cancelled',
  'interrupted',
];

export interface JobTarget {
  cluster: string;
  nodes?: string[];
  selector?: string;
}

/** `message` may carry a code for the console to translate (`messageCode`, `messageParams`). */
export interface JobNode extends MessageCodeFields {
  cluster: string;
  name: string;
  status: JobNodeStatus;
  message?: string;
}

export interface JobCounts {
  ok: number;
  unchanged: number;
  failed: number;
  skipped: number;
  pending: number;
  running: number;
  cancelled: number;
  interrupted: number;
}

/** Something that happened to a job as a whole: today the hand-over to another replica. */
export interface JobEvent {
  at: string;
  type: 'adopted';
  /** Replica that took the job over. */
  by: string;
  /** Replica that owned it until its heartbeat stopped. */
  from: string;
  message: string;
}

export interface Job extends MessageCodeFields {
  id: string;
  operation: JobOperation;
  params: Record<string, unknown>;
  targets: JobTarget[];
  concurrency: number;
  status: JobStatus;
  createdBy: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Why the job as a whole ended the way it did (cancel, restart…). */
  message?: string;
  total: number;
  /** Set when another replica took the job over after its owner stopped (the latest adopter). */
  adoptedBy?: string;
  /** Hand-overs, oldest first; absent when there were none. */
  events?: JobEvent[];
  /** Nodes with a final status. */
  done: number;
  counts: JobCounts;
  nodes: JobNode[];
  /** A maintenance plan's waves, steps and gates (operation `maintenance`), as its runner last saw them. */
  maintenance?: MaintenanceProgress;
}

export function emptyCounts(): JobCounts {
  return { ok: 0, unchanged: 0, failed: 0, skipped: 0, pending: 0, running: 0, cancelled: 0, interrupted: 0 };
}

export function countNodes(nodes: readonly JobNode[]): { counts: JobCounts; done: number } {
  const counts = emptyCounts();
  for (const n of nodes) counts[n.status]++;
  return { counts, done: nodes.length - counts.pending - counts.running };
}

/** The job's final status from its nodes' results. */
export function finalStatus(nodes: readonly JobNode[], cancelled: boolean): JobStatus {
  if (cancelled) return 'cancelled';
  const { counts } = countNodes(nodes);
  if (counts.failed === 0) return 'succeeded';
  if (counts.ok + counts.unchanged + counts.skipped === 0) return 'failed';
  return 'partial';
}
