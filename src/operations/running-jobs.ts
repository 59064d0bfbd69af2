/**
 * The jobs this process runs right now, in memory: each with its abort controller, why it was stopped and
 * its publication throttle. Memory is fresher than the store (whose writes trail it), so admission, the
 * heartbeat and the API read running jobs from here first.
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from '../log/logger.js';
import type { ParsedParams } from './job-params.js';
import { countNodes, type Job } from './job-types.js';
import type { Actor } from './actor.js';
import type { TemplateContent } from './intent.js';

export interface ActiveJob {
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

/** A job about to run here, not yet registered. */
export function activeJob(
  job: Job,
  actor: Actor,
  parsed: ParsedParams,
  template?: TemplateContent,
): ActiveJob {
  return {
    job,
    actor,
    parsed,
    template,
    abort: abortController(),
    cancelled: false,
    lastPublish: 0,
    done: Promise.resolve(),
  };
}

export class RunningJobs {
  private readonly byId = new Map<string, ActiveJob>();
  /** Set when this runner is abandoned (tests: a crash); nothing is written afterwards. */
  dead = false;

  constructor(private readonly log?: Logger) {}

  get(id: string): ActiveJob | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  all(): ActiveJob[] {
    return [...this.byId.values()];
  }

  add(a: ActiveJob): void {
    this.byId.set(a.job.id, a);
  }

  delete(id: string): void {
    this.byId.delete(id);
  }

  clear(): void {
    this.byId.clear();
  }

  /** Whether this process may still write and publish for the job (not abandoned, not taken over). */
  owns(a: ActiveJob): boolean {
    return !this.dead && !a.lost;
  }

  /** Cancels a job run here: its signal aborts and it ends as cancelled. */
  cancel(id: string): boolean {
    const a = this.byId.get(id);
    if (!a) return false;
    a.cancelled = true;
    a.abort.abort();
    return true;
  }

  /** Another replica owns this job now: stop it here without writing or publishing anything more. */
  lose(id: string): void {
    const a = this.byId.get(id);
    if (!a) return;
    a.lost = true;
    a.abort.abort();
    clearTimeout(a.publishTimer);
    this.byId.delete(id);
    this.log?.warn({ job: id }, 'job taken over by another replica (this one missed its heartbeats)');
  }
}

/** A drain listens on the job's signal once per pod and request (110+ at once is normal). */
function abortController(): AbortController {
  const c = new AbortController();
  setMaxListeners(10_000, c.signal);
  return c;
}

/** A copy of a job as the API and the realtime feed show it, with its counts. */
export function snapshot(job: Job): Job {
  const { counts, done } = countNodes(job.nodes);
  return {
    ...job,
    counts,
    done,
    nodes: job.nodes.map((n) => ({ ...n })),
    ...(job.maintenance ? { maintenance: structuredClone(job.maintenance) } : {}),
  };
}

/** A stored job without the store's own bookkeeping. */
export function stripJob(job: Job & { clusters?: string[] }): Job {
  const { clusters: _c, ...rest } = job;
  return rest;
}
