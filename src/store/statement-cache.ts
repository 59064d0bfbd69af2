/**
 * Prepared SQLite statements, kept and reused by their SQL text. Kysely's SQLite driver prepares every query
 * afresh; with a bearer token resolved on every API request, preparing was 4% of the request thread's time
 * under the fleet benchmark's query mix (`npm run bench:fleet`). Kysely builds the same text for the same query
 * shape (values are parameters), so a few hundred entries hold every query the product makes.
 */
import type SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqlite } from 'kysely';

export const STATEMENT_CACHE_SIZE = 256;

export function cachingStatements(db: SqliteDatabase.Database, size = STATEMENT_CACHE_SIZE): KyselySqlite {
  const kept = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => {
      kept.clear();
      db.close();
    },
    prepare(sql: string) {
      const hit = kept.get(sql);
      // A statement still being iterated (a streamed read) cannot run again until it is done.
      if (hit && !hit.busy) {
        // Most recently used last, so the oldest is the one dropped.
        kept.delete(sql);
        kept.set(sql, hit);
        return hit;
      }
      const stmt = db.prepare(sql);
      if (!hit) {
        kept.set(sql, stmt);
        if (kept.size > size) kept.delete(kept.keys().next().value!);
      }
      return stmt;
    },
  };
}
