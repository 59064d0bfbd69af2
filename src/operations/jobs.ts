/**
 * Batch jobs: one operation (cordon, uncordon, labels, taints, drain, template, maintenance plan) over many
 * nodes in one or several clusters, with bounded concurrency, a result per node, cancellation and progress
 * pushed (throttled) through the JobPublisher. Everything is validated, resolved and guarded before a job
 * exists: a refused request changes nothing. Single-node drains run here too: a drain never runs inside an
 * HTTP request.
 *
 * JobRunner is the face the API and the rest of the product use; the work is done by its parts:
 * job-request.ts (the submission, parsed), job-targets.ts (targets to nodes), job-admission.ts (one admission
 * at a time: clash check, guard, reservations, advisory lock), job-executor.ts (running a job),
 * job-lease.ts (heartbeat and staleness), job-recovery.ts (jobs whose owner is gone) and job-audit.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ApiError, badRequest, codedError, toApiError } from '../errors.js';
import { assignMessage } from '../messages/column.js';
import { coded } from '../messages/english.js';
import type { Logger } from '../log/logger.js';
import { jobsRunning } from '../metrics/registry.js';
import type { Dialect } from '../store/migrate.js';
import type { Database } from '../store/schema.js';
import { nowIso } from '../store/values.js';
import { recordIntent } from './audit-intent.js';
import { actorRecord } from './job-adoption.js';
import { JobAdmission } from './job-admission.js';
import { JobAudit } from './job-audit.js';
import { JobExecutor, type JobKindExecutor } from './job-executor.js';
import { JobLease } from './job-lease.js';
import type { ParsedParams } from './job-params.js';
import { JobRecovery } from './job-recovery.js';
import { parseJobRequest, type JobRequest, type RequestContext } from './job-request.js';
import { JobStore } from './job-store.js';
import { resolveTargets } from './job-targets.js';
import { FINAL_JOB_STATUSES, countNodes, type Job, type JobOperation, type JobStatus } from './job-types.js';
import type { Actor } from './actor.js';
import type { TemplateContent } from './intent.js';
import { checkDisableEviction, checkSystemLabels, type NodeOperations } from './node-operations.js';
import { systemClock, type Clock } from '../clock.js';
import type { AuditSink, JobPublisher } from './ports.js';
import { activeJob, RunningJobs, snapshot, stripJob, type ActiveJob } from './running-jobs.js';
import { checkTemplateTarget, type TemplateStore } from './templates.js';

export interface JobRunnerDeps {
  db: Kysely<Database>;
  /** On PostgreSQL, admissions of cordon/drain work also lock out the other replicas (default sqlite). */
  dialect?: Dialect;
  ops: NodeOperations;
  templates?: TemplateStore;
  publisher?: JobPublisher;
  audit?: AuditSink;
  clock?: Clock;
  log?: Logger;
  /** Identifies this process as the owner of the jobs it runs. */
  instanceId?: string;
  /**
   * Several processes share the store (PostgreSQL replicas): another owner's job is only declared
   * interrupted once its heartbeat is stale. Otherwise (SQLite) every job not run by this process is.
   */
  sharedStore?: boolean;
  /** How often this process proves it is alive for its jobs (default 5 s). */
  heartbeatMs?: number;
  /**
   * A job whose owner has not heartbeated for this long is abandoned (default 30 s): on a shared store
   * another replica adopts it at its next sweep, so a dead owner's job resumes within staleAfterMs plus the
   * sweep interval of the replica that sweeps (the leader, every heartbeatMs).
   */
  staleAfterMs?: number;
  /** Minimum interval between progress publications of one job (default 200 ms: ≤ 5 a second). */
  publishIntervalMs?: number;
  /** Operations that run their own course instead of one action per node (maintenance plans). */
  executors?: Partial<Record<JobOperation, JobKindExecutor>>;
  /** Told once when a job reaches its final state, on the replica that finished it (notifications). */
  onFinished?: (job: Job) => void;
}

export class JobRunner {
  readonly instanceId: string;
  private readonly store: JobStore;
  private readonly clock: Clock;
  private readonly jobs: RunningJobs;
  private readonly audit: JobAudit;
  private readonly lease: JobLease;
  private readonly admission: JobAdmission;
  private readonly executor: JobExecutor;
  private readonly recovery: JobRecovery;

