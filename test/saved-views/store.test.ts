// Saved views in the store, on SQLite and PostgreSQL: per-user names, the per-user bound, values kept exactly,
// and a user's views leave with the user.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SavedViewStore } from '../../src/saved-views/store.js';
import { SAVED_VIEW_LIMITS } from '../../src/saved-views/types.js';
import {
  ADMIN_PASSWORD,
  asSession,
  createUser,
  dialects,
  signIn,
  startTestApp,
  type Session,
  type TestApp,
} from '../auth/harness.js';
import { reportSkippedDialects } from '../store/databases.js';

reportSkippedDialects();

describe.each(dialects)('saved view store on $name', (dialect) => {
  let t: TestApp;
  let views: SavedViewStore;
  let alice: string;
  let bob: string;
  let admin: Session;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
    admin = await signIn(t.app, 'admin', ADMIN_PASSWORD);
    alice = (await createUser(t, admin, 'alice', 'viewer')).id;
    bob = (await createUser(t, admin, 'bob', 'operator')).id;
    views = new SavedViewStore(t.store.db);
  });
  afterEach(async () => {
    await t.close();
  });

  it('keeps query values and columns exactly, lists by name and replaces in place', async () => {
    const query = {
      search: 'web-* "quoted" 名前',
      status: 'NotReady,Unknown',
      sort: '-age',
      cluster: 'prod',
    };
    const b = await views.create(alice, { name: 'b: not ready', query, columns: ['status', 'name', 'cpu'] });
    await views.create(alice, { name: 'a: cordoned', query: { schedulable: 'false' } });
    const listed = await views.list(alice);
    expect(listed.map((v) => v.name)).toEqual(['a: cordoned', 'b: not ready']);
    expect(listed[1]).toEqual(b);
    expect(listed[1]!.query).toEqual(query);
    expect(listed[0]!.columns).toBeNull();

    const renamed = await views.replace(alice, b.id, { ...b, name: 'c: renamed', columns: null });
    expect(renamed).toMatchObject({
      id: b.id,
      name: 'c: renamed',
      query,
      columns: null,
      createdAt: b.createdAt,
    });
    expect((await views.list(alice)).map((v) => v.name)).toEqual(['a: cordoned', 'c: renamed']);
  });

  it('a name is unique within one user only, and nobody reaches another user’s view by id', async () => {
    const mine = await views.create(alice, { name: 'prod', query: { cluster: 'prod' } });
    await expect(views.create(alice, { name: 'prod', query: {} })).rejects.toMatchObject({
      status: 409,
      code: 'Conflict',
    });
    const other = await views.create(alice, { name: 'other', query: {} });
    await expect(views.replace(alice, other.id, { name: 'prod', query: {} })).rejects.toMatchObject({
      status: 409,
    });
    await views.create(bob, { name: 'prod', query: { cluster: 'dev' } });

    await expect(views.replace(bob, mine.id, { name: 'taken over', query: {} })).rejects.toMatchObject({
      status: 404,
    });
    await expect(views.remove(bob, mine.id)).rejects.toMatchObject({ status: 404 });
    expect((await views.list(alice)).map((v) => [v.name, v.query])).toEqual([
      ['other', {}],
      ['prod', { cluster: 'prod' }],
    ]);
    expect((await views.list(bob)).map((v) => v.query)).toEqual([{ cluster: 'dev' }]);
  });

  it(`keeps at most ${SAVED_VIEW_LIMITS.viewsPerUser} views a user, and deleting one makes room`, async () => {
    const made = [];
    for (let i = 0; i < SAVED_VIEW_LIMITS.viewsPerUser; i++)
      made.push(await views.create(alice, { name: `v${i}`, query: {} }));
    await expect(views.create(alice, { name: 'one more', query: {} })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('delete one first'),
    });
    // Another user's bound is their own.
    await views.create(bob, { name: 'one more', query: {} });
    await views.remove(alice, made[0]!.id);
    await views.create(alice, { name: 'one more', query: {} });
    expect(await views.list(alice)).toHaveLength(SAVED_VIEW_LIMITS.viewsPerUser);
  });

  it('saves racing for the last free place: exactly one is kept', async () => {
    for (let i = 0; i < SAVED_VIEW_LIMITS.viewsPerUser - 1; i++)
      await views.create(alice, { name: `v${i}`, query: {} });
    const racing = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => views.create(alice, { name: `racer ${i}`, query: {} })),
    );
    expect(racing.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of racing.filter((x) => x.status === 'rejected'))
      expect((r as PromiseRejectedResult).reason).toMatchObject({ status: 400 });
    expect(await views.list(alice)).toHaveLength(SAVED_VIEW_LIMITS.viewsPerUser);
  });

  it('removing a user removes their views', async () => {
    await views.create(alice, { name: 'mine', query: { role: 'worker' } });
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/users/${alice}`,
      headers: asSession(admin),
    });
    expect(res.statusCode).toBe(204);
    expect(await t.store.db.selectFrom('saved_views').select('name').execute()).toEqual([]);
  });
});
