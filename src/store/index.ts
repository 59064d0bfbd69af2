/**
 * The store: one Kysely query layer over SQLite (default, a file in the data directory, WAL mode) or
 * PostgreSQL (`KNM_DATABASE_URL=postgres://…`, needed for several replicas). Owns connections, dialect choice
 * and migrations; it holds no business rules and must not import services or the HTTP layer.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import SqliteDatabase from 'better-sqlite3';
import { cachingStatements } from './statement-cache.js';
import pg from 'pg';
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { Database } from './schema.js';
import { runMigrations, type Dialect, type Migration } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';
import { inTransaction } from './transaction.js';

export type { Database } from './schema.js';
export type { Dialect, Migration } from './migrate.js';
export { inTransaction, storeErrorCode } from './transaction.js';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Human-readable location without credentials (a file path or host:port/db). */
  location: string;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  /**
   * Resolves when the database can take a write that needs new space (a scratch row of a few pages, inserted,
   * deleted and committed); rejects with the database's own error otherwise (disk full, read-only, …).
   */
  probeWrite(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  log?: Logger;
  /** Defaults to the product's migrations; tests may pass their own list. */
  migrations?: readonly Migration[];
}

export class StoreError extends Error {
  override name = 'StoreError';
}

/** `postgres://user:secret@host:5432/db` → `postgres://host:5432/db`; never log the password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}${u.port ? ':' + u.port : ''}${u.pathname}`;
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

const INT8_OID = 20;
/**
 * PostgreSQL returns int8 (e.g. count(*)) as strings; SQLite returns numbers. Parse to number so services
 * see one type (values here never approach 2^53). Per pool, not global, so other pg users are unaffected.
 */
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export async function openStore(
  cfg: Pick<Config, 'dataDir' | 'databaseUrl'>,
  opts: OpenStoreOptions = {},
): Promise<Store> {
  const url = cfg.databaseUrl;
  let store: Store;
  if (/^postgres(ql)?:\/\//.test(url)) {
    const location = describeDatabaseUrl(url);
    const pool = new pg.Pool({
      connectionString: url,
      max: 10,
      types: pgTypes,
      connectionTimeoutMillis: 10_000,
    });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', (e) => opts.log?.warn({ err: e.message }, 'PostgreSQL connection error'));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    store = makeStore(db, 'postgres', location);
    try {
      await store.ping();
    } catch (e) {
      await db.destroy().catch(() => undefined);
      throw new StoreError(`cannot connect to PostgreSQL at ${location}: ${(e as Error).message}`);
    }
  } else {
    let file: string;
    if (url === '') {
      fs.mkdirSync(cfg.dataDir, { recursive: true });
      file = path.join(cfg.dataDir, 'knm.sqlite');
    } else {
      const p = url.slice('sqlite:'.length);
      file = p === ':memory:' ? ':memory:' : path.resolve(p);
      if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    }
    let sqlite: SqliteDatabase.Database;
    try {
      sqlite = new SqliteDatabase(file);
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('busy_timeout = 5000');
      sqlite.pragma('foreign_keys = ON');
      sqlite.pragma('synchronous = NORMAL');
    } catch (e) {
      throw new StoreError(`cannot open SQLite database ${file}: ${(e as Error).message}`);
    }
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: cachingStatements(sqlite) }),
    });
    store = makeStore(db, 'sqlite', file);
  }
  try {
    await runMigrations(store.db, store.dialect, opts.migrations ?? MIGRATIONS, opts.log);
  } catch (e) {
    await store.close().catch(() => undefined);
    throw new StoreError(`database migration failed (${store.location}): ${(e as Error).message}`);
  }
  return store;
}

/** Larger than two 4 KiB pages, so the probe cannot fit in the free bytes of a page already in use. */
const PROBE_PAYLOAD = 'x'.repeat(9000);

function makeStore(db: Kysely<Database>, dialect: Dialect, location: string): Store {
  let closed = false;
  return {
    db,
    dialect,
    location,
    async ping() {
      if (closed) throw new StoreError('store is closed');
      await sql`select 1`.execute(db);
    },
    async probeWrite() {
      if (closed) throw new StoreError('store is closed');
      const id = randomUUID();
      await inTransaction(db, async (trx) => {
        await trx.insertInto('store_probe').values({ id, payload: PROBE_PAYLOAD }).execute();
        await trx.deleteFrom('store_probe').where('id', '=', id).execute();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
