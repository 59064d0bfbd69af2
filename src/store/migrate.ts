/**
 * Versioned schema migrations. Each migration runs once, in version order, inside its own transaction, and is
 * recorded in `schema_migrations`. On PostgreSQL every migration transaction first takes a transaction-scoped
 * advisory lock, so replicas starting at the same moment apply each version exactly once (the second waits,
 * then sees the version recorded and skips it). On SQLite the transaction is `BEGIN IMMEDIATE`, which takes
 * the write lock up front so a second process waits (busy_timeout) instead of failing on lock upgrade.
 */
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../log/logger.js';
import type { Database } from './schema.js';
import { nowIso } from './values.js';

export type Dialect = 'sqlite' | 'postgres';

/**
 * Migrations are written against an untyped database on purpose: they describe the schema at their own
 * point in history, not the row types of today.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type MigrationDb = Kysely<any>;

export interface Migration {
  version: number;
  name: string;
  up(db: MigrationDb, dialect: Dialect): Promise<void>;
}

/** Arbitrary but fixed: "knm-migrations" as a 32-bit number. */
const ADVISORY_LOCK_KEY = 0x6b6e6d01;

/** Runs `fn` in a transaction that holds the migration lock for its whole duration. */
async function lockedTransaction<T>(
  db: MigrationDb,
  dialect: Dialect,
  fn: (trx: MigrationDb) => Promise<T>,
): Promise<T> {
  if (dialect === 'postgres') {
    return db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${ADVISORY_LOCK_KEY})`.execute(trx);
      return fn(trx);
    });
  }
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const out = await fn(conn);
      await sql`commit`.execute(conn);
      return out;
    } catch (e) {
      await sql`rollback`.execute(conn);
      throw e;
    }
  });
}

export function checkMigrationList(migrations: readonly Migration[]): void {
  const seen = new Set<number>();
  let prev = 0;
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version <= 0) throw new Error(`migration "${m.name}": bad version`);
    if (seen.has(m.version)) throw new Error(`migration version ${m.version} is listed twice`);
    if (m.version < prev)
      throw new Error(`migration ${m.version} is listed after ${prev}; keep the list in order`);
    seen.add(m.version);
    prev = m.version;
  }
}

/** Applies pending migrations; returns the versions applied by this call. */
export async function runMigrations(
  kdb: Kysely<Database>,
  dialect: Dialect,
  migrations: readonly Migration[],
  log?: Logger,
): Promise<number[]> {
  checkMigrationList(migrations);
  const db = kdb as MigrationDb;
  await lockedTransaction(db, dialect, async (trx) => {
    await trx.schema
      .createTable('schema_migrations')
      .ifNotExists()
      .addColumn('version', 'integer', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('applied_at', 'text', (c) => c.notNull())
      .execute();
  });

  const applied: number[] = [];
  for (const m of migrations) {
    const did = await lockedTransaction(db, dialect, async (trx) => {
      const row = await trx
        .selectFrom('schema_migrations')
        .select('version')
        .where('version', '=', m.version)
        .executeTakeFirst();
      if (row) return false;
      try {
        await m.up(trx, dialect);
      } catch (e) {
        throw new Error(`migration ${m.version} (${m.name}) failed: ${(e as Error).message}`, { cause: e });
      }
      await trx
        .insertInto('schema_migrations')
        .values({ version: m.version, name: m.name, applied_at: nowIso() })
        .execute();
      return true;
    });
    if (did) {
      applied.push(m.version);
      log?.info({ version: m.version, migration: m.name }, 'database migration applied');
    }
  }

  const known = new Set(migrations.map((m) => m.version));
  const rows = await db.selectFrom('schema_migrations').select(['version', 'name']).execute();
  const unknown = (rows as { version: number; name: string }[]).filter((r) => !known.has(Number(r.version)));
  if (unknown.length) {
    // A newer release migrated this database; running on is usually fine (migrations only add), but say so.
    log?.warn(
      { versions: unknown.map((r) => r.version) },
      'the database has migrations this release does not know (a newer release used it)',
    );
  }
  return applied;
}
