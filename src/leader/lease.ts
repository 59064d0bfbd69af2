/**
 * Leader election through a lease row in PostgreSQL: one replica at a time holds a named lease and runs the
 * background work (background.ts). The holder renews every `renewMs`; the row expires `leaseMs` after the
 * database received the last renewal, and any other replica may then take it (its next attempt, at most
 * `renewMs` later). So after the holder dies, another replica holds the lease within leaseMs + renewMs; after
 * a graceful stop (the row is deleted), within renewMs.
 *
 * Expiry is computed and compared by the database's clock, so replicas' clocks need not agree. The holder
 * stops its work on its own once `leaseMs` has passed since it sent its last successful renewal (a hung or
 * lost database connection), which is never later than the row can expire: two replicas never both believe
 * they lead. On SQLite one process owns the store and is always the leader.
 */
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../log/logger.js';
import { leaderState, leaderTransitions } from '../metrics/registry.js';
import type { Dialect } from '../store/migrate.js';
import type { Database } from '../store/schema.js';

export const DEFAULT_LEASE_MS = 15_000;

export interface LeaseOptions {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Which lease (one per kind of work; today only "background"). */
  name: string;
  /** This replica's id. */
  holder: string;
  leaseMs?: number;
  /** Default leaseMs / 3: two renewals may fail before the lease is lost. */
  renewMs?: number;
  log?: Logger;
}

const NOW_MS = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

export class LeaderLease {
  readonly leaseMs: number;
  readonly renewMs: number;
  private leader = false;
  private validUntil = 0;
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;
  private stopped = true;
  private readonly listeners: ((leader: boolean) => void)[] = [];

  constructor(private readonly o: LeaseOptions) {
    this.leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
    this.renewMs = o.renewMs ?? Math.max(1, Math.floor(this.leaseMs / 3));
    if (this.renewMs >= this.leaseMs) throw new Error('the lease must last longer than its renew interval');
  }

  get isLeader(): boolean {
    return this.leader;
  }

  /** The longest a dead holder keeps others waiting: expiry plus one attempt interval. */
  get takeoverBoundMs(): number {
    return this.leaseMs + this.renewMs;
  }

  onChange(fn: (leader: boolean) => void): void {
    this.listeners.push(fn);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    if (this.o.dialect !== 'postgres') {
      this.set(true);
      return;
    }
    this.tick();
    this.timer = setInterval(() => this.tick(), this.renewMs);
    this.timer.unref();
  }

  /** Stops trying; a held lease is released so another replica takes over at its next attempt. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    const wasLeader = this.leader;
    this.set(false);
    if (this.o.dialect !== 'postgres') return;
    await this.inFlight;
    if (!wasLeader) return;
    try {
      await sql`delete from leases where name = ${this.o.name} and holder = ${this.o.holder}`.execute(
        this.o.db,
      );
    } catch (e) {
      this.o.log?.warn(
        { lease: this.o.name, err: (e as Error).message },
        'could not release the leader lease',
      );
    }
  }

  private tick(): void {
    if (this.inFlight) {
      // A renewal is hanging: stop leading before the row can expire under us.
      if (this.leader && Date.now() >= this.validUntil) this.lose('renewal did not answer in time');
      return;
    }
    this.inFlight = this.attempt().finally(() => (this.inFlight = undefined));
  }

  /** One acquire-or-renew round (exposed for tests). */
  async attempt(): Promise<void> {
    const sentAt = Date.now();
    try {
      const { rows } = await sql<{ holder: string }>`
        insert into leases (name, holder, expires_ms, acquired_ms)
        values (${this.o.name}, ${this.o.holder}, ${NOW_MS} + ${this.leaseMs}, ${NOW_MS})
        on conflict (name) do update set
          holder = excluded.holder,
          expires_ms = excluded.expires_ms,
          acquired_ms = case when leases.holder = excluded.holder then leases.acquired_ms else excluded.acquired_ms end
        where leases.holder = excluded.holder or leases.expires_ms < excluded.acquired_ms
        returning holder`.execute(this.o.db);
      if (this.stopped) return;
      if (rows.length === 1) {
        this.validUntil = sentAt + this.leaseMs;
        if (Date.now() < this.validUntil) this.set(true);
      } else if (this.leader) this.lose('another replica holds the lease');
    } catch (e) {
      this.o.log?.warn({ lease: this.o.name, err: (e as Error).message }, 'leader lease renewal failed');
      if (this.leader && Date.now() >= this.validUntil - this.renewMs) this.lose('renewals failed');
    }
  }

  private lose(why: string): void {
    this.o.log?.warn({ lease: this.o.name, holder: this.o.holder, why }, 'leader: lease lost');
    this.set(false);
  }

  private set(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    leaderState.set({ lease: this.o.name }, leader ? 1 : 0);
    leaderTransitions.inc({ lease: this.o.name, event: leader ? 'acquired' : 'lost' });
    if (leader)
      this.o.log?.info(
        { lease: this.o.name, holder: this.o.holder, leaseMs: this.leaseMs, renewMs: this.renewMs },
        'leader: lease acquired; this replica runs the background work',
      );
    for (const fn of this.listeners) fn(leader);
  }
}