  constructor(private readonly deps: JobRunnerDeps) {
    const instanceId = (this.instanceId = deps.instanceId ?? randomUUID());
    // Replicas on PostgreSQL: every write of a job announces itself to the others (job-relay.ts).
    const store = (this.store = new JobStore(
      deps.db,
      deps.sharedStore && deps.dialect === 'postgres' ? instanceId : undefined,
    ));
    const clock = (this.clock = deps.clock ?? systemClock);
    const jobs = (this.jobs = new RunningJobs(deps.log));
    const audit = (this.audit = new JobAudit(deps, jobs));
    const lease = (this.lease = new JobLease({
      store,
      clock,
      instanceId,
      jobs,
      log: deps.log,
      heartbeatMs: deps.heartbeatMs,
      staleAfterMs: deps.staleAfterMs,
    }));
    const admission = (this.admission = new JobAdmission({
      db: deps.db,
      dialect: deps.dialect,
      store,
      instanceId,
      sharedStore: deps.sharedStore,
      jobs,
      lease,
    }));
    const executor = (this.executor = new JobExecutor({
      store,
      clock,
      instanceId,
      ops: deps.ops,
      jobs,
      lease,
      audit,
      publisher: deps.publisher,
      log: deps.log,
      publishIntervalMs: deps.publishIntervalMs,
      executors: deps.executors,
      reserved: (cluster) => admission.reserved(cluster),
      otherJobOn: (cluster, name, exceptJob) => admission.otherJobOn(cluster, name, exceptJob),
    }));
    this.recovery = new JobRecovery({
      store,
      clock,
      instanceId,
      sharedStore: deps.sharedStore,
      jobs,
      lease,
      executor,
      audit,
      publisher: deps.publisher,
      log: deps.log,
    });
  }

  /**
   * Starts the heartbeat. Alone on the store (SQLite) it first marks the jobs of a previous run interrupted;
   * with replicas, abandoned jobs are adopted by whichever replica runs `sweep()` (the leader). Call once.
   */
  async start(): Promise<number> {
    const n = this.deps.sharedStore ? 0 : await this.recovery.recoverInterrupted();
    this.lease.start();
    return n;
  }

  /** Nodes running cordon/drain jobs will still take out of scheduling in a cluster (see JobAdmission). */
  reserved(cluster: string): Promise<Set<string>> {
    return this.admission.reserved(cluster);
  }

  /** Refuses a single-node write to a node a maintenance plan is working on (see JobAdmission.refuseHeld). */
  refuseHeld(cluster: string, name: string): Promise<void> {
    return this.admission.refuseHeld(cluster, name);
  }

  /** A single-node cordon's guard decision, in turn with job admissions (see JobAdmission.admitSingle). */
  admitSingle(
    cluster: string,
    names: readonly string[],
    decide: (reserved: ReadonlySet<string>) => Promise<unknown>,
  ): Promise<() => void> {
    return this.admission.admitSingle(cluster, names, decide);
  }

  /** Adopts (shared store) or declares interrupted (alone) the jobs whose owner is gone. See JobRecovery. */
  sweep(): Promise<number> {
    return this.recovery.sweep();
  }

  /** Declares the jobs of a process that is gone interrupted. See JobRecovery. */
  recoverInterrupted(): Promise<number> {
    return this.recovery.recoverInterrupted();
  }

  /** Validates, resolves targets, applies the guard, persists and starts a job. Refusals are audited. */
  async submit(actor: Actor, body: unknown, ctx: RequestContext = {}): Promise<Job> {
    const action = ctx.action ?? 'job.create';
    let req: (JobRequest & { parsed: ParsedParams }) | undefined;
    try {
      req = parseJobRequest(body);
      return await this.accept(actor, req, ctx);
    } catch (e) {
      // Its intent entry already says how it ended, or the audit log cannot take an entry at all.
      if (e !== null && typeof e === 'object' && auditedRefusals.has(e)) throw e;
      const api = toApiError(e);
      await this.audit.record({
        user: actor.username,
        ip: ctx.ip,
        requestId: ctx.requestId,
        action,
        cluster:
          req && new Set(req.targets.map((t) => t.cluster)).size === 1 ? req.targets[0]!.cluster : undefined,
        nodes: req?.targets.flatMap((t) => t.nodes ?? []).slice(0, 1000),
        params: req
          ? { operation: req.operation, params: req.params, targets: req.targets, override: req.override }
          : body,
        outcome: api && (api.status === 403 || api.code === 'GuardRefused') ? 'denied' : 'failure',
        status: api?.status ?? 500,
        message: (e as Error).message,
      });
      throw e;
    }
  }

