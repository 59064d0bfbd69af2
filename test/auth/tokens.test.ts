import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  asSession,
  asToken,
  auditEntries,
  createUser,
  signIn,
  dialects,
  startTestApp,
  type Session,
  type TestApp,
} from './harness.js';

describe.each(dialects)('on $name', (dialect) => {
  let t: TestApp;
  let admin: Session;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
    admin = await signIn(t.app, 'admin', ADMIN_PASSWORD);
  });
  afterEach(async () => {
    await t.close();
  });

  async function newToken(s: Session, payload: Record<string, unknown>) {
    return t.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: asSession(s), payload });
  }
  const post = (url: string, secret: string) =>
    t.app.inject({ method: 'POST', url, headers: asToken(secret), payload: {} });

  describe('API tokens', () => {
    it('shows the secret once, stores only its hash, and authenticates with it', async () => {
      const res = await newToken(admin, { name: 'deploy bot', role: 'operator', expiresInDays: 30 });
      expect(res.statusCode).toBe(201);
      const { token, secret } = res.json();
      expect(secret).toMatch(/^knm_[A-Za-z0-9_-]{43}$/);
      expect(token).toMatchObject({
        name: 'deploy bot',
        role: 'operator',
        username: 'admin',
        lastUsedAt: null,
      });
      expect(token.expiresAt).toBe(new Date(t.clock.now() + 30 * 86_400_000).toISOString());

      const list = await t.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: asSession(admin) });
      expect(list.json().items).toHaveLength(1);
      expect(list.body).not.toContain(secret);
      const rows = await t.store.db.selectFrom('api_tokens').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(secret);

      const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: asToken(secret) });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ user: { username: 'admin', role: 'operator' }, csrfToken: null });
      const after = await t.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: asSession(admin) });
      expect(after.json().items[0].lastUsedAt).toBe(new Date(t.clock.now()).toISOString());
    });

    it('caps the token role at its own role: an operator token cannot do admin things', async () => {
      const { secret } = (await newToken(admin, { name: 'ops', role: 'operator' })).json();
      const before = t.probe.writes.length;
      expect((await post('/api/v1/probe/admin', secret)).statusCode).toBe(403);
      expect((await post('/api/v1/probe/operate', secret)).statusCode).toBe(200);
      expect(t.probe.writes.length).toBe(before + 1);
    });

    it('refuses a token with more than the creator’s role', async () => {
      const u = await createUser(t, admin, 'vik', 'viewer');
      const s = await signIn(t.app, 'vik', u.password);
      const res = await newToken(s, { name: 'escalate', role: 'admin' });
      expect(res.statusCode).toBe(403);
      expect(await t.store.db.selectFrom('api_tokens').selectAll().execute()).toHaveLength(0);
      const entry = (await auditEntries(t, { operation: 'token.create' }))[0];
      expect(entry).toMatchObject({ user: 'vik', outcome: 'denied', status: 403 });
    });

    it('follows its creator: a demoted creator demotes the token, a removed one kills it', async () => {
      const u = await createUser(t, admin, 'oskar', 'operator');
      const s = await signIn(t.app, 'oskar', u.password);
      const { secret } = (await newToken(s, { name: 'mine' })).json();
      expect((await post('/api/v1/probe/operate', secret)).statusCode).toBe(200);

      await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/users/${u.id}`,
        headers: asSession(admin),
        payload: { role: 'viewer' },
      });
      expect((await post('/api/v1/probe/operate', secret)).statusCode).toBe(403);
      const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: asToken(secret) });
      expect(me.json().user.role).toBe('viewer');

      await t.app.inject({ method: 'DELETE', url: `/api/v1/users/${u.id}`, headers: asSession(admin) });
      expect((await post('/api/v1/probe/operate', secret)).statusCode).toBe(401);
    });

    it('stops working when revoked, and only its owner or an admin may revoke it', async () => {
      const u = await createUser(t, admin, 'paula', 'operator');
      const other = await createUser(t, admin, 'quinn', 'operator');
      const s = await signIn(t.app, 'paula', u.password);
      const q = await signIn(t.app, 'quinn', other.password);
      const { token, secret } = (await newToken(s, { name: 'ci' })).json();

      const foreign = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/tokens/${token.id}`,
        headers: asSession(q),
      });
      expect(foreign.statusCode).toBe(404);
      expect((await post('/api/v1/probe/operate', secret)).statusCode).toBe(200);
      const qList = await t.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: asSession(q) });
      expect(qList.json().items).toEqual([]);

      const del = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/tokens/${token.id}`,
        headers: asSession(s),
      });
      expect(del.statusCode).toBe(204);
      expect((await post('/api/v1/probe/operate', secret)).statusCode).toBe(401);
      const entries = await auditEntries(t, { operation: 'token' });
      expect(entries.map((e) => [e.action, e.outcome])).toEqual([
        ['token.delete', 'success'],
        ['token.delete', 'failure'],
        ['token.create', 'success'],
      ]);
      expect(JSON.stringify(entries)).not.toContain(secret);
    });

    it('expires', async () => {
      const { secret } = (await newToken(admin, { name: 'short', expiresInDays: 1 })).json();
      t.clock.advance(86_400_000 - 1);
      expect((await post('/api/v1/probe/operate', secret)).statusCode).toBe(200);
      t.clock.advance(1);
      expect((await post('/api/v1/probe/operate', secret)).statusCode).toBe(401);
    });

    it('cannot mint further tokens', async () => {
      const { secret } = (await newToken(admin, { name: 'short', expiresInDays: 1 })).json();
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: asToken(secret),
        payload: { name: 'forever' },
      });
      expect(res.statusCode).toBe(403);
    });

    it('refuses malformed, unknown and look-alike bearer values', async () => {
      for (const authorization of [
        'Bearer',
        'Bearer knm_nope',
        'Basic YWRtaW46eA==',
        `Bearer knm_${'A'.repeat(43)}`,
      ]) {
        const res = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization } });
        expect(res.statusCode).toBe(401);
      }
    });
  });
});
