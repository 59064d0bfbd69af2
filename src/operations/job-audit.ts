/**
 * What the audit log says about jobs once they exist: the final entry with every node's result, and entries
 * (adoption, cancel, refusals) that must never stop a job because the log failed — a failure is logged.
 * The audit-before-act intent of a submission is recordIntent's (audit-intent.ts), not this module's.
 */
import type { Logger } from '../log/logger.js';
import { countNodes, type Job } from './job-types.js';
import type { AuditSink } from './ports.js';
import type { RunningJobs } from './running-jobs.js';

export interface JobAuditDeps {
  audit?: AuditSink;
  log?: Logger;
  /** Told once when a job reaches its final state, on the replica that finished it (notifications). */
  onFinished?: (job: Job) => void;
}

export class JobAudit {
  constructor(
    private readonly deps: JobAuditDeps,
    private readonly jobs: RunningJobs,
  ) {}

  /** The final entry of a job: its status, counts and every node's result. */
  async finished(job: Job, who: { user: string; ip?: string; requestId?: string }): Promise<void> {
    this.deps.onFinished?.(job);
    const { counts } = countNodes(job.nodes);
    const outcome =
      job.status === 'succeeded'
        ? 'success'
        : job.status === 'partial'
          ? 'partial'
          : counts.ok + counts.unchanged > 0
            ? 'partial'
            : 'failure';
    const clusters = [...new Set(job.nodes.map((n) => n.cluster))];
    await this.record({
      user: who.user,
      ip: who.ip,
      requestId: who.requestId,
      action: `job.${job.operation}`,
      cluster: clusters.length === 1 ? clusters[0] : undefined,
      params: { job: job.id, params: job.params },
      outcome,
      message: `job ${job.id} ${job.status}: ok ${counts.ok}, unchanged ${counts.unchanged}, failed ${counts.failed}, skipped ${counts.skipped}, cancelled ${counts.cancelled}, interrupted ${counts.interrupted}${job.message ? ` — ${job.message}` : ''}`,
      results: job.nodes.map((n) => ({
        cluster: n.cluster,
        name: n.name,
        outcome: n.status,
        ...(n.message ? { message: n.message } : {}),
      })),
    });
  }

  /** Records an entry; a log that cannot take it is reported, never thrown. Nothing once abandoned. */
  async record(entry: Parameters<AuditSink['record']>[0]): Promise<void> {
    if (!this.deps.audit || this.jobs.dead) return;
    try {
      await this.deps.audit.record(entry);
    } catch (e) {
      this.deps.log?.error({ err: (e as Error).message, action: entry.action }, 'audit record failed');
    }
  }
}
