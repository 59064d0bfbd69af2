/**
 * Login throttling. An account (username) is locked after `maxFailuresPerUser` failed attempts for
 * `baseLockMs`, doubling with every further lock up to `maxLockMs`. An address is never locked — behind a
 * reverse proxy or NAT every user shares one, and an attacker's failures must not lock the admin out — its
 * attempts are slowed instead: after `freeFailuresPerIp` failures each attempt from it waits `baseDelayMs`,
 * doubling per further failure, at most `maxDelayMs`. Counters live in the store, so a restart does not hand an
 * attacker a fresh budget, and replicas share them. Unknown usernames are throttled exactly like real ones, so
 * the answers never reveal whether a user exists.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

export interface ThrottleOptions {
  maxFailuresPerUser: number;
  baseLockMs: number;
  maxLockMs: number;
  /** Failures from one address before its attempts are delayed. */
  freeFailuresPerIp: number;
  baseDelayMs: number;
  /** The delay's bound: a correct password behind a busy address waits at most this long. */
  maxDelayMs: number;
  /** A key with no failure for this long (and not locked) starts again from zero. */
  forgetAfterMs: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = {
  maxFailuresPerUser: 5,
  baseLockMs: 30_000,
  maxLockMs: 15 * 60_000,
  freeFailuresPerIp: 5,
  baseDelayMs: 250,
  maxDelayMs: 5_000,
  forgetAfterMs: 60 * 60_000,
};

export interface LockState {
  retryAfterSeconds: number;
}

const userKey = (username: string) => `user:${username.trim().toLowerCase().slice(0, 200)}`;
const ipKey = (ip: string) => `ip:${ip}`;

/** The wait before an attempt from an address with this many recent failures. */
export function addressDelay(failures: number, o: ThrottleOptions): number {
  const over = failures - o.freeFailuresPerIp;
  if (over <= 0) return 0;
  return Math.min(o.baseDelayMs * 2 ** Math.min(over - 1, 30), o.maxDelayMs);
}

export class LoginThrottle {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
    readonly opts: ThrottleOptions = DEFAULT_THROTTLE,
  ) {}

  /** The account's current lock, if any. */
  async locked(username: string): Promise<LockState | null> {
    const row = await this.db
      .selectFrom('login_throttle')
      .select(['locked_until'])
      .where('key', '=', userKey(username))
      .executeTakeFirst();
    if (!row?.locked_until) return null;
    const left = Date.parse(row.locked_until) - this.now();
    return left > 0 ? { retryAfterSeconds: Math.ceil(left / 1000) } : null;
  }

  /** How long an attempt from this address waits before its password is checked (ms). */
  async delayFor(ip: string): Promise<number> {
    const row = await this.db
      .selectFrom('login_throttle')
      .select(['failures', 'updated_at'])
      .where('key', '=', ipKey(ip))
      .executeTakeFirst();
    if (!row || Date.parse(row.updated_at) < this.now() - this.opts.forgetAfterMs) return 0;
    return addressDelay(Number(row.failures), this.opts);
  }

  /** Counts a failed attempt for the account and the address; returns the account lock this failure started. */
  async fail(username: string, ip: string): Promise<LockState | null> {
    const lockMs = await this.failKey(userKey(username), this.opts.maxFailuresPerUser);
    await this.failKey(ipKey(ip), Infinity);
    return lockMs === null ? null : { retryAfterSeconds: Math.ceil(lockMs / 1000) };
  }

  private async failKey(key: string, max: number): Promise<number | null> {
    const now = this.now();
    const nowIso = new Date(now).toISOString();
    const staleIso = new Date(now - this.opts.forgetAfterMs).toISOString();
    return this.db.transaction().execute(async (trx) => {
      // A key quiet for long enough, and not locked, starts again from nothing.
      await trx
        .deleteFrom('login_throttle')
        .where('key', '=', key)
        .where('updated_at', '<', staleIso)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', nowIso)]))
        .execute();
      // Atomic increment: concurrent failures are all counted.
      await trx
        .insertInto('login_throttle')
        .values({ key, failures: 1, locks: 0, locked_until: null, updated_at: nowIso })
        .onConflict((oc) =>
          oc
            .column('key')
            .doUpdateSet({ failures: sql<number>`login_throttle.failures + 1`, updated_at: nowIso }),
        )
        .execute();
      const row = await trx
        .selectFrom('login_throttle')
        .select(['failures', 'locks'])
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
      if (Number(row.failures) < max) return null;
      const locks = Number(row.locks) + 1;
      const lockMs = Math.min(this.opts.baseLockMs * 2 ** (locks - 1), this.opts.maxLockMs);
      await trx
        .updateTable('login_throttle')
        .set({ failures: 0, locks, locked_until: new Date(now + lockMs).toISOString(), updated_at: nowIso })
        .where('key', '=', key)
        .execute();
      return lockMs;
    });
  }

  /**
   * A successful login clears the username's record. The address keeps its count: one valid account must not
   * let an attacker reset the budget for guessing others from the same address.
   */
  async succeed(username: string): Promise<void> {
    await this.db.deleteFrom('login_throttle').where('key', '=', userKey(username)).execute();
  }

  /** Removes records that neither lock nor count any more. */
  async purgeStale(): Promise<number> {
    const now = this.now();
    const r = await this.db
      .deleteFrom('login_throttle')
      .where('updated_at', '<', new Date(now - this.opts.forgetAfterMs).toISOString())
      .where((eb) =>
        eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', new Date(now).toISOString())]),
      )
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
