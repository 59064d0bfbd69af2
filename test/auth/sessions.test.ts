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
    // 60 min idle, 12 h absolute (the defaults)
    t = await startTestApp({ dialect });
    admin = await signIn(t.app, 'admin', ADMIN_PASSWORD);
  });
  afterEach(async () => {
    await t.close();
  });

  const me = (s: Session) =>
    t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: s.cookie } });

  describe('session expiry', () => {
    it('expires after the idle limit, and activity keeps it alive', async () => {
      t.clock.advance(59 * 60_000);
      expect((await me(admin)).statusCode).toBe(200);
      // Activity at 59 min restarts the idle clock.
      t.clock.advance(59 * 60_000);
      expect((await me(admin)).statusCode).toBe(200);
      t.clock.advance(60 * 60_000);
      const res = await me(admin);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('Unauthenticated');
      // Gone for good: the row is deleted, not merely refused.
      expect(await t.store.db.selectFrom('sessions').selectAll().execute()).toHaveLength(0);
    });

    it('expires at the absolute limit even when active', async () => {
      for (let h = 0; h < 11; h++) {
        t.clock.advance(55 * 60_000);
        expect((await me(admin)).statusCode).toBe(200);
      }
      // 11 × 55 min = 10 h 5 min; keep going past 12 h.
      t.clock.advance(55 * 60_000);
      expect((await me(admin)).statusCode).toBe(200);
      t.clock.advance(55 * 60_000);
      expect((await me(admin)).statusCode).toBe(200);
      t.clock.advance(55 * 60_000); // 12 h 50 min
      expect((await me(admin)).statusCode).toBe(401);
    });

    it('honours a configured idle limit', async () => {
      await t.close();
      t = await startTestApp({ env: { KNM_SESSION_IDLE_MINUTES: '5' }, dialect });
      const s = await signIn(t.app, 'admin', ADMIN_PASSWORD);
      t.clock.advance(4 * 60_000 + 59_000);
      expect((await me(s)).statusCode).toBe(200);
      t.clock.advance(5 * 60_000);
      expect((await me(s)).statusCode).toBe(401);
    });
  });

  describe('session revocation', () => {
    it('own password change ends other sessions, keeps this one, and requires the current password', async () => {
      const other = await signIn(t.app, 'admin', ADMIN_PASSWORD);
      const bad = await t.app.inject({
        method: 'POST',
        url: '/api/v1/me/password',
        headers: asSession(admin),
        payload: { currentPassword: 'wrong-current-password', newPassword: 'a-brand-new-password-1' },
      });
      expect(bad.statusCode).toBe(403);
      expect((await me(other)).statusCode).toBe(200);

      const weak = await t.app.inject({
        method: 'POST',
        url: '/api/v1/me/password',
        headers: asSession(admin),
        payload: { currentPassword: ADMIN_PASSWORD, newPassword: 'short' },
      });
      expect(weak.statusCode).toBe(400);
      expect(weak.json().error.field).toBe('newPassword');

      const ok = await t.app.inject({
        method: 'POST',
        url: '/api/v1/me/password',
        headers: asSession(admin),
        payload: { currentPassword: ADMIN_PASSWORD, newPassword: 'a-brand-new-password-1' },
      });
      expect(ok.statusCode).toBe(204);
      expect((await me(admin)).statusCode).toBe(200);
      expect((await me(other)).statusCode).toBe(401);
      await signIn(t.app, 'admin', 'a-brand-new-password-1');
      const entries = await auditEntries(t, { operation: 'auth.password' });
      expect(entries.map((e) => e.outcome)).toEqual(['success', 'failure']);
    });

    it('an admin setting a user password ends all of that user’s sessions', async () => {
      const u = await createUser(t, admin, 'olga', 'operator');
      const s = await signIn(t.app, 'olga', u.password);
      const res = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/users/${u.id}`,
        headers: asSession(admin),
        payload: { password: 'reset-by-the-admin-1' },
      });
      expect(res.statusCode).toBe(200);
      expect((await me(s)).statusCode).toBe(401);
      expect((await me(admin)).statusCode).toBe(200);
    });

    it('removing a user ends its sessions and tokens at once', async () => {
      const u = await createUser(t, admin, 'victor', 'viewer');
      const s = await signIn(t.app, 'victor', u.password);
      const tok = await t.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: asSession(s),
        payload: { name: 'script' },
      });
      const secret = tok.json().secret as string;
      expect(
        (await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: asToken(secret) })).statusCode,
      ).toBe(200);

      const del = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/users/${u.id}`,
        headers: asSession(admin),
      });
      expect(del.statusCode).toBe(204);
      expect((await me(s)).statusCode).toBe(401);
      expect(
        (await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: asToken(secret) })).statusCode,
      ).toBe(401);
      const entry = (await auditEntries(t, { operation: 'user.delete' }))[0];
      expect(entry).toMatchObject({ user: 'admin', outcome: 'success', params: { username: 'victor' } });
    });

    it('a forged or unknown cookie is refused', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/me',
        headers: { cookie: 'knm_session=' + 'A'.repeat(43) },
      });
      expect(res.statusCode).toBe(401);
    });
  });
});