  private async accept(
    actor: Actor,
    req: JobRequest & { parsed: ParsedParams },
    ctx: RequestContext,
  ): Promise<Job> {
    const { ops } = this.deps;
    for (const [i, t] of req.targets.entries()) {
      if (actor.clusters !== null && !actor.clusters.includes(t.cluster))
        throw codedError(403, 'Forbidden', { code: 'cluster.noAccess', params: { cluster: t.cluster } });
      try {
        ops.client(t.cluster);
      } catch (e) {
        // Unknown → 404 naming the field; a known cluster that cannot be used (e.g. 503) keeps its own answer.
        if (toApiError(e)?.status !== 404) throw e;
        throw new ApiError(404, 'NotFound', `cluster "${t.cluster}" not found`, `targets[${i}].cluster`);
      }
    }
    let template: TemplateContent | undefined;
    let params = req.params;
    if (req.parsed.operation === 'labels')
      checkSystemLabels(actor, req.parsed.params, req.parsed.params.allowSystem);
    if (req.parsed.operation === 'drain') checkDisableEviction(actor, req.parsed.params);
    if (req.parsed.operation === 'maintenance') checkDisableEviction(actor, req.parsed.params.drain);
    if (req.parsed.operation === 'template') {
      if (!this.deps.templates) throw badRequest('templates are not available', 'params.templateId');
      const t = await this.deps.templates.getFor(actor, req.parsed.params.templateId);
      for (const [i, target] of req.targets.entries())
        checkTemplateTarget(t, target.cluster, `targets[${i}].cluster`);
      template = { ...(t.labels ? { labels: t.labels } : {}), ...(t.taints ? { taints: t.taints } : {}) };
      if (template.labels) checkSystemLabels(actor, template.labels, template.labels.allowSystem ?? false);
      // The job keeps what it applied, even if the template is edited later.
      params = { templateId: t.id, templateName: t.name, ...template };
    }

    const { nodes, keys } = await resolveTargets(ops.nodes, req.targets);
    const clusters = [...new Set(nodes.map((n) => n.cluster))];
    // Audit before act: the complete change, every target node included, is on record before the job can
    // exist; a store that cannot take it refuses the job (503) and nothing is sent to any cluster.
    const jobId = randomUUID();
    let intent;
    try {
      intent = await recordIntent(
        this.deps.audit,
        {
          user: actor.username,
          ip: ctx.ip,
          requestId: ctx.requestId,
          action: ctx.action ?? 'job.create',
          cluster: clusters.length === 1 ? clusters[0] : undefined,
          nodes: nodes.map((n) => n.name),
          params: {
            job: jobId,
            operation: req.operation,
            params,
            targets: req.targets,
            concurrency: req.concurrency,
            override: req.override,
          },
        },
        this.deps.log,
      );
    } catch (e) {
      auditedRefusals.add(e as object);
      throw e;
    }
    const insert = async (store: JobStore): Promise<Job> => {
      const createdAt = nowIso(this.clock.now());
      const job: Job = {
        id: jobId,
        operation: req.operation,
        params,
        targets: req.targets,
        concurrency: req.concurrency,
        status: 'pending',
        createdBy: actor.username,
        createdAt,
        total: nodes.length,
        done: 0,
        counts: countNodes(nodes).counts,
        nodes,
      };
      await store.insert(job, {
        owner: this.instanceId,
        override: req.override,
        clusters,
        clientIp: ctx.ip,
        requestId: ctx.requestId,
        actor: actorRecord(actor),
      });
      return job;
    };
    const register = (job: Job): ActiveJob => {
      const a = activeJob(job, actor, req.parsed, template);
      this.jobs.add(a);
      jobsRunning.inc();
      return a;
    };

    let a: ActiveJob;
    try {
      const operation = req.operation;
      a = await this.admission.admitJob(
        operation,
        nodes,
        keys,
        (cluster, names, reserved) => ops.guard(actor, cluster, names, req.override, operation, reserved),
        insert,
        register,
      );
    } catch (e) {
      const api = toApiError(e);
      await intent.complete({
        outcome: api && (api.status === 403 || api.code === 'GuardRefused') ? 'denied' : 'failure',
        status: api?.status ?? 500,
        message: (e as Error).message,
      });
      if (e !== null && typeof e === 'object') auditedRefusals.add(e);
      throw e;
    }
    const { job } = a;
    const accepted = snapshot(job);
    await intent.complete({
      outcome: 'success',
      status: 202,
      message: `job ${job.id} accepted: ${job.operation} on ${nodes.length} node(s)`,
    });
    this.executor.start(a, { ip: ctx.ip, requestId: ctx.requestId });
    return accepted;
  }

