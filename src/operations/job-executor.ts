/**
 * Runs an admitted job: its nodes with bounded concurrency (or the job kind's own executor), each node's
 * start and result persisted before and after it runs, progress published at most every publishIntervalMs,
 * and the job's end recorded, audited and published. A cancelled job stops taking nodes; a drain in flight
 * stops too (its node stays cordoned). Single-node drains run here as jobs: never inside an HTTP request.
 */
import { ApiError } from '../errors.js';
import { assignMessage, type Said } from '../messages/column.js';
import { coded } from '../messages/english.js';
import type { Logger } from '../log/logger.js';
import { jobsFinished, jobsRunning } from '../metrics/registry.js';
import { nowIso } from '../store/values.js';
import { DrainError } from './drain.js';
import { drainProgressMessage } from './drain-progress.js';
import type { JobAudit } from './job-audit.js';
import type { JobLease } from './job-lease.js';
import type { JobStore } from './job-store.js';
import { finalStatus, type Job, type JobNode, type JobNodeStatus, type JobOperation } from './job-types.js';
import type { Actor } from './actor.js';
import type { NodeOperations } from './node-operations.js';
import type { Clock } from '../clock.js';
import type { JobPublisher } from './ports.js';
import { snapshot, type ActiveJob, type RunningJobs } from './running-jobs.js';

/** What a job kind with its own executor gets from the runner for one run of one job. */
export interface KindRun {
  job: Job;
  actor: Actor;
  params: unknown;
  /** Aborts on cancel, shutdown, hand-over or loss of the job; `stopReason()` says which. */
  signal: AbortSignal;
  stopReason(): 'cancelled' | 'stopping' | 'handoff' | 'lost' | undefined;
  /** Records a node's job status (persisted, then published); false once the job is no longer this runner's. */
  setNode(seq: number, status: JobNodeStatus, message?: Said): Promise<boolean>;
  /** Publishes the job's current state (throttled). */
  publish(): void;
  /** Nodes other running cordon/drain jobs will still take out (for the guard). */
  reserved(cluster: string): Promise<Set<string>>;
  /** Another live job that has not finished this node (its id), on any replica sharing the store. */
  otherJobOn(cluster: string, name: string): Promise<string | undefined>;
}

export interface JobKindExecutor {
  run(r: KindRun): Promise<void>;
  /**
   * Left for the next start instead of being declared interrupted when this process stops, even alone on the
   * store: a restarted server carries it on where it was.
   */
  resumable?: boolean;
}

export const NOT_STARTED = coded({ code: 'job.node.notStartedShutdown', params: {} });

export interface JobExecutorDeps {
  store: JobStore;
  clock: Clock;
  instanceId: string;
  ops: NodeOperations;
  jobs: RunningJobs;
  lease: JobLease;
  audit: JobAudit;
  publisher?: JobPublisher;
  log?: Logger;
  /** Minimum interval between progress publications of one job (default 200 ms: ≤ 5 a second). */
  publishIntervalMs?: number;
  /** Operations that run their own course instead of one action per node (maintenance plans). */
  executors?: Partial<Record<JobOperation, JobKindExecutor>>;
  /** Nodes running cordon/drain jobs will still take out of scheduling in a cluster. */
  reserved(cluster: string): Promise<Set<string>>;
  /** A live job other than `exceptJob` that has not finished this node (JobAdmission.otherJobOn). */
  otherJobOn(cluster: string, name: string, exceptJob: string): Promise<string | undefined>;
}

export class JobExecutor {
  constructor(private readonly d: JobExecutorDeps) {}

  /** Whether jobs of this kind are carried on by the next start rather than declared interrupted. */
  resumable(operation: string): boolean {
    return this.d.executors?.[operation as JobOperation]?.resumable === true;
  }

  /** Runs a registered job in the background; `a.done` settles when it has finished here. */
  start(a: ActiveJob, ctx: { ip?: string; requestId?: string }): void {
    a.done = this.execute(a, ctx).catch((e: unknown) => {
      this.d.log?.error({ job: a.job.id, err: (e as Error).message }, 'job runner failed');
    });
  }

