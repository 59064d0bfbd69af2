/**
 * Batch jobs: one operation (cordon, uncordon, labels, taints, drain, template) over many nodes in one or
 * several clusters, with bounded concurrency, a result per node, cancellation and progress pushed (throttled)
 * through the JobPublisher. Everything is validated, resolved and guarded before a job exists: a refused
 * request changes nothing. Every node's start and result is persisted before and after it runs, so after a
 * crash `recoverInterrupted()` can say exactly which nodes finished, which never started and which were in
 * flight. Single-node drains run here too: a drain never runs inside an HTTP request.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Kysely } from 'kysely';
import { ApiError, badRequest, conflict, forbidden, notFound, toApiError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { jobsAdopted, jobsFinished, jobsRunning } from '../metrics/registry.js';
import { withJobSubmitLock } from '../store/locks.js';
import type { Dialect } from '../store/migrate.js';
import type { Database } from '../store/schema.js';
import { nowIso } from '../store/values.js';
import { DrainError } from './drain.js';
import { drainProgressText } from './drain-progress.js';
import { actorRecord, resumePlan, type ResumePlan } from './job-adoption.js';
import { clashOf, holdsNode, TAKING_OUT } from './job-holds.js';
import { JobStore, type ActiveJobNode, type UnfinishedJob } from './job-store.js';
import {
  FINAL_JOB_STATUSES,
  JOB_OPERATIONS,
  countNodes,
  finalStatus,
  type Job,
  type JobNode,
  type JobNodeStatus,
  type JobOperation,
  type JobStatus,
  type JobTarget,
} from './job-types.js';
import { parseParams, type ParsedParams } from './job-params.js';
import { recordIntent } from './audit-intent.js';
import { systemClock, type AuditSink, type Clock, type JobPublisher } from './ports.js';
import {
  checkDisableEviction,
  checkSystemLabels,
  type Actor,
  type NodeOperations,
  type TemplateContent,
} from './service.js';
import { checkTemplateTarget, type TemplateStore } from './templates.js';
import { asObject, onlyKeys, parseLabelSelector, validateNodeName } from './validation.js';

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
export const MAX_CONCURRENCY = 50;
export const MAX_JOB_NODES = 10_000;
const MAX_TARGETS = 100;

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
  const o = asObject(body, '');
  onlyKeys(o, ['operation', 'targets', 'params', 'concurrency', 'override'], '');
  if (typeof o.operation !== 'string' || !(JOB_OPERATIONS as readonly string[]).includes(o.operation)) {
    throw badRequest(`operation must be one of ${JOB_OPERATIONS.join(', ')}`, 'operation');
  }
  const operation = o.operation as JobOperation;
  const targets = parseTargets(o.targets);
  const parsed = parseParams(
    operation,
    o.params ??
      (operation === 'uncordon' || operation === 'drain' || operation === 'cordon' ? {} : undefined),
  );
  let concurrency = DEFAULT_CONCURRENCY[operation];
  if (o.concurrency !== undefined && o.concurrency !== null) {
    if (
      typeof o.concurrency !== 'number' ||
      !Number.isInteger(o.concurrency) ||
      o.concurrency < 1 ||
      o.concurrency > MAX_CONCURRENCY
    ) {
      throw badRequest(`concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}`, 'concurrency');
    }
    concurrency = o.concurrency;
  }
  if (o.override !== undefined && o.override !== null && typeof o.override !== 'boolean') {
    throw badRequest('override must be true or false', 'override');
  }
  return {
    operation,
    targets,
    params: parsed.params as Record<string, unknown>,
    concurrency,
    override: o.override === true,
    parsed,
  };
}

export function parseTargets(raw: unknown, base = 'targets'): JobTarget[] {
  if (!Array.isArray(raw) || raw.length === 0)
    throw badRequest('targets must be a non-empty list of {cluster, nodes | selector}', base);
  if (raw.length > MAX_TARGETS) throw badRequest(`at most ${MAX_TARGETS} targets per job`, base);
  return raw.map((t: unknown, i): JobTarget => {
    const f = `${base}[${i}]`;
    const o = asObject(t, f);
    onlyKeys(o, ['cluster', 'nodes', 'selector'], f);
    if (typeof o.cluster !== 'string' || !o.cluster) throw badRequest('cluster is required', `${f}.cluster`);
    const hasNodes = o.nodes !== undefined && o.nodes !== null;
    const hasSelector = o.selector !== undefined && o.selector !== null;
    if (hasNodes === hasSelector) throw badRequest('give either nodes or selector', f);
    if (hasNodes) {
      if (!Array.isArray(o.nodes) || o.nodes.length === 0)
        throw badRequest('nodes must be a non-empty list of node names', `${f}.nodes`);
      if (o.nodes.length > MAX_JOB_NODES)
        throw badRequest(`at most ${MAX_JOB_NODES} nodes per job`, `${f}.nodes`);
      const nodes = o.nodes.map((n: unknown, j) => validateNodeName(n, `${f}.nodes[${j}]`));
      return { cluster: o.cluster, nodes: [...new Set(nodes)] };
    }
    if (typeof o.selector !== 'string' || o.selector.trim() === '') {
      throw badRequest(
        'selector must be a non-empty label selector (to target every node, say so, e.g. "kubernetes.io/hostname")',
        `${f}.selector`,
      );
    }
    parseLabelSelector(o.selector, `${f}.selector`);
    return { cluster: o.cluster, selector: o.selector.trim() };
  });
}

interface ActiveJob {
  job: Job;
  actor: Actor;
  parsed: ParsedParams;
  template?: TemplateContent;
  abort: AbortController;
  cancelled: boolean;
  /** Stopped because this process is shutting down: reported as interrupted, not cancelled. */
  stopping?: boolean;
  /**
   * Stopped because this process is shutting down and replicas share the store: left unfinished for another
   * replica to adopt at once (nodes in flight stay `running`, so the adopter applies them again).
   */
  handoff?: boolean;
  /** Another replica adopted it (this one stopped heartbeating for too long): nothing more is written. */
  lost?: boolean;
  publishTimer?: NodeJS.Timeout;
  lastPublish: number;
  done: Promise<void>;
}

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

