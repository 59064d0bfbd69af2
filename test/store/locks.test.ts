import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/index.js';
import { LockBusyError, withJobSubmitLock } from '../../src/store/locks.js';
import { reportSkippedDialects, testDialects, type TestDatabase } from './databases.js';

reportSkippedDialects();

describe('job admission lock on SQLite', () => {
  const dbs: TestDatabase[] = [];
  const stores: Store[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const d of dbs.splice(0)) await d.drop();
  });

  // One process owns a SQLite file: its in-process serialisation is the whole answer, so the section runs at
  // once on the store's own connection, however short the wait allowed.
  it('runs the section at once on the store itself and passes its result and errors through', async () => {
    const sqlite = testDialects().find((d) => d.name === 'sqlite')!;
    const d = await sqlite.create();
    dbs.push(d);
    const s = await openStore(d.cfg);
    stores.push(s);

    let seen: unknown;
    await expect(
      withJobSubmitLock(
        s.db,
        'sqlite',
        async (db) => {
          seen = db;
          return (await sql<{ one: number }>`select 1 as one`.execute(db)).rows[0]?.one;
        },
        1,
      ),
    ).resolves.toBe(1);
    expect(seen).toBe(s.db);
    await expect(
      withJobSubmitLock(s.db, 'sqlite', () => Promise.reject(new Error('refused by the guard')), 1),
    ).rejects.toThrow('refused by the guard');
  });
});

describe.each(testDialects().filter((d) => d.name === 'postgres'))(
  'job admission lock on $name',
  (dialect) => {
    const dbs: TestDatabase[] = [];
    const stores: Store[] = [];
    afterEach(async () => {
      for (const s of stores.splice(0)) await s.close();
      for (const d of dbs.splice(0)) await d.drop();
    });

    it('gives up with a clear error, changing nothing, while another server holds it too long', async () => {
      const d = await dialect.create();
      dbs.push(d);
      const a = await openStore(d.cfg);
      const b = await openStore(d.cfg);
      stores.push(a, b);

      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      const holder = withJobSubmitLock(a.db, 'postgres', async () => {
        entered();
        await held;
      });
      await inside;

      let ran = false;
      const err = await withJobSubmitLock(
        b.db,
        'postgres',
        async (trx) => {
          ran = true;
          await sql`select 1`.execute(trx);
        },
        200,
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LockBusyError);
      expect((err as Error).message).toMatch(/nothing was started, try again/);
      expect(ran).toBe(false);

      release();
      await holder;
      // Once released, the next admission gets the lock at once.
      await expect(withJobSubmitLock(b.db, 'postgres', async () => 'admitted', 200)).resolves.toBe(
        'admitted',
      );
    });
  },
);
