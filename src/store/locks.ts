/**
 * Locks shared by every process using one store. On PostgreSQL (several replicas) they are transaction-scoped
 * advisory locks: held until the transaction ends, released by the server if the holder's connection dies.
 * On SQLite one process owns the file, so its own in-memory serialisation is the whole answer and these run
 * `fn` as is.
 */
import { sql, type Kysely } from 'kysely';
import { isLockTimeout } from './errors.js';
import type { Dialect } from './migrate.js';
import type { Database } from './schema.js';

/** "knm-job-submit"; the migration lock (migrate.ts) is 0x6b6e6d01, so the two never wait on each other. */
const JOB_SUBMIT_LOCK_KEY = 0x6b6e6d02;

/**
 * How long an admission waits for another replica's. The section holds no node writes, so it normally lasts
 * milliseconds; a holder stuck far longer (a hung connection) must not hang every request behind it.
 */
export const JOB_SUBMIT_LOCK_WAIT_MS = 10_000;

export class LockBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockBusyError';
  }
}

/**
 * Runs `fn` holding the lock that admissions of cordon/drain work take across replicas. On PostgreSQL `fn`
 * gets the transaction that holds the lock and must run its queries on it: what it inserts commits in the
 * same instant the lock is released, so the next holder reads it. A throw rolls everything back. On SQLite
 * `fn` gets `db` itself (a transaction there would hold the single connection every other query needs).
 */
export async function withJobSubmitLock<T>(
  db: Kysely<Database>,
  dialect: Dialect,
  fn: (db: Kysely<Database>) => Promise<T>,
  waitMs = JOB_SUBMIT_LOCK_WAIT_MS,
): Promise<T> {
  if (dialect !== 'postgres') return fn(db);
  return db.transaction().execute(async (trx) => {
    await sql.raw(`set local lock_timeout = ${Math.max(1, Math.round(waitMs))}`).execute(trx);
    try {
      await sql`select pg_advisory_xact_lock(${JOB_SUBMIT_LOCK_KEY})`.execute(trx);
    } catch (e) {
      if (isLockTimeout(e))
        throw new LockBusyError(
          `another server is still admitting cordon/drain work after ${waitMs / 1000} s; nothing was started, try again`,
        );
      throw e;
    }
    return fn(trx);
  });
}
