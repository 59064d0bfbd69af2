import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cachingStatements } from '../../src/store/statement-cache.js';

interface Db {
  t: { id: number; name: string };
}

describe('prepared statement cache (SQLite)', () => {
  let raw: SqliteDatabase.Database;
  afterEach(() => raw?.open && raw.close());

  function open(size?: number) {
    raw = new SqliteDatabase(':memory:');
    raw.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)');
    const prepare = vi.spyOn(raw, 'prepare');
    const db = new Kysely<Db>({ dialect: new SqliteDialect({ database: cachingStatements(raw, size) }) });
    return { db, prepare };
  }

  it('prepares a query shape once and answers each call with its own values', async () => {
    const { db, prepare } = open();
    for (let i = 1; i <= 5; i++)
      await db
        .insertInto('t')
        .values({ id: i, name: `n${i}` })
        .execute();
    const names = [];
    for (let i = 1; i <= 5; i++) {
      const row = await db.selectFrom('t').select('name').where('id', '=', i).executeTakeFirst();
      names.push(row?.name);
    }
    expect(names).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    // One insert shape and one select shape.
    expect(prepare).toHaveBeenCalledTimes(2);
  });

  it('does not hand out a statement that is still being iterated', () => {
    open();
    raw.exec("INSERT INTO t VALUES (1, 'a'), (2, 'b')");
    const statements = cachingStatements(raw);
    const sql = 'SELECT name FROM t ORDER BY id';
    const first = statements.prepare(sql);
    const rows = first.iterate([]);
    rows.next();
    const during = statements.prepare(sql);
    expect(during).not.toBe(first);
    rows.return?.();
    expect(statements.prepare(sql)).toBe(first);
    expect(first.all([])).toEqual([{ name: 'a' }, { name: 'b' }]);
  });

  it('keeps at most its size, dropping the least recently used', async () => {
    const { db, prepare } = open(2);
    const byId = () => db.selectFrom('t').selectAll().where('id', '=', 1).execute();
    const byName = () => db.selectFrom('t').selectAll().where('name', '=', 'x').execute();
    const all = () => db.selectFrom('t').selectAll().execute();
    await byId();
    await byName();
    await byId(); // byName is now the oldest
    await all(); // drops byName
    expect(prepare).toHaveBeenCalledTimes(3);
    await byId();
    expect(prepare).toHaveBeenCalledTimes(3);
    await byName();
    expect(prepare).toHaveBeenCalledTimes(4);
  });
});
