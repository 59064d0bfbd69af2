import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  asSession,
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

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, s: Session, payload?: object) =>
    t.app.inject({ method, url, headers: asSession(s), ...(payload ? { payload } : {}) });

  describe('users API', () => {
    it('creates, lists, updates and removes users, never showing a password hash', async () => {
      const created = await call('POST', '/api/v1/users', admin, {
        username: 'Olivia',
        password: 'olivia-password-1',
        role: 'operator',
        clusters: ['prod-eu', 'prod-us', 'prod-eu'],
        canOverrideGuard: true,
      });
      expect(created.statusCode).toBe(201);
      const u = created.json().user;
      expect(u).toMatchObject({
        username: 'olivia',
        role: 'operator',
        clusters: ['prod-eu', 'prod-us'],
        canOverrideGuard: true,
        canOverrideSystemLabels: false,
      });
      const list = await call('GET', '/api/v1/users', admin);
      expect(list.json().items.map((x: { username: string }) => x.username)).toEqual(['admin', 'olivia']);
      expect(list.body).not.toMatch(/scrypt|password/i);

      const renamed = await call('PATCH', `/api/v1/users/${u.id}`, admin, { username: 'olive' });
      expect(renamed.statusCode).toBe(400);
      expect(renamed.json().error.field).toBe('username');
      const patched = await call('PATCH', `/api/v1/users/${u.id}`, admin, {
        username: 'olivia',
        clusters: null,
        canOverrideSystemLabels: true,
      });
      expect(patched.json().user).toMatchObject({
        clusters: null,
        canOverrideGuard: true,
        canOverrideSystemLabels: true,
      });
      // Grants are operator rights; a viewer holds none.
      const demoted = await call('PATCH', `/api/v1/users/${u.id}`, admin, { role: 'viewer' });
      expect(demoted.json().user).toMatchObject({ role: 'viewer', canOverrideGuard: false });

      expect((await call('DELETE', `/api/v1/users/${u.id}`, admin)).statusCode).toBe(204);
      expect((await call('GET', `/api/v1/users/${u.id}`, admin)).statusCode).toBe(404);
      const actions = (await auditEntries(t, { operation: 'user' })).map((e) => e.action);
      expect(actions).toEqual([
        'user.delete',
        'user.update',
        'user.update',
        'user.update',
        'user.create',
        'user.create',
      ]);
    });

    it('enforces the password policy and validates fields', async () => {
      const cases: [object, string][] = [
        [{ username: 'sam', password: 'short', role: 'viewer' }, 'password'],
        [{ username: 'samantha1234', password: 'SAMANTHA1234', role: 'viewer' }, 'password'],
        [{ username: 'bad name', password: 'long-enough-pass', role: 'viewer' }, 'username'],
        [{ username: 'sam', password: 'long-enough-pass', role: 'root' }, 'role'],
        [
          { username: 'sam', password: 'long-enough-pass', role: 'viewer', clusters: ['Not_Valid'] },
          'clusters.0',
        ],
        [{ username: 'sam', password: 'long-enough-pass', role: 'admin', clusters: ['a'] }, 'clusters'],
        [{ username: 'sam', password: 'long-enough-pass', role: 'viewer', extra: 1 }, ''],
      ];
      for (const [payload, field] of cases) {
        const res = await call('POST', '/api/v1/users', admin, payload);
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        if (field) expect(res.json().error.field).toBe(field);
        expect(res.body).not.toContain('long-enough-pass');
      }
      expect((await call('GET', '/api/v1/users', admin)).json().items).toHaveLength(1);
    });

    it('refuses a duplicate username', async () => {
      await createUser(t, admin, 'dup', 'viewer');
      const res = await call('POST', '/api/v1/users', admin, {
        username: 'DUP',
        password: 'another-password',
        role: 'viewer',
      });
      expect(res.statusCode).toBe(409);
    });

    it('keeps at least one admin', async () => {
      const me = admin.user.id;
      expect((await call('DELETE', `/api/v1/users/${me}`, admin)).statusCode).toBe(409);
      expect((await call('PATCH', `/api/v1/users/${me}`, admin, { role: 'operator' })).statusCode).toBe(409);
      const second = await createUser(t, admin, 'root2', 'admin');
      expect((await call('PATCH', `/api/v1/users/${me}`, admin, { role: 'operator' })).statusCode).toBe(200);
      const s2 = await signIn(t.app, 'root2', second.password);
      expect((await call('DELETE', `/api/v1/users/${second.id}`, s2)).statusCode).toBe(409);
    });

    it('is for admins only: an operator can neither list nor create users', async () => {
      const o = await createUser(t, admin, 'op', 'operator');
      const s = await signIn(t.app, 'op', o.password);
      expect((await call('GET', '/api/v1/users', s)).statusCode).toBe(403);
      const res = await call('POST', '/api/v1/users', s, {
        username: 'evil',
        password: 'evil-password-1',
        role: 'admin',
      });
      expect(res.statusCode).toBe(403);
      const self = await call('PATCH', `/api/v1/users/${o.id}`, s, { role: 'admin' });
      expect(self.statusCode).toBe(403);
      const users = await t.store.db
        .selectFrom('users')
        .select(['username', 'role'])
        .orderBy('username')
        .execute();
      expect(users).toEqual([
        { username: 'admin', role: 'admin' },
        { username: 'op', role: 'operator' },
      ]);
    });
  });
});