/** What a job kind with its own executor gets from the runner for one run of one job. */
export interface KindRun {
  job: Job;
  actor: Actor;
  params: unknown;
  /** Aborts on cancel, shutdown, hand-over or loss of the job; `stopReason()` says which. */
  signal: AbortSignal;
  stopReason(): 'cancelled' | 'stopping' | 'handoff' | 'lost' | undefined;
  /** Records a node's job status (persisted, then published); false once the job is no longer this runner's. */
  setNode(seq: number, status: JobNodeStatus, message?: string): Promise<boolean>;
  /** Publishes the job's current state (throttled). */
  publish(): void;
  /** Nodes other running cordon/drain jobs will still take out (for the guard). */
  reserved(cluster: string): Promise<Set<string>>;
}

export interface JobKindExecutor {
  run(r: KindRun): Promise<void>;
  /**
   * Left for the next start instead of being declared interrupted when this process stops, even alone on the
   * store: a restarted server carries it on where it was.
   */
  resumable?: boolean;
}

/** One holder at a time, in arrival order: a promise chain. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const before = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await before;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/** A heartbeat every replica sees as stale: the job is free to adopt at the next sweep. */
const RELEASED_HEARTBEAT = '1970-01-01T00:00:00.000Z';
const NOT_STARTED = 'not started: the server stopped before this node was processed';
const IN_FLIGHT = 'in progress when the server stopped; the outcome is unknown — check the node';

export class JobRunner {
  private readonly store: JobStore;
  private readonly active = new Map<string, ActiveJob>();
  /**
   * Admission of cordon/drain work (the drain clash check, the guard, then the job's insert and registration,
   * or a single-node cordon's guard and its reservation) runs one at a time: checking and registering are
   * separated by awaits, and two admissions interleaved there would each spend the same headroom, or drain
   * one node twice. On PostgreSQL the section also holds an advisory lock so replicas take turns too.
   */
  private readonly admission = new Mutex();
  /** Nodes single-node cordons passed the guard for and have not finished writing (see admitSingle). */
  private readonly singles = new Set<{ cluster: string; names: readonly string[] }>();
  private readonly clock: Clock;
  readonly instanceId: string;
  private heartbeat?: NodeJS.Timeout;
  /** Set when this runner is abandoned (tests: a crash); nothing is written afterwards. */
  private dead = false;

