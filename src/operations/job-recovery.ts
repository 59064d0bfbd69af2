/**
 * Jobs whose owner is gone. Alone on the store (SQLite), every job of a previous run is declared interrupted
 * at start — nodes that finished keep their result, nodes never started and nodes in flight say which —
 * except resumable kinds (maintenance plans), which carry on. With replicas on a shared store, a job whose
 * owner stopped heartbeating is adopted by the replica that sweeps and finished there.
 */
import type { Logger } from '../log/logger.js';
import { jobsAdopted, jobsFinished, jobsRunning } from '../metrics/registry.js';
import { coded } from '../messages/english.js';
import { nowIso } from '../store/values.js';
import { resumePlan, type ResumePlan } from './job-adoption.js';
import type { JobAudit } from './job-audit.js';
import { NOT_STARTED, type JobExecutor } from './job-executor.js';
import type { JobLease } from './job-lease.js';
import type { JobStore, UnfinishedJob } from './job-store.js';
import { countNodes, type Job } from './job-types.js';
import type { Clock } from '../clock.js';
import type { JobPublisher } from './ports.js';
import { activeJob, stripJob, type RunningJobs } from './running-jobs.js';

const IN_FLIGHT = coded({ code: 'job.node.unknownOutcome', params: {} });

export interface JobRecoveryDeps {
  store: JobStore;
  clock: Clock;
  instanceId: string;
  sharedStore?: boolean;
  jobs: RunningJobs;
  lease: JobLease;
  executor: JobExecutor;
  audit: JobAudit;
  publisher?: JobPublisher;
  log?: Logger;
}

export class JobRecovery {
  constructor(private readonly d: JobRecoveryDeps) {}

  /**
   * Deals with jobs whose owner is gone: adopts and finishes them when replicas share the store, otherwise
   * marks them interrupted. Returns how many. On a shared store one replica at a time should call this (the
   * leader's background work); claims are conditional, so two at once still cannot both take a job.
   */
  async sweep(): Promise<number> {
    if (this.d.jobs.dead) return 0;
    return this.d.sharedStore ? this.adoptAbandoned() : this.recoverInterrupted();
  }

  /**
   * Declares jobs whose process is gone interrupted: nodes that finished keep their result, nodes never
   * started and nodes in flight become `interrupted` with a message saying which. Returns how many.
   */
  async recoverInterrupted(): Promise<number> {
    const { store, jobs, sharedStore } = this.d;
    const now = new Date(this.d.clock.now());
    const stale = this.d.lease.aliveSince(now.getTime());
    let n = 0;
    for (const j of await store.unfinished()) {
      if (j.owner === this.d.instanceId) continue;
      if (sharedStore && j.heartbeatAt > stale) continue;
      // A resumable kind (a maintenance plan) carries on from its stored state; its owner is gone.
      if (this.d.executor.resumable(j.operation) && !sharedStore) {
        if (!jobs.has(j.id) && (await this.adopt(j, nowIso(now), now))) n++;
        continue;
      }
      if (await this.interrupt(j, now, j.owner)) n++;
    }
    return n;
  }

  private async adoptAbandoned(): Promise<number> {
    const now = new Date(this.d.clock.now());
    const stale = this.d.lease.aliveSince(now.getTime());
    let n = 0;
    for (const j of await this.d.store.unfinished()) {
      if (j.owner === this.d.instanceId || j.heartbeatAt > stale || this.d.jobs.has(j.id)) continue;
      if (await this.adopt(j, stale, now)) n++;
    }
    return n;
  }

  /**
   * Takes one abandoned job over and runs what is left: nodes with a result keep it, nodes never started run
   * now, and nodes that were in flight when the owner stopped are applied again (every operation is an
   * intent; see job-adoption.ts). The row records the hand-over (`adoptedBy`, `events`), and the audit log
   * gets a `job.adopt` entry before anything is sent to a cluster.
   */
  private async adopt(j: UnfinishedJob, stale: string, now: Date): Promise<boolean> {
    const { store, instanceId: me } = this.d;
    const at = nowIso(now);
    const claimed = await store.claim(j.id, j.owner, me, stale, {
      at,
      type: 'adopted',
      by: me,
      from: j.owner,
      message: `adopted by ${me}: its owner ${j.owner} last heartbeated at ${j.heartbeatAt}`,
    });
    if (!claimed || this.d.jobs.dead) return false;
    let plan: ResumePlan;
    try {
      plan = resumePlan(claimed.row);
    } catch (e) {
      this.d.log?.error({ job: j.id, err: (e as Error).message }, 'adopted job cannot be resumed');
      await this.interrupt(j, now, me);
      return true;
    }
    const job: Job = {
      ...store.summaryOf(claimed.row),
      ...countNodes(claimed.nodes),
      nodes: claimed.nodes,
    };
    for (const n of job.nodes)
      if (n.status === 'running') {
        n.status = 'pending';
        n.message = `in progress on ${j.owner} when it stopped; applied again`;
      }
    const left = job.nodes.filter((n) => n.status === 'pending');
    const a = activeJob(job, plan.actor, plan.parsed, plan.template);
    this.d.jobs.add(a);
    jobsRunning.inc();
    jobsAdopted.inc({ operation: job.operation });
    const clusters = [...new Set(job.nodes.map((n) => n.cluster))];
    await this.d.audit.record({
      user: job.createdBy,
      ip: j.clientIp ?? undefined,
      requestId: j.requestId ?? undefined,
      action: 'job.adopt',
      cluster: clusters.length === 1 ? clusters[0] : undefined,
      nodes: left.map((n) => n.name).slice(0, 1000),
      params: { job: job.id, operation: job.operation, from: j.owner, by: me },
      outcome: 'success',
      message: `job ${job.id} adopted by ${me} from ${j.owner}: ${left.length} of ${job.total} nodes left`,
    });
    this.d.log?.info(
      { job: job.id, from: j.owner, left: left.length, total: job.total },
      'adopted a job whose replica stopped',
    );
    this.d.executor.start(a, { ip: j.clientIp ?? undefined, requestId: j.requestId ?? undefined });
    return true;
  }

  private async interrupt(j: UnfinishedJob, now: Date, owner: string): Promise<boolean> {
    const ok = await this.d.store.markInterrupted(
      j.id,
      owner,
      nowIso(now),
      { notStarted: NOT_STARTED, inProgress: IN_FLIGHT },
      (done, total) => coded({ code: 'job.interrupted', params: { done, total } }),
    );
    if (!ok) return false;
    const job = await this.d.store.get(j.id);
    jobsFinished.inc({ operation: j.operation, status: 'interrupted' });
    if (job) {
      this.d.publisher?.publishJob(stripJob(job));
      await this.d.audit.finished(job, {
        user: j.createdBy,
        ip: j.clientIp ?? undefined,
        requestId: j.requestId ?? undefined,
      });
    }
    this.d.log?.warn({ job: j.id }, 'job marked interrupted (its server stopped while it ran)');
    return true;
  }
}