  private async execute(a: ActiveJob, ctx: { ip?: string; requestId?: string }): Promise<void> {
    const { job } = a;
    const { store, jobs, instanceId: me } = this.d;
    try {
      if (job.status !== 'running') {
        job.status = 'running';
        job.startedAt = nowIso(this.d.clock.now());
        await this.persist(a, () =>
          store.updateJob(job.id, { status: 'running', startedAt: job.startedAt }, me),
        );
      }
      this.publish(a);
      const own = this.d.executors?.[job.operation];
      let next = own ? job.nodes.length : 0;
      if (own) await own.run(this.kindRun(a));
      const worker = async () => {
        while (!a.abort.signal.aborted && jobs.owns(a)) {
          const seq = next++;
          if (seq >= job.nodes.length) return;
          // An adopted job keeps the results its first owner recorded.
          if (job.nodes[seq]!.status !== 'pending') continue;
          await this.runNode(a, seq);
        }
      };
      await Promise.all(Array.from({ length: Math.min(job.concurrency, job.nodes.length) }, worker));
      if (!jobs.owns(a)) return;
      if (a.handoff) {
        await this.d.lease.release(a);
        return;
      }
      const at = nowIso(this.d.clock.now());
      const leftover: JobNodeStatus = a.stopping ? 'interrupted' : 'cancelled';
      const why = a.stopping ? NOT_STARTED : coded({ code: 'job.node.notStarted', params: {} });
      let left = 0;
      for (const n of job.nodes) {
        if (n.status !== 'pending') continue;
        n.status = leftover;
        assignMessage(n, why);
        left++;
      }
      if (left) await this.persist(a, () => store.updatePending(job.id, leftover, why, at, me));
      job.status = a.stopping ? 'interrupted' : finalStatus(job.nodes, a.cancelled);
      job.finishedAt = at;
      if (a.cancelled && job.message === undefined)
        assignMessage(job, coded({ code: 'job.cancelled', params: {} }));
      const message: Said | undefined =
        job.message === undefined ? undefined : { ...job, message: job.message };
      await this.persist(a, () =>
        store.updateJob(job.id, { status: job.status, finishedAt: at, message }, me),
      );
      jobsFinished.inc({ operation: job.operation, status: job.status });
      await this.d.audit.finished(job, { user: job.createdBy, ...ctx });
    } finally {
      if (jobs.owns(a)) {
        jobs.delete(job.id);
        clearTimeout(a.publishTimer);
        this.d.publisher?.publishJob(snapshot(job));
      }
      jobsRunning.dec();
    }
  }

  private async runNode(a: ActiveJob, seq: number): Promise<void> {
    const { job } = a;
    const n = job.nodes[seq]!;
    n.status = 'running';
    delete n.message;
    // The start record doubles as a fence: it lands only while this process owns the job, so an owner that
    // was paused long enough to be adopted stops here instead of acting on the cluster next to its adopter.
    let owned = true;
    await this.persist(a, async () => {
      owned = await this.d.store.updateNode(
        job.id,
        seq,
        'running',
        undefined,
        nowIso(this.d.clock.now()),
        this.d.instanceId,
      );
    });
    if (!owned) {
      this.d.jobs.lose(job.id);
      return;
    }
    this.publish(a);
    let status: JobNodeStatus;
    let message: Said | undefined;
    try {
      ({ status, message } = await this.perform(a, n));
    } catch (e) {
      if (e instanceof DrainError && e.kind === 'cancelled' && a.handoff) {
        // Left `running` for the replica that adopts the job: it drains this node again.
        return;
      } else if (e instanceof DrainError && e.kind === 'cancelled') {
        status = a.stopping ? 'interrupted' : 'cancelled';
        message = a.stopping
          ? coded({ code: 'job.node.shutdown', params: { detail: e.message } })
          : coded(e.coded);
      } else if (e instanceof ApiError && e.status === 404) {
        status = 'skipped';
        message = coded({ code: 'job.node.gone', params: { detail: e.message } });
      } else {
        status = 'failed';
        message =
          e instanceof DrainError
            ? coded(e.coded)
            : e instanceof ApiError && e.coded
              ? coded(e.coded)
              : (e as Error).message;
      }
    }
    if (!this.d.jobs.owns(a)) return;
    n.status = status;
    assignMessage(n, message || undefined);
    await this.persist(a, () =>
      this.d.store.updateNode(job.id, seq, status, message, nowIso(this.d.clock.now()), this.d.instanceId),
    );
    this.publish(a);
  }