  constructor(private readonly deps: JobRunnerDeps) {
    this.instanceId = deps.instanceId ?? randomUUID();
    // Replicas on PostgreSQL: every write of a job announces itself to the others (job-relay.ts).
    this.store = new JobStore(
      deps.db,
      deps.sharedStore && deps.dialect === 'postgres' ? this.instanceId : undefined,
    );
    this.clock = deps.clock ?? systemClock;
  }

  /**
   * Starts the heartbeat. Alone on the store (SQLite) it first marks the jobs of a previous run interrupted;
   * with replicas, abandoned jobs are adopted by whichever replica runs `sweep()` (the leader). Call once.
   */
  async start(): Promise<number> {
    const n = this.deps.sharedStore ? 0 : await this.recoverInterrupted();
    const every = this.deps.heartbeatMs ?? 5000;
    this.heartbeat = setInterval(() => void this.beat(), every);
    this.heartbeat.unref();
    return n;
  }

  /**
   * Nodes that running cordon/drain jobs will still take out of scheduling in a cluster (for the guard),
   * whichever process sharing the store runs them, and those of this process's single-node cordons between
   * their guard decision and their write.
   */
  async reserved(cluster: string): Promise<Set<string>> {
    return this.reservedIn(cluster, await this.liveNodes([cluster], TAKING_OUT));
  }

  private reservedIn(cluster: string, live: readonly ActiveJobNode[]): Set<string> {
    const out = new Set(live.filter((n) => n.cluster === cluster).map((n) => n.name));
    for (const s of this.singles) if (s.cluster === cluster) for (const n of s.names) out.add(n);
    return out;
  }

  /**
   * Runs `fn` as the admission section (see `admission`): alone in this process and, on PostgreSQL, alone
   * among the replicas, with `store` on the transaction holding their lock; then `then` (registration) once
   * that has committed. The in-process turn is taken first, so a process queues at most one connection on
   * the advisory lock.
   */
  private admit<T, U>(fn: (store: JobStore) => Promise<T>, then: (value: T) => U): Promise<U> {
    return this.admission.run(async () => {
      const value = await withJobSubmitLock(this.deps.db, this.deps.dialect ?? 'sqlite', (db) =>
        fn(db === this.deps.db ? this.store : new JobStore(db)),
      );
      // After the commit (a failed one leaves nothing registered), before the next admission's turn.
      return then(value);
    });
  }

  /**
   * The guard decision of a single-node cordon (NodeOperations.cordon), taken in the admission section so it
   * and a concurrent job submission or another single cordon cannot both count the same headroom. Its nodes
   * stay reserved for later decisions until `release()`, which the caller invokes once its write has landed
   * in the node source (or failed). The write itself stays outside: it waits on the API server. Across
   * replicas this covers a single cordon arriving while another replica admits a job (it waits and then sees
   * that job); the reverse order is not covered, since the reservation lives in this process only and the
   * other replica sees the node once its watch delivers the cordon.
   */
  async admitSingle(
    cluster: string,
    names: readonly string[],
    decide: (reserved: ReadonlySet<string>) => Promise<unknown>,
  ): Promise<() => void> {
    return this.admit(
      async (store) => {
        await decide(this.reservedIn(cluster, await this.liveNodes([cluster], TAKING_OUT, store)));
      },
      () => {
        const hold = { cluster, names: [...names] };
        this.singles.add(hold);
        return () => void this.singles.delete(hold);
      },
    );
  }

