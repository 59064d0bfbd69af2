// Intents on both databases: an intent is stored pending, completed once with its result (results naming
// nodes it did not list become targets), never changed again; and the store's write probe works on each.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { testDialects, type TestDatabase } from '../store/databases.js';

describe.each(testDialects())('on $name', (dialect) => {
  let database: TestDatabase;
  let store: Store;
  let audit: AuditLog;

  beforeEach(async () => {
    database = await dialect.create();
    store = await openStore(database.cfg);
    audit = new AuditLog(store.db);
  });
  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  it('an intent is pending until completed, completed once, and its results become targets', async () => {
    const id = await audit.begin({
      user: 'otto',
      action: 'job.create',
      cluster: 'prod',
      nodes: ['n1'],
      params: { operation: 'labels', params: { set: { team: 'a' } } },
    });
    expect((await audit.list({ outcome: 'pending' })).items.map((e) => e.id)).toEqual([id]);
    await audit.complete(id, {
      outcome: 'partial',
      status: 202,
      message: 'done',
      results: [
        { cluster: 'prod', name: 'n1', outcome: 'ok' },
        { cluster: 'prod', name: 'n2', outcome: 'failed', message: 'gone' },
      ],
    });
    const [entry] = (await audit.list({ node: 'n2' })).items;
    expect(entry).toMatchObject({
      id,
      outcome: 'partial',
      status: 202,
      params: { operation: 'labels', params: { set: { team: 'a' } } },
      results: [{ name: 'n1' }, { name: 'n2', message: 'gone' }],
    });
    await expect(audit.complete(id, { outcome: 'success' })).rejects.toThrow(/not pending/);
    expect((await audit.list({ outcome: 'pending' })).items).toEqual([]);
  });

  it('the write probe commits nothing it leaves behind', async () => {
    await store.probeWrite();
    await store.probeWrite();
    expect(await store.db.selectFrom('store_probe').selectAll().execute()).toEqual([]);
  });
});