  private async perform(a: ActiveJob, n: JobNode): Promise<{ status: JobNodeStatus; message?: Said }> {
    const { ops } = this.d;
    const { actor, parsed } = a;
    const w = (r: { changed: boolean }) => ({ status: (r.changed ? 'ok' : 'unchanged') as JobNodeStatus });
    // Quick writes are not interrupted mid-request (their outcome would be unknown); cancel stops new ones.
    switch (parsed.operation) {
      case 'cordon':
        return w(await ops.cordon(actor, n.cluster, n.name, parsed.params, { skipGuard: true }));
      case 'uncordon':
        return w(await ops.uncordon(actor, n.cluster, n.name, undefined, true));
      case 'labels':
        return w(await ops.labels(actor, n.cluster, n.name, parsed.params, undefined, true));
      case 'taints':
        return w(await ops.taints(actor, n.cluster, n.name, parsed.params, undefined, true));
      case 'template':
        return w(await ops.template(actor, n.cluster, n.name, a.template ?? {}, undefined, true));
      case 'maintenance':
        throw new Error('a maintenance plan runs through its own executor');
      case 'drain': {
        const r = await ops.drain(actor, n.cluster, n.name, parsed.params, {
          signal: a.abort.signal,
          onProgress: (p) => {
            assignMessage(n, coded(drainProgressMessage(p)));
            this.publish(a);
          },
        });
        return { status: 'ok', message: coded(r.coded) };
      }
    }
  }

  private kindRun(a: ActiveJob): KindRun {
    const { job } = a;
    const { jobs } = this.d;
    return {
      job,
      actor: a.actor,
      params: a.parsed.params,
      signal: a.abort.signal,
      stopReason: () =>
        !jobs.owns(a)
          ? 'lost'
          : a.handoff
            ? 'handoff'
            : a.stopping
              ? 'stopping'
              : a.cancelled
                ? 'cancelled'
                : undefined,
      setNode: async (seq, status, message) => {
        if (!jobs.owns(a)) return false;
        const n = job.nodes[seq]!;
        n.status = status;
        assignMessage(n, message || undefined);
        const owned = await this.d.store.updateNode(
          job.id,
          seq,
          status,
          message,
          nowIso(this.d.clock.now()),
          this.d.instanceId,
        );
        if (!owned) {
          jobs.lose(job.id);
          return false;
        }
        this.publish(a);
        return true;
      },
      publish: () => this.publish(a),
      reserved: (cluster) => this.d.reserved(cluster),
      otherJobOn: (cluster, name) => this.d.otherJobOn(cluster, name, job.id),
    };
  }

  /** Store writes of a job; skipped once this runner is abandoned or the job was taken over. */
  private async persist(a: ActiveJob, fn: () => Promise<unknown>): Promise<void> {
    if (!this.d.jobs.owns(a)) return;
    await fn();
  }

  /** Publishes a job's progress, at most once per interval; a change within it goes out at its end. */
  private publish(a: ActiveJob): void {
    const pub = this.d.publisher;
    const { jobs } = this.d;
    if (!pub || jobs.dead) return;
    const interval = this.d.publishIntervalMs ?? 200;
    const now = Date.now();
    if (now - a.lastPublish >= interval) {
      a.lastPublish = now;
      clearTimeout(a.publishTimer);
      a.publishTimer = undefined;
      pub.publishJob(snapshot(a.job));
    } else if (!a.publishTimer) {
      a.publishTimer = setTimeout(
        () => {
          a.publishTimer = undefined;
          a.lastPublish = Date.now();
          if (!jobs.dead && jobs.has(a.job.id)) pub.publishJob(snapshot(a.job));
        },
        interval - (now - a.lastPublish),
      );
      a.publishTimer.unref();
    }
  }
}