  /**
   * Nodes not yet finished by live jobs: this process's own from memory (fresher than the store, whose
   * writes trail them), other processes' from a shared store as long as their owner's heartbeat is fresh.
   * Without a shared store every job not run here is dead (recoverInterrupted), so memory is the whole answer.
   */
  private async liveNodes(
    clusters: string[],
    operations: readonly JobOperation[],
    store = this.store,
  ): Promise<ActiveJobNode[]> {
    const out: ActiveJobNode[] = [];
    for (const a of this.active.values()) {
      const { id, operation } = a.job;
      if (!operations.includes(operation)) continue;
      for (const n of a.job.nodes)
        if (clusters.includes(n.cluster) && holdsNode(operation, n.status))
          out.push({ jobId: id, operation, cluster: n.cluster, name: n.name });
    }
    if (!this.deps.sharedStore) return out;
    const others = await store.activeNodes({
      aliveSince: this.aliveSince(),
      clusters,
      operations,
      exceptOwner: this.instanceId,
    });
    for (const n of others) if (!this.active.has(n.jobId)) out.push(n);
    return out;
  }

  /** A job of another process whose heartbeat is not newer than this is taken as abandoned. */
  private aliveSince(now = this.clock.now()): string {
    return nowIso(new Date(now.getTime() - (this.deps.staleAfterMs ?? 30_000)));
  }

  private async beat(): Promise<void> {
    if (this.dead) return;
    try {
      const ids = [...this.active.keys()];
      const { cancel, lost } = await this.store.heartbeat(ids, nowIso(this.clock.now()), this.instanceId);
      for (const id of cancel) this.abortJob(id);
      for (const id of lost) this.loseJob(id);
    } catch (e) {
      this.deps.log?.warn({ err: (e as Error).message }, 'job heartbeat failed');
    }
  }

  /** Another replica owns this job now: stop it here without writing or publishing anything more. */
  private loseJob(id: string): void {
    const a = this.active.get(id);
    if (!a) return;
    a.lost = true;
    a.abort.abort();
    clearTimeout(a.publishTimer);
    this.active.delete(id);
    this.deps.log?.warn({ job: id }, 'job taken over by another replica (this one missed its heartbeats)');
  }

  /**
   * Deals with jobs whose owner is gone: adopts and finishes them when replicas share the store, otherwise
   * marks them interrupted. Returns how many. On a shared store one replica at a time should call this (the
   * leader's background work); claims are conditional, so two at once still cannot both take a job.
   */
  async sweep(): Promise<number> {
    if (this.dead) return 0;
    return this.deps.sharedStore ? this.adoptAbandoned() : this.recoverInterrupted();
  }

