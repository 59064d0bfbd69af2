/**
 * Login throttling per username and per client address, with exponential lockout: after `maxFailures` failed
 * attempts the key is locked for `baseLockMs`, doubling with every further lock up to `maxLockMs`. Counters
 * live in the store, so a restart does not hand an attacker a fresh budget, and replicas share them.
 * Unknown usernames are throttled exactly like real ones, so the answers never reveal whether a user exists.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

export interface ThrottleOptions {
  maxFailuresPerUser: number;
  /** Higher than per user: several people may share one address (NAT, proxy). */
  maxFailuresPerIp: number;
  baseLockMs: number;
  maxLockMs: number;
  /** A key with no failure for this long (and not locked) starts again from zero. */
  forgetAfterMs: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = {
  maxFailuresPerUser: 5,
  maxFailuresPerIp: 20,
  baseLockMs: 30_000,
  maxLockMs: 15 * 60_000,
  forgetAfterMs: 60 * 60_000,
};

export type ThrottleScope = 'user' | 'ip';

export interface LockState {
  scope: ThrottleScope;
  retryAfterSeconds: number;
}

const userKey = (username: string) => `user:${username.trim().toLowerCase().slice(0, 200)}`;
const ipKey = (ip: string) => `ip:${ip}`;

export class LoginThrottle {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
    readonly opts: ThrottleOptions = DEFAULT_THROTTLE,
  ) {}

  /** The longest lock currently covering this username or address, if any. */
  async locked(username: string, ip: string): Promise<LockState | null> {
    const keys = [userKey(username), ipKey(ip)];
    const rows = await this.db
      .selectFrom('login_throttle')
      .select(['key', 'locked_until'])
      .where('key', 'in', keys)
      .execute();
    const now = this.now();
    let worst: LockState | null = null;
    for (const r of rows) {
      if (!r.locked_until) continue;
      const left = Date.parse(r.locked_until) - now;
      if (left <= 0) continue;
      const s = Math.ceil(left / 1000);
      if (!worst || s > worst.retryAfterSeconds) {
        worst = { scope: r.key.startsWith('ip:') ? 'ip' : 'user', retryAfterSeconds: s };
      }
    }
    return worst;
  }

  /** Counts a failed attempt; returns the locks this failure just started. */
  async fail(username: string, ip: string): Promise<LockState[]> {
    const started: LockState[] = [];
    for (const [scope, key, max] of [
      ['user', userKey(username), this.opts.maxFailuresPerUser],
      ['ip', ipKey(ip), this.opts.maxFailuresPerIp],
    ] as const) {
      const lockMs = await this.failKey(key, max);
      if (lockMs !== null) started.push({ scope, retryAfterSeconds: Math.ceil(lockMs / 1000) });
    }
    return started;
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
