/**
 * Transactions that keep the database's own error. Kysely's `transaction()` answers a failed COMMIT with a
 * ROLLBACK; SQLite has already rolled back after SQLITE_FULL or SQLITE_IOERR, so that ROLLBACK fails with
 * "cannot rollback - no transaction is active" and replaces the error that said why (the disk is full).
 * Here the first error is the one thrown; a failed ROLLBACK is attached to it, never put in its place.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

export async function inTransaction<T>(
  db: Kysely<Database>,
  fn: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`begin`.execute(conn);
    let result: T;
    try {
      result = await fn(conn);
      await sql`commit`.execute(conn);
    } catch (e) {
      try {
        await sql`rollback`.execute(conn);
      } catch (rollbackError) {
        // "no transaction is active": the database rolled back by itself, as SQLite does after SQLITE_FULL.
        const selfRolledBack = /no transaction is active/i.test((rollbackError as Error).message);
        if (!selfRolledBack && e !== null && typeof e === 'object')
          (e as { rollbackError?: unknown }).rollbackError = rollbackError;
      }
      throw e;
    }
    return result;
  });
}

/** `SQLITE_FULL`, `53100` (PostgreSQL disk_full), … — the driver's code when it gave one. */
export function storeErrorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : undefined;
}