  private async adoptAbandoned(): Promise<number> {
    const now = this.clock.now();
    const stale = this.aliveSince(now);
    let n = 0;
    for (const j of await this.store.unfinished()) {
      if (j.owner === this.instanceId || j.heartbeatAt > stale || this.active.has(j.id)) continue;
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
    const at = nowIso(now);
    const claimed = await this.store.claim(j.id, j.owner, this.instanceId, stale, {
      at,
      type: 'adopted',
      by: this.instanceId,
      from: j.owner,
      message: `adopted by ${this.instanceId}: its owner ${j.owner} last heartbeated at ${j.heartbeatAt}`,
    });
    if (!claimed || this.dead) return false;
    let plan: ResumePlan;
    try {
      plan = resumePlan(claimed.row);
    } catch (e) {
      this.deps.log?.error({ job: j.id, err: (e as Error).message }, 'adopted job cannot be resumed');
      await this.interrupt(j, now, this.instanceId);
      return true;
    }
    const job: Job = {
      ...this.store.summaryOf(claimed.row),
      ...countNodes(claimed.nodes),
      nodes: claimed.nodes,
    };
    for (const n of job.nodes)
      if (n.status === 'running') {
        n.status = 'pending';
        n.message = `in progress on ${j.owner} when it stopped; applied again`;
      }
    const left = job.nodes.filter((n) => n.status === 'pending');
    const a: ActiveJob = {
      job,
      actor: plan.actor,
      parsed: plan.parsed,
      template: plan.template,
      abort: abortController(),
      cancelled: false,
      lastPublish: 0,
      done: Promise.resolve(),
    };
    this.active.set(job.id, a);
    jobsRunning.inc();
    jobsAdopted.inc({ operation: job.operation });
    const clusters = [...new Set(job.nodes.map((n) => n.cluster))];
    await this.safeAudit({
      user: job.createdBy,
      ip: j.clientIp ?? undefined,
      requestId: j.requestId ?? undefined,
      action: 'job.adopt',
      cluster: clusters.length === 1 ? clusters[0] : undefined,
      nodes: left.map((n) => n.name).slice(0, 1000),
      params: { job: job.id, operation: job.operation, from: j.owner, by: this.instanceId },
      outcome: 'success',
      message: `job ${job.id} adopted by ${this.instanceId} from ${j.owner}: ${left.length} of ${job.total} nodes left`,
    });
    this.deps.log?.info(
      { job: job.id, from: j.owner, left: left.length, total: job.total },
      'adopted a job whose replica stopped',
    );
    a.done = this.execute(a, { ip: j.clientIp ?? undefined, requestId: j.requestId ?? undefined }).catch(
      (e: unknown) => {
        this.deps.log?.error({ job: job.id, err: (e as Error).message }, 'job runner failed');
      },
    );
    return true;
  }

  /**
   * Declares jobs whose process is gone interrupted: nodes that finished keep their result, nodes never
   * started and nodes in flight become `interrupted` with a message saying which. Returns how many.
   */
  async recoverInterrupted(): Promise<number> {
    const now = this.clock.now();
    const stale = this.aliveSince(now);
    let n = 0;
    for (const j of await this.store.unfinished()) {
      if (j.owner === this.instanceId) continue;
      if (this.deps.sharedStore && j.heartbeatAt > stale) continue;
      // A resumable kind (a maintenance plan) carries on from its stored state; its owner is gone.
      if (this.resumable(j.operation) && !this.deps.sharedStore) {
        if (!this.active.has(j.id) && (await this.adopt(j, nowIso(now), now))) n++;
        continue;
      }
      if (await this.interrupt(j, now, j.owner)) n++;
    }
    return n;
  }

  private resumable(operation: string): boolean {
    return this.deps.executors?.[operation as JobOperation]?.resumable === true;
  }

  private kindRun(a: ActiveJob): KindRun {
    const { job } = a;
    return {
      job,
      actor: a.actor,
      params: a.parsed.params,
      signal: a.abort.signal,
      stopReason: () =>
        this.dead || a.lost
          ? 'lost'
          : a.handoff
            ? 'handoff'
            : a.stopping
              ? 'stopping'
              : a.cancelled
                ? 'cancelled'
                : undefined,
      setNode: async (seq, status, message) => {
        if (this.dead || a.lost) return false;
        const n = job.nodes[seq]!;
        n.status = status;
        if (message) n.message = message;
        else delete n.message;
        const owned = await this.store.updateNode(
          job.id,
          seq,
          status,
          message,
          nowIso(this.clock.now()),
          this.instanceId,
        );
        if (!owned) {
          this.loseJob(job.id);
          return false;
        }
        this.publish(a);
        return true;
      },
      publish: () => this.publish(a),
      reserved: (cluster) => this.reserved(cluster),
    };
  }

  private async interrupt(j: UnfinishedJob, now: Date, owner: string): Promise<boolean> {
    const ok = await this.store.markInterrupted(
      j.id,
      owner,
      nowIso(now),
      { notStarted: NOT_STARTED, inProgress: IN_FLIGHT },
      (done, total) =>
        `interrupted: the server stopped while this job ran; ${done} of ${total} nodes had finished`,
    );
    if (!ok) return false;
    const job = await this.store.get(j.id);
    jobsFinished.inc({ operation: j.operation, status: 'interrupted' });
    if (job) {
      this.deps.publisher?.publishJob(stripJob(job));
      await this.auditFinish(job, {
        user: j.createdBy,
        ip: j.clientIp ?? undefined,
        requestId: j.requestId ?? undefined,
      });
    }
    this.deps.log?.warn({ job: j.id }, 'job marked interrupted (its server stopped while it ran)');
    return true;
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
      await this.safeAudit({
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
        throw forbidden(`you have no access to cluster "${t.cluster}"`);
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

    // Resolve targets to nodes (names must exist; selectors must match something).
    const nodes: JobNode[] = [];
    const seen = new Set<string>();
    for (const [i, t] of req.targets.entries()) {
      let names: string[];
      if (t.nodes) {
        const missing: string[] = [];
        for (const n of t.nodes) if (!(await ops.nodes.getNode(t.cluster, n))) missing.push(n);
        if (missing.length) {
          throw new ApiError(
            404,
            'NotFound',
            `node(s) not found in cluster "${t.cluster}": ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ` and ${missing.length - 20} more` : ''}`,
            `targets[${i}].nodes`,
          );
        }
        names = t.nodes;
      } else {
        names = await ops.nodes.resolveSelector(t.cluster, t.selector!);
        if (names.length === 0)
          throw badRequest(
            `selector "${t.selector}" matches no node in cluster "${t.cluster}"`,
            `targets[${i}].selector`,
          );
      }
      for (const name of names) {
        const k = `${t.cluster}/${name}`;
        if (seen.has(k)) continue;
        seen.add(k);
        nodes.push({ cluster: t.cluster, name, status: 'pending' });
      }
    }
    if (nodes.length > MAX_JOB_NODES)
      throw badRequest(
        `the targets resolve to ${nodes.length} nodes; at most ${MAX_JOB_NODES} per job`,
        'targets',
      );

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
      const a: ActiveJob = {
        job,
        actor,
        parsed: req.parsed,
        template,
        abort: abortController(),
        cancelled: false,
        lastPublish: 0,
        done: Promise.resolve(),
      };
      this.active.set(job.id, a);
      jobsRunning.inc();
      return a;
    };

    let a!: ActiveJob;
    try {
      if (req.operation === 'cordon' || req.operation === 'drain') {
        const operation = req.operation;
        const byCluster = new Map<string, string[]>();
        for (const n of nodes) byCluster.set(n.cluster, [...(byCluster.get(n.cluster) ?? []), n.name]);
        a = await this.admit(async (store) => {
          const live = await this.liveNodes([...byCluster.keys()], TAKING_OUT, store);
          const clash = clashOf(operation, live, seen);
          if (clash) throw conflict(clash.message, { job: clash.jobId });
          for (const [cluster, names] of byCluster)
            await ops.guard(actor, cluster, names, req.override, operation, this.reservedIn(cluster, live));
          return insert(store);
        }, register);
      } else {
        a = register(await insert(this.store));
      }
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
    a.done = this.execute(a, { ip: ctx.ip, requestId: ctx.requestId }).catch((e: unknown) => {
      this.deps.log?.error({ job: job.id, err: (e as Error).message }, 'job runner failed');
    });
    return accepted;
  }

  private async execute(a: ActiveJob, ctx: { ip?: string; requestId?: string }): Promise<void> {
    const { job } = a;
    const me = this.instanceId;
    try {
      if (job.status !== 'running') {
        job.status = 'running';
        job.startedAt = nowIso(this.clock.now());
        await this.persist(a, () =>
          this.store.updateJob(job.id, { status: 'running', startedAt: job.startedAt }, me),
        );
      }
      this.publish(a);
      const own = this.deps.executors?.[job.operation];
      let next = own ? job.nodes.length : 0;
      if (own) await own.run(this.kindRun(a));
      const worker = async () => {
        while (!a.abort.signal.aborted && !this.dead && !a.lost) {
          const seq = next++;
          if (seq >= job.nodes.length) return;
          // An adopted job keeps the results its first owner recorded.
          if (job.nodes[seq]!.status !== 'pending') continue;
          await this.runNode(a, seq);
        }
      };
      await Promise.all(Array.from({ length: Math.min(job.concurrency, job.nodes.length) }, worker));
      if (this.dead || a.lost) return;
      if (a.handoff) {
        await this.release(a);
        return;
      }
      const at = nowIso(this.clock.now());
      const leftover: JobNodeStatus = a.stopping ? 'interrupted' : 'cancelled';
      const why = a.stopping ? NOT_STARTED : 'not started: the job was cancelled';
      let left = 0;
      for (const n of job.nodes) {
        if (n.status !== 'pending') continue;
        n.status = leftover;
        n.message = why;
        left++;
      }
      if (left) await this.persist(a, () => this.store.updatePending(job.id, leftover, why, at, me));
      job.status = a.stopping ? 'interrupted' : finalStatus(job.nodes, a.cancelled);
      job.finishedAt = at;
      if (a.cancelled) job.message = job.message ?? 'cancelled';
      await this.persist(a, () =>
        this.store.updateJob(job.id, { status: job.status, finishedAt: at, message: job.message }, me),
      );
      jobsFinished.inc({ operation: job.operation, status: job.status });
      await this.auditFinish(job, { user: job.createdBy, ...ctx });
    } finally {
      if (!this.dead && !a.lost) {
        this.active.delete(job.id);
        clearTimeout(a.publishTimer);
        this.deps.publisher?.publishJob(snapshot(job));
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
      owned = await this.store.updateNode(
        job.id,
        seq,
        'running',
        undefined,
        nowIso(this.clock.now()),
        this.instanceId,
      );
    });
    if (!owned) {
      this.loseJob(job.id);
      return;
    }
    this.publish(a);
    let status: JobNodeStatus;
    let message: string | undefined;
    try {
      ({ status, message } = await this.perform(a, n));
    } catch (e) {
      if (e instanceof DrainError && e.kind === 'cancelled' && a.handoff) {
        // Left `running` for the replica that adopts the job: it drains this node again.
        return;
      } else if (e instanceof DrainError && e.kind === 'cancelled') {
        status = a.stopping ? 'interrupted' : 'cancelled';
        message = a.stopping ? `${e.message} (the server was shutting down)` : e.message;
      } else if (e instanceof ApiError && e.status === 404) {
        status = 'skipped';
        message = `${e.message} (it no longer exists)`;
      } else {
        status = 'failed';
        message = (e as Error).message;
      }
    }
    if (this.dead || a.lost) return;
    n.status = status;
    if (message) n.message = message;
    else delete n.message;
    await this.persist(a, () =>
      this.store.updateNode(job.id, seq, status, message, nowIso(this.clock.now()), this.instanceId),
    );
    this.publish(a);
  }

  private async perform(a: ActiveJob, n: JobNode): Promise<{ status: JobNodeStatus; message?: string }> {
    const { ops } = this.deps;
    const { actor, parsed } = a;
    const w = (r: { changed: boolean }) => ({ status: (r.changed ? 'ok' : 'unchanged') as JobNodeStatus });
    // Quick writes are not interrupted mid-request (their outcome would be unknown); cancel stops new ones.
    switch (parsed.operation) {
      case 'cordon':
        return w(await ops.cordon(actor, n.cluster, n.name, parsed.params, { skipGuard: true }));
      case 'uncordon':
        return w(await ops.uncordon(actor, n.cluster, n.name));
      case 'labels':
        return w(await ops.labels(actor, n.cluster, n.name, parsed.params));
      case 'taints':
        return w(await ops.taints(actor, n.cluster, n.name, parsed.params));
      case 'template':
        return w(await ops.template(actor, n.cluster, n.name, a.template ?? {}));
      case 'maintenance':
        throw new Error('a maintenance plan runs through its own executor');
      case 'drain': {
        const r = await ops.drain(actor, n.cluster, n.name, parsed.params, {
          signal: a.abort.signal,
          onProgress: (p) => {
            n.message = drainProgressText(p);
            this.publish(a);
          },
        });
        return { status: 'ok', message: r.message };
      }
    }
  }

  /** Store writes of a job; skipped once this runner is abandoned or the job was taken over. */
  private async persist(a: ActiveJob, fn: () => Promise<unknown>): Promise<void> {
    if (this.dead || a.lost) return;
    await fn();
  }

  /**
   * Leaves a job for another replica (graceful shutdown with a shared store): still running, with a heartbeat
   * old enough that the next sweep adopts it at once. Nothing is audited as finished here; the adopter does that.
   */
  private async release(a: ActiveJob): Promise<void> {
    await this.persist(a, () =>
      this.store.updateJob(a.job.id, { heartbeatAt: RELEASED_HEARTBEAT }, this.instanceId),
    );
    this.deps.log?.info({ job: a.job.id }, 'job left for another replica (this one is shutting down)');
  }

  private publish(a: ActiveJob): void {
    const pub = this.deps.publisher;
    if (!pub || this.dead) return;
    const interval = this.deps.publishIntervalMs ?? 200;
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
          if (!this.dead && this.active.has(a.job.id)) pub.publishJob(snapshot(a.job));
        },
        interval - (now - a.lastPublish),
      );
      a.publishTimer.unref();
    }
  }

