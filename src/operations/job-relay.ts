/**
 * Job progress across replicas (PostgreSQL). A job runs on one replica, but WebSocket clients are spread over
 * all of them. The runner's writes announce themselves with NOTIFY in the same statement (JobStore
 * `announceAs`), and every progress publication passes through here to this replica's hub and is announced
 * too (payload: the job id and the sender, never the job — payloads are capped at 8 kB and the table is the
 * truth). Every other replica LISTENs on a dedicated connection, reads the job from the store and passes it to
 * its own hub. An announcement is delivered only once the write it follows has committed, so a reader always
 * sees at least the announced state; reads of one job are coalesced (one in flight, one more queued, at most
 * one every `minReadIntervalMs`), which keeps a busy job to a few reads a second per replica.
 *
 * On a lost connection the relay reconnects with back-off and, once listening again, republishes every
 * unfinished job and those finished while it was away, read from the store: nothing missed stays missed.
 * SQLite has one process and needs no relay.
 */
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../log/logger.js';
import type { Database } from '../store/schema.js';
import { nowIso } from '../store/values.js';
import { JOB_CHANNEL, JobStore } from './job-store.js';
import type { Job } from './job-types.js';
import type { JobPublisher } from './ports.js';

export { JOB_CHANNEL };

export interface JobRelayOptions {
  db: Kysely<Database>;
  /** Where the listening connection goes (the store's own URL). */
  databaseUrl: string;
  /** This replica's id: its own announcements are not read back. */
  instanceId: string;
  /** This replica's hub. */
  local: JobPublisher;
  log?: Logger;
  /** First reconnect delay; doubles up to 30 s. */
  reconnectMs?: number;
  /** Shortest interval between two reads of one job (default 100 ms). */
  minReadIntervalMs?: number;
  /** Jobs this replica runs itself: its hub already has them first-hand (a store read could be older). */
  isLocal?: (jobId: string) => boolean;
}

interface Announcement {
  j: string;
  o: string;
}

function parseAnnouncement(payload: string | undefined): Announcement | undefined {
  try {
    const v: unknown = JSON.parse(payload ?? '');
    if (v && typeof v === 'object' && typeof (v as Announcement).j === 'string')
      return { j: (v as Announcement).j, o: String((v as Announcement).o) };
  } catch {
    /* not ours */
  }
  return undefined;
}

export class JobRelay implements JobPublisher {
  private readonly store: JobStore;
  private client?: pg.Client;
  private closed = false;
  private retry?: NodeJS.Timeout;
  private delay: number;
  /** When the last connection was lost: jobs finished since then are republished on reconnect. */
  private lostAt?: string;
  private readonly reading = new Map<string, { again: boolean }>();
  private notifyFailures = 0;

  constructor(private readonly o: JobRelayOptions) {
    this.store = new JobStore(o.db);
    this.delay = o.reconnectMs ?? 500;
  }

  /** Local hub first (no delay for clients here), then the other replicas. */
  publishJob(job: Job): void {
    this.o.local.publishJob(job);
    if (this.closed) return;
    const payload = JSON.stringify({ j: job.id, o: this.o.instanceId } satisfies Announcement);
    sql`select pg_notify(${JOB_CHANNEL}, ${payload})`.execute(this.o.db).then(
      () => (this.notifyFailures = 0),
      (e: Error) => {
        // Said once per outage: the store is down and the runner's own writes report it too.
        if (this.notifyFailures++ === 0)
          this.o.log?.warn({ err: e.message }, 'job progress relay: NOTIFY failed');
      },
    );
  }

  /** Resolves once listening (or after the first failed attempt, which keeps retrying in the background). */
  async start(): Promise<void> {
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const c = new pg.Client({ connectionString: this.o.databaseUrl, keepAlive: true });
    let failed = false;
    const fail = (why: string) => {
      if (failed || this.closed) return;
      failed = true;
      if (this.client === c) this.client = undefined;
      this.lostAt ??= nowIso();
      c.end().catch(() => undefined);
      this.o.log?.warn(
        { err: why, retryMs: this.delay },
        'job progress relay: connection lost; reconnecting',
      );
      this.retry = setTimeout(() => void this.connect(), this.delay);
      this.retry.unref();
      this.delay = Math.min(this.delay * 2, 30_000);
    };
    c.on('error', (e) => fail(e.message));
    c.on('end', () => fail('connection ended'));
    c.on('notification', (m) => {
      if (m.channel !== JOB_CHANNEL) return;
      const a = parseAnnouncement(m.payload);
      if (a && a.o !== this.o.instanceId && !this.o.isLocal?.(a.j)) this.read(a.j);
    });
    try {
      await c.connect();
      await c.query(`listen ${JOB_CHANNEL}`);
    } catch (e) {
      fail((e as Error).message);
      return;
    }
    if (this.closed) {
      await c.end().catch(() => undefined);
      return;
    }
    this.client = c;
    this.delay = this.o.reconnectMs ?? 500;
    if (this.lostAt !== undefined) {
      const since = this.lostAt;
      this.lostAt = undefined;
      await this.resync(since);
    }
  }

  /** After a reconnect: the table is the truth for whatever was announced while nobody listened here. */
  private async resync(since: string): Promise<void> {
    try {
      const ids = await this.o.db
        .selectFrom('jobs')
        .select('id')
        .where((eb) => eb.or([eb('status', 'in', ['pending', 'running']), eb('finished_at', '>=', since)]))
        .execute();
      for (const { id } of ids) this.read(id);
      this.o.log?.info(
        { jobs: ids.length },
        'job progress relay: listening again; republished current state',
      );
    } catch (e) {
      this.o.log?.warn({ err: (e as Error).message }, 'job progress relay: resync failed');
    }
  }

  private read(id: string): void {
    const r = this.reading.get(id);
    if (r) {
      r.again = true;
      return;
    }
    const state = { again: false };
    this.reading.set(id, state);
    void (async () => {
      try {
        const every = this.o.minReadIntervalMs ?? 100;
        for (;;) {
          state.again = false;
          const started = Date.now();
          const job = await this.store.get(id);
          if (job && !this.closed && !this.o.isLocal?.(id)) {
            const { clusters: _c, ...rest } = job;
            this.o.local.publishJob(rest);
          }
          if (!state.again || this.closed) break;
          const wait = every - (Date.now() - started);
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
      } catch (e) {
        this.o.log?.warn({ job: id, err: (e as Error).message }, 'job progress relay: read failed');
      } finally {
        this.reading.delete(id);
      }
    })();
  }
}
