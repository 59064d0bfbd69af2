import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openStore, type Migration, type Store } from '../../src/store/index.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { isUniqueViolation } from '../../src/store/errors.js';
import { nowIso } from '../../src/store/values.js';
import { reportSkippedDialects, testDialects, type TestDatabase } from './databases.js';

reportSkippedDialects();

describe.each(testDialects())('store on $name', (dialect) => {
  const dbs: TestDatabase[] = [];
  const stores: Store[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const d of dbs.splice(0)) await d.drop();
  });
  async function fresh(): Promise<TestDatabase> {
    const d = await dialect.create();
    dbs.push(d);
    return d;
  }
  async function open(d: TestDatabase, migrations?: readonly Migration[]): Promise<Store> {
    const s = await openStore(d.cfg, { migrations });
    stores.push(s);
    return s;
  }

  it('opens the right dialect, migrates once and answers ping', async () => {
    const d = await fresh();
    const s = await open(d);
    expect(s.dialect).toBe(dialect.name);
    await s.ping();
    const versions = await s.db
      .selectFrom('schema_migrations')
      .select('version')
      .orderBy('version')
      .execute();
    expect(versions.map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version));
    await s.close();
    stores.pop();
    // Reopening applies nothing again (a second run of migration 1 would fail: the table exists).
    const again = await open(d);
    const count = await again.db
      .selectFrom('schema_migrations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(count.n).toBe(MIGRATIONS.length);
    expect(typeof count.n).toBe('number');
  });

  it('stores and reads a cluster row with the documented value conventions', async () => {
    const s = await open(await fresh());
    const row = {
      name: 'prod-eu',
      source: 'kubeconfig',
      server: 'https://10.0.0.1:6443',
      context: 'prod',
      credentials_enc: 'v1.xxx',
      created_at: nowIso(new Date('2025-01-02T03:04:05.678Z')),
      created_by: 'alice',
      options: JSON.stringify({ podIndex: true }),
    };
    await s.db.insertInto('clusters').values(row).execute();
    expect(await s.db.selectFrom('clusters').selectAll().executeTakeFirst()).toEqual(row);
    const dup = await s.db
      .insertInto('clusters')
      .values(row)
      .execute()
      .catch((e: unknown) => e);
    expect(isUniqueViolation(dup)).toBe(true);
  });

  it('applies migrations in order and rolls a failing one back completely', async () => {
    const d = await fresh();
    const extra: Migration[] = [
      ...MIGRATIONS,
      {
        version: 90,
        name: 'widgets',
        async up(db) {
          await db.schema
            .createTable('widgets')
            .addColumn('id', 'text', (c) => c.primaryKey())
            .execute();
        },
      },
      {
        version: 91,
        name: 'broken',
        async up(db) {
          await db.schema.createTable('half_done').addColumn('id', 'text').execute();
          await sql`select * from no_such_table`.execute(db);
        },
      },
    ];
    await expect(open(d, extra)).rejects.toThrow(/migration 91 \(broken\) failed/);
    const s = await open(d);
    const versions = await s.db
      .selectFrom('schema_migrations')
      .select('version')
      .orderBy('version')
      .execute();
    expect(versions.map((v) => v.version)).toEqual([...MIGRATIONS.map((m) => m.version), 90]);
    // 90 committed, 91's table did not survive its rollback.
    await sql`select count(*) from widgets`.execute(s.db);
    await expect(sql`select count(*) from half_done`.execute(s.db)).rejects.toThrow();
  });

  it('adds the token cluster list to a database of an earlier release, keeping its tokens unnarrowed', async () => {
    const d = await fresh();
    const before = MIGRATIONS.filter((m) => m.version < 5);
    const old = await open(d, before);
    const at = nowIso(new Date('2025-01-02T03:04:05.678Z'));
    await old.db
      .insertInto('users')
      .values({
        id: 'u1',
        username: 'oskar',
        password_hash: 'x',
        role: 'operator',
        clusters: null,
        can_override_guard: 0,
        can_override_system_labels: 0,
        created_at: at,
        updated_at: at,
      })
      .execute();
    const token = { id: 't1', user_id: 'u1', name: 'ci', role: 'viewer' as const, created_at: at };
    await old.db
      .insertInto('api_tokens')
      .values({ ...token, secret_hash: 'h1', expires_at: null, last_used_at: null })
      .execute();
    await old.close();
    stores.pop();

    const s = await open(d);
    const applied = await s.db.selectFrom('schema_migrations').select('version').execute();
    expect(applied.map((v) => v.version)).toContain(5);
    expect(
      await s.db.selectFrom('api_tokens').selectAll().where('id', '=', 't1').executeTakeFirst(),
    ).toMatchObject({ ...token, clusters: null });
    await s.db
      .insertInto('api_tokens')
      .values({ ...token, id: 't2', secret_hash: 'h2', clusters: '["staging"]' })
      .execute();
    const narrowed = await s.db
      .selectFrom('api_tokens')
      .select('clusters')
      .where('id', '=', 't2')
      .executeTakeFirst();
    expect(narrowed?.clusters).toBe('["staging"]');
  });

  it('refuses a migration list with duplicate or unordered versions', async () => {
    const d = await fresh();
    const m = (version: number): Migration => ({ version, name: `m${version}`, up: async () => undefined });
    // Versions past the product's own, so only the order of the extra ones is wrong.
    const next = MIGRATIONS.at(-1)!.version + 1;
    await expect(open(d, [...MIGRATIONS, m(next), m(next)])).rejects.toThrow(/listed twice/);
    await expect(open(d, [...MIGRATIONS, m(next + 1), m(next)])).rejects.toThrow(/keep the list in order/);
  });

  if (dialect.name === 'postgres') {
    it('applies each migration exactly once when replicas start at the same moment', async () => {
      const d = await fresh();
      let runs = 0;
      const slow: Migration = {
        version: 95,
        name: 'slow',
        async up(db) {
          runs++;
          // Would fail on a second run: no IF NOT EXISTS.
          await db.schema.createTable('once_only').addColumn('id', 'text').execute();
          await sql`select pg_sleep(0.2)`.execute(db);
        },
      };
      const list = [...MIGRATIONS, slow];
      const opened = await Promise.all([open(d, list), open(d, list), open(d, list)]);
      expect(runs).toBe(1);
      const rows = await opened[0]!.db.selectFrom('schema_migrations').selectAll().execute();
      expect(rows.map((r) => r.version).sort((a, b) => a - b)).toEqual([
        ...MIGRATIONS.map((x) => x.version),
        95,
      ]);
    });

    it('names the server but not the password when PostgreSQL is unreachable', async () => {
      const err = await openStore({
        dataDir: '/tmp',
        databaseUrl: 'postgres://u:hunter2@127.0.0.1:1/db',
      }).catch((e: Error) => e);
      expect(String(err)).toMatch(/cannot connect to PostgreSQL at postgres:\/\/127\.0\.0\.1:1\/db/);
      expect(String(err)).not.toContain('hunter2');
    });
  }

  if (dialect.name === 'sqlite') {
    it('keeps the default database file in the data directory, in WAL mode', async () => {
      const d = await fresh();
      const s = await open(d);
      expect(s.location).toBe(`${d.cfg.dataDir}/knm.sqlite`);
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(s.db);
      expect(mode.rows[0]?.journal_mode).toBe('wal');
    });
  }
});
