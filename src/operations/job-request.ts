/**
 * A job submission as the API receives it: the body of POST /jobs parsed with its schema (job-schemas.ts; 400
 * naming the field), targets included, with the per-operation concurrency defaults and the size limits of a job.
 */
import { jobRequestSchema } from './job-schemas.js';
import type { ParsedParams } from './job-params.js';
import type { JobOperation, JobTarget } from './job-types.js';
import { parseWith } from './validation.js';

export { MAX_CONCURRENCY, MAX_JOB_NODES } from './job-schemas.js';

export const DEFAULT_CONCURRENCY: Record<JobOperation, number> = {
  cordon: 20,
  uncordon: 20,
  labels: 20,
  taints: 20,
  template: 20,
  // Drains hold nodes out for minutes and move workloads; few at a time, as people do by hand.
  drain: 2,
  // A maintenance plan paces itself in waves (its maxUnavailable); concurrency does not apply.
  maintenance: 1,
};
export interface JobRequest {
  operation: JobOperation;
  targets: JobTarget[];
  params: Record<string, unknown>;
  concurrency: number;
  override: boolean;
}

export interface RequestContext {
  ip?: string;
  requestId?: string;
  /** Audit action for this submission (`job.create`, `node.drain`, `template.apply`). */
  action?: string;
}

/** Validates a POST /jobs body; 400 naming the field. */
export function parseJobRequest(body: unknown): JobRequest & { parsed: ParsedParams } {
  const r = parseWith(jobRequestSchema, body);
  return {
    operation: r.operation,
    targets: r.targets,
    params: r.params,
    concurrency: r.concurrency ?? DEFAULT_CONCURRENCY[r.operation],
    override: r.override,
    parsed: { operation: r.operation, params: r.params } as ParsedParams,
  };
}
