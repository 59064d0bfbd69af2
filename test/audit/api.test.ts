import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  asSession,
  createUser,
  signIn,
  startTestApp,
  type Session,
  type TestApp,
} from '../auth/harness.js';

let t: TestApp;
let admin: Session;
let viewer: Session;
let restricted: Session;
beforeAll(async () => {
  t = await startTestApp();
  admin = await signIn(t.app, 'admin', ADMIN_PASSWORD);
  const v = await createUser(t, admin, 'vera', 'viewer');
  const r = await createUser(t, admin, 'rita', 'operator', { clusters: ['alpha'] });
  viewer = await signIn(t.app, 'vera', v.password);
  restricted = await signIn(t.app, 'rita', r.password);
  for (const [cluster, s] of [
    ['alpha', restricted],
    ['beta', admin],
  ] as const) {
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/probe/clusters/${cluster}/nodes/n1/cordon`,
      headers: asSession(s),
      payload: { reason: 'maintenance' },
    });
  }
});
afterAll(async () => {
  await t.close();
});

const get = (query: string, s: Session) =>
  t.app.inject({ method: 'GET', url: `/api/v1/audit${query}`, headers: asSession(s) });

describe('GET /api/v1/audit', () => {
  it('lists entries newest first for any signed-in user, with filters', async () => {
    const all = await get('', viewer);
    expect(all.statusCode).toBe(200);
    const actions = all.json().items.map((e: { action: string }) => e.action);
    expect(actions.slice(0, 2)).toEqual(['node.cordon', 'node.cordon']);
    expect(actions).toContain('auth.login');
    expect(actions).toContain('user.create');

    const beta = await get('?cluster=beta&operation=node', viewer);
    expect(beta.json().items).toHaveLength(1);
    expect(beta.json().items[0]).toMatchObject({
      user: 'admin',
      cluster: 'beta',
      nodes: ['n1'],
      params: { body: { reason: 'maintenance' } },
    });
    const logins = await get('?operation=auth.login&user=rita&outcome=success', viewer);
    expect(logins.json().items).toHaveLength(1);
  });

  it('pages with limit and cursor', async () => {
    const first = await get('?limit=2', viewer);
    expect(first.json().items).toHaveLength(2);
    const next = await get(`?limit=2&cursor=${first.json().nextCursor}`, viewer);
    expect(next.json().items).toHaveLength(2);
    expect(next.json().items[0].id).not.toBe(first.json().items[0].id);
  });

  it('rejects bad filters with the offending field', async () => {
    for (const [q, field] of [
      ['?from=yesterday', 'query.from'],
      ['?outcome=maybe', 'query.outcome'],
      ['?limit=0', 'query.limit'],
      ['?limit=100000', 'query.limit'],
      ['?cursor=zzz', 'cursor'],
    ]) {
      const res = await get(q!, viewer);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.field).toBe(field);
    }
  });

  it('shows a cluster-restricted user only its clusters and its own sign-ins', async () => {
    const res = await get('', restricted);
    const items = res.json().items as { user: string; action: string; cluster: string | null }[];
    expect(items.length).toBeGreaterThan(0);
    for (const e of items) {
      if (e.cluster) expect(e.cluster).toBe('alpha');
      else expect(e.user).toBe('rita');
    }
    expect(items.some((e) => e.action === 'node.cordon' && e.cluster === 'alpha')).toBe(true);
  });

  it('needs a signed-in user', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/audit' })).statusCode).toBe(401);
  });

  it('has no way to change or delete entries', async () => {
    const id = (await get('?limit=1', admin)).json().items[0].id as string;
    const before = (await get('?limit=1000', admin)).json().items.length;
    for (const method of ['PUT', 'PATCH', 'DELETE', 'POST'] as const) {
      for (const url of ['/api/v1/audit', `/api/v1/audit/${id}`]) {
        const res = await t.app.inject({ method, url, headers: asSession(admin), payload: {} });
        expect(res.statusCode, `${method} ${url}`).toBe(404);
        expect(res.json().error.code, `${method} ${url}`).toBe('NotFound');
      }
    }
    const after = (await get('?limit=1000', admin)).json().items;
    expect(after.length).toBe(before);
    expect(after.some((e: { id: string }) => e.id === id)).toBe(true);
  });
});