  /** Cancels a job: nodes not started become `cancelled`; a running drain stops (its node stays cordoned). */
  async cancel(actor: Actor, id: string, ctx: RequestContext = {}): Promise<Job> {
    const job = await this.get(actor, id);
    const audit = (outcome: 'success' | 'failure', status: number, message: string) =>
      this.audit.record({
        user: actor.username,
        ip: ctx.ip,
        requestId: ctx.requestId,
        action: 'job.cancel',
        cluster: new Set(job.nodes.map((n) => n.cluster)).size === 1 ? job.nodes[0]?.cluster : undefined,
        nodes: job.nodes
          .filter((n) => n.status === 'pending' || n.status === 'running')
          .map((n) => n.name)
          .slice(0, 1000),
        params: { job: id },
        outcome,
        status,
        message,
      });
    if ((FINAL_JOB_STATUSES as readonly JobStatus[]).includes(job.status)) {
      await audit('failure', 409, `job ${id} already finished (${job.status})`);
      throw codedError(409, 'Conflict', {
        code: 'job.alreadyFinished',
        params: { job: id, status: job.status },
      });
    }
    const a = this.jobs.get(id);
    if (a) assignMessage(a.job, coded({ code: 'job.cancelledBy', params: { user: actor.username } }));
    await this.store.requestCancel(id);
    // Not ours: the owning process sees the request at its next heartbeat.
    this.jobs.cancel(id);
    await audit('success', 202, `cancel requested for job ${id}`);
    return a ? snapshot(a.job) : job;
  }

  /** A job as the user may see it: 404 when it does not exist or touches a cluster hidden from them. */
  async get(actor: Pick<Actor, 'clusters'>, id: string): Promise<Job> {
    const a = this.jobs.get(id);
    if (a) {
      if (!a.job.nodes.every((n) => actor.clusters === null || actor.clusters.includes(n.cluster)))
        throw codedError(404, 'NotFound', { code: 'job.notFound', params: { job: id } });
      return snapshot(a.job);
    }
    const job = await this.store.get(id);
    if (!job || !(actor.clusters === null || job.clusters.every((c) => actor.clusters!.includes(c)))) {
      throw codedError(404, 'NotFound', { code: 'job.notFound', params: { job: id } });
    }
    return stripJob(job);
  }

  async list(
    actor: Pick<Actor, 'clusters'>,
    q: { limit?: number; cursor?: string; status?: JobStatus; operation?: JobOperation } = {},
  ) {
    const limit = Math.min(Math.max(1, q.limit ?? 50), 500);
    return this.store.list({
      limit,
      cursor: q.cursor,
      status: q.status,
      operation: q.operation,
      clusters: actor.clusters,
    });
  }

  /** Whether this process runs the job (its progress is published here first-hand). */
  runs(id: string): boolean {
    return this.jobs.has(id);
  }

  /** Resolves when a job started by this runner has finished (tests, shutdown). */
  async waitFor(id: string): Promise<void> {
    await this.jobs.get(id)?.done;
  }

  /**
   * Graceful stop: stops running jobs and waits for them. Alone on the store, they are recorded as interrupted
   * with what was done; with replicas, they are left for another replica to adopt and finish (a rolling update
   * does not end a batch).
   */
  async shutdown(): Promise<void> {
    this.lease.stop();
    for (const a of this.jobs.all()) {
      if (this.deps.sharedStore || this.executor.resumable(a.job.operation)) {
        a.handoff = true;
        a.abort.abort();
      } else {
        a.job.message = 'interrupted: the server was shutting down';
        a.stopping = true;
        this.jobs.cancel(a.job.id);
      }
    }
    await Promise.all(this.jobs.all().map((a) => a.done));
  }

  /**
   * Stops without writing anything more, as if the process had died (tests of recovery). In-flight
   * requests are aborted; their results are discarded.
   */
  abandon(): void {
    this.jobs.dead = true;
    this.lease.stop();
    for (const a of this.jobs.all()) {
      clearTimeout(a.publishTimer);
      a.abort.abort();
    }
    this.jobs.clear();
  }
}

/** Errors whose audit entry is already written (their intent was completed with them), or cannot be. */
const auditedRefusals = new WeakSet<object>();