  private abortJob(id: string): boolean {
    const a = this.active.get(id);
    if (!a) return false;
    a.cancelled = true;
    a.abort.abort();
    return true;
  }

  /** Cancels a job: nodes not started become `cancelled`; a running drain stops (its node stays cordoned). */
  async cancel(actor: Actor, id: string, ctx: RequestContext = {}): Promise<Job> {
    const job = await this.get(actor, id);
    const audit = (outcome: 'success' | 'failure', status: number, message: string) =>
      this.safeAudit({
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
      throw conflict(`job ${id} already finished (${job.status})`);
    }
    const a = this.active.get(id);
    if (a) a.job.message = `cancelled by ${actor.username}`;
    await this.store.requestCancel(id);
    // Not ours: the owning process sees the request at its next heartbeat.
    this.abortJob(id);
    await audit('success', 202, `cancel requested for job ${id}`);
    return a ? snapshot(a.job) : job;
  }

  /** A job as the user may see it: 404 when it does not exist or touches a cluster hidden from them. */
  async get(actor: Pick<Actor, 'clusters'>, id: string): Promise<Job> {
    const a = this.active.get(id);
    if (a) {
      if (!a.job.nodes.every((n) => actor.clusters === null || actor.clusters.includes(n.cluster)))
        throw notFound(`job "${id}" not found`);
      return snapshot(a.job);
    }
    const job = await this.store.get(id);
    if (!job || !(actor.clusters === null || job.clusters.every((c) => actor.clusters!.includes(c)))) {
      throw notFound(`job "${id}" not found`);
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
    return this.active.has(id);
  }

  /** Resolves when a job started by this runner has finished (tests, shutdown). */
  async waitFor(id: string): Promise<void> {
    await this.active.get(id)?.done;
  }

  /**
   * Graceful stop: stops running jobs and waits for them. Alone on the store, they are recorded as interrupted
   * with what was done; with replicas, they are left for another replica to adopt and finish (a rolling update
   * does not end a batch).
   */
  async shutdown(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const a of this.active.values()) {
      if (this.deps.sharedStore || this.resumable(a.job.operation)) {
        a.handoff = true;
        a.abort.abort();
      } else {
        a.job.message = 'interrupted: the server was shutting down';
        a.stopping = true;
        this.abortJob(a.job.id);
      }
    }
    await Promise.all([...this.active.values()].map((a) => a.done));
  }

  /**
   * Stops without writing anything more, as if the process had died (tests of recovery). In-flight
   * requests are aborted; their results are discarded.
   */
  abandon(): void {
    this.dead = true;
    clearInterval(this.heartbeat);
    for (const a of this.active.values()) {
      clearTimeout(a.publishTimer);
      a.abort.abort();
    }
    this.active.clear();
  }

  private async auditFinish(job: Job, who: { user: string; ip?: string; requestId?: string }): Promise<void> {
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
    await this.safeAudit({
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

  private async safeAudit(entry: Parameters<AuditSink['record']>[0]): Promise<void> {
    if (!this.deps.audit || this.dead) return;
    try {
      await this.deps.audit.record(entry);
    } catch (e) {
      this.deps.log?.error({ err: (e as Error).message, action: entry.action }, 'audit record failed');
    }
  }
}

/** Errors whose audit entry is already written (their intent was completed with them), or cannot be. */
const auditedRefusals = new WeakSet<object>();

/** A drain listens on the job's signal once per pod and request (110+ at once is normal). */
function abortController(): AbortController {
  const c = new AbortController();
  setMaxListeners(10_000, c.signal);
  return c;
}

function snapshot(job: Job): Job {
  const { counts, done } = countNodes(job.nodes);
  return {
    ...job,
    counts,
    done,
    nodes: job.nodes.map((n) => ({ ...n })),
    ...(job.maintenance ? { maintenance: structuredClone(job.maintenance) } : {}),
  };
}

function stripJob(job: Job & { clusters?: string[] }): Job {
  const { clusters: _c, ...rest } = job;
  return rest;
}
