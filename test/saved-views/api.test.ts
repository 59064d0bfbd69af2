// The saved views API: each signed-in user sees and changes only their own views, bad input answers a 400
// naming the field and stores nothing, and saving a view writes nothing to the audit log.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { viewRoutes } from '../../src/api/routes/views.js';
import { SavedViewStore } from '../../src/saved-views/store.js';
import { SAVED_VIEW_LIMITS } from '../../src/saved-views/types.js';
import {
  ADMIN_PASSWORD,
  asSession,
  auditEntries,
  createUser,
  dialects,
  signIn,
  startTestApp,
  type Session,
  type TestApp,
} from '../auth/harness.js';

describe.each(dialects)('saved views API on $name', (dialect) => {
  let t: TestApp;
  let admin: Session;
  let alice: Session;
  beforeEach(async () => {
    t = await startTestApp({
      dialect,
      modules: [(a, s) => a.register(viewRoutes, { views: new SavedViewStore(s.store.db) })],
    });
    admin = await signIn(t.app, 'admin', ADMIN_PASSWORD);
    const a = await createUser(t, admin, 'alice', 'viewer');
    alice = await signIn(t.app, 'alice', a.password);
  });
  afterEach(async () => {
    await t.close();
  });

  const call = (s: Session, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url = '', payload?: unknown) =>
    t.app.inject({
      method,
      url: `/api/v1/views${url}`,
      headers: asSession(s),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  it('saves, lists, renames and deletes a view of one’s own', async () => {
    const auditBefore = (await auditEntries(t)).length;
    const created = await call(alice, 'POST', '', {
      name: '  NotReady in prod ',
      query: { cluster: 'prod', status: 'NotReady', sort: '-age' },
      columns: ['status', 'name', 'age'],
    });
    expect(created.statusCode).toBe(201);
    const v = created.json().view;
    expect(v).toMatchObject({
      name: 'NotReady in prod',
      query: { cluster: 'prod', status: 'NotReady', sort: '-age' },
      columns: ['status', 'name', 'age'],
    });
    expect((await call(alice, 'GET')).json().items).toEqual([v]);

    const renamed = await call(alice, 'PUT', `/${v.id}`, {
      name: 'prod down',
      query: v.query,
      columns: null,
    });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json().view).toMatchObject({ id: v.id, name: 'prod down', columns: null });

    expect((await call(alice, 'DELETE', `/${v.id}`)).statusCode).toBe(204);
    expect((await call(alice, 'GET')).json().items).toEqual([]);
    expect((await call(alice, 'DELETE', `/${v.id}`)).statusCode).toBe(404);
    expect((await auditEntries(t)).length).toBe(auditBefore);
  });

  it('never shows or lets anyone else change a user’s views, an admin included', async () => {
    const v = (await call(alice, 'POST', '', { name: 'mine', query: { role: 'worker' } })).json().view;
    expect((await call(admin, 'GET')).json().items).toEqual([]);
    const put = await call(admin, 'PUT', `/${v.id}`, { name: 'hijacked', query: {} });
    expect(put.statusCode).toBe(404);
    expect((await call(admin, 'DELETE', `/${v.id}`)).statusCode).toBe(404);
    // The same name is free for another user.
    expect((await call(admin, 'POST', '', { name: 'mine', query: {} })).statusCode).toBe(201);
    expect((await call(alice, 'GET')).json().items).toEqual([v]);
    // And a second view of the same name for the same user is a conflict.
    const dup = await call(alice, 'POST', '', { name: 'mine', query: {} });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.message).toContain('"mine"');
  });

  it('refuses bad input with a 400 naming the field, and stores nothing', async () => {
    const cases: [unknown, string][] = [
      [{ query: {} }, 'name'],
      [{ name: '   ', query: {} }, 'name'],
      [{ name: 'x'.repeat(SAVED_VIEW_LIMITS.nameLength + 1), query: {} }, 'name'],
      [{ name: 'q' }, 'query'],
      [{ name: 'q', query: { search: 42 } }, 'query.search'],
      [{ name: 'q', query: { 'bad key!': 'x' } }, 'query.bad key!'],
      [{ name: 'q', query: { search: 'x'.repeat(SAVED_VIEW_LIMITS.queryValueLength + 1) } }, 'query.search'],
      [
        {
          name: 'q',
          query: Object.fromEntries(
            Array.from({ length: SAVED_VIEW_LIMITS.queryKeys + 1 }, (_, i) => [`k${i}`, 'v']),
          ),
        },
        'query',
      ],
      [{ name: 'q', query: {}, columns: ['name', '<script>'] }, 'columns[1]'],
      [
        {
          name: 'q',
          query: {},
          columns: Array.from({ length: SAVED_VIEW_LIMITS.columns + 1 }, () => 'name'),
        },
        'columns',
      ],
    ];
    for (const [body, field] of cases) {
      const res = await call(alice, 'POST', '', body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
      const err = res.json().error;
      expect(err.code).toBe('BadRequest');
      expect(err.field, JSON.stringify(body).slice(0, 80)).toBe(field);
      expect(err.message.length).toBeGreaterThan(0);
    }
    expect((await call(alice, 'GET')).json().items).toEqual([]);
  });

  it('answers the per-user bound with a 400 that says what to do', async () => {
    for (let i = 0; i < SAVED_VIEW_LIMITS.viewsPerUser; i++)
      expect((await call(alice, 'POST', '', { name: `v${i}`, query: {} })).statusCode).toBe(201);
    const res = await call(alice, 'POST', '', { name: 'one more', query: {} });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('delete one first');
    expect((await call(alice, 'GET')).json().items).toHaveLength(SAVED_VIEW_LIMITS.viewsPerUser);
  });

  it('needs a signed-in user', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/views' });
    expect(res.statusCode).toBe(401);
  });
});
