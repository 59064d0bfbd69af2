/**
 * The lease this process holds on its jobs: a heartbeat on every job it runs, which also carries cancel
 * requests made through other replicas and tells it which jobs another replica has adopted; the staleness
 * rule by which a job's owner counts as gone; and the release of a job for another replica at shutdown.
 */
import type { Logger } from '../log/logger.js';
import { nowIso } from '../store/values.js';
import type { JobStore } from './job-store.js';
import type { Clock } from '../clock.js';
import type { ActiveJob, RunningJobs } from './running-jobs.js';

/** A heartbeat every replica sees as stale: the job is free to adopt at the next sweep. */
const RELEASED_HEARTBEAT = '1970-01-01T00:00:00.000Z';

export interface JobLeaseDeps {
  store: JobStore;
  clock: Clock;
  instanceId: string;
  jobs: RunningJobs;
  log?: Logger;
  /** How often this process proves it is alive for its jobs (default 5 s). */
  heartbeatMs?: number;
  /** A job whose owner has not heartbeated for this long is abandoned (default 30 s). */
  staleAfterMs?: number;
}

export class JobLease {
  private timer?: NodeJS.Timeout;

  constructor(private readonly d: JobLeaseDeps) {}

  start(): void {
    this.timer = setInterval(() => void this.beat(), this.d.heartbeatMs ?? 5000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** A job of another process whose heartbeat is not newer than this is taken as abandoned. */
  aliveSince(now = this.d.clock.now()): string {
    return nowIso(now - (this.d.staleAfterMs ?? 30_000));
  }

  private async beat(): Promise<void> {
    const { jobs } = this.d;
    if (jobs.dead) return;
    try {
      const { cancel, lost } = await this.d.store.heartbeat(
        jobs.ids(),
        nowIso(this.d.clock.now()),
        this.d.instanceId,
      );
      for (const id of cancel) jobs.cancel(id);
      for (const id of lost) jobs.lose(id);
    } catch (e) {
      this.d.log?.warn({ err: (e as Error).message }, 'job heartbeat failed');
    }
  }

  /**
   * Leaves a job for another replica (graceful shutdown with a shared store): still running, with a heartbeat
   * old enough that the next sweep adopts it at once. Nothing is audited as finished here; the adopter does that.
   */
  async release(a: ActiveJob): Promise<void> {
    if (this.d.jobs.owns(a))
      await this.d.store.updateJob(a.job.id, { heartbeatAt: RELEASED_HEARTBEAT }, this.d.instanceId);
    this.d.log?.info({ job: a.job.id }, 'job left for another replica (this one is shutting down)');
  }
}
