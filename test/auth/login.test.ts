import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  asSession,
  auditEntries,
  cookieFrom,
  login,
  signIn,
  dialects,
  startTestApp,
  type TestApp,
} from './harness.js';

describe.each(dialects)('on $name', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
  });
  afterEach(async () => {
    await t.close();
  });

  describe('login', () => {
    it('signs in with the right password: HttpOnly SameSite=Strict cookie, user, CSRF token', async () => {
      const res = await login(t.app, 'admin', ADMIN_PASSWORD);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.user).toMatchObject({
        username: 'admin',
        role: 'admin',
        clusters: null,
        canOverrideGuard: true,
      });
      expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      const setCookie = String(res.headers['set-cookie']);
      expect(setCookie).toMatch(/^knm_session=[A-Za-z0-9_-]{43};/);
      expect(setCookie).toContain('HttpOnly');
      expect(setCookie).toContain('SameSite=Strict');
      expect(setCookie).toContain('Path=/');
      expect(setCookie).not.toContain('Secure');
      expect(JSON.stringify(body)).not.toContain(cookieFrom(res)!.split('=')[1]);

      const me = await t.app.inject({
        method: 'GET',
        url: '/api/v1/me',
        headers: { cookie: cookieFrom(res)! },
      });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toEqual({ user: body.user, csrfToken: body.csrfToken });
    });

    it('stores only a hash of the session id', async () => {
      const s = await signIn(t.app, 'admin', ADMIN_PASSWORD);
      const rows = await t.store.db.selectFrom('sessions').selectAll().execute();
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(s.sessionId);
    });

    it('refuses a wrong password and an unknown user with the same answer', async () => {
      const wrong = await login(t.app, 'admin', 'not-the-password-at-all');
      const unknown = await login(t.app, 'nobody', 'not-the-password-at-all');
      expect(wrong.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(wrong.json()).toEqual(unknown.json());
      expect(wrong.json().error.code).toBe('InvalidCredentials');
      expect(wrong.headers['set-cookie']).toBeUndefined();
      const entries = await auditEntries(t, { operation: 'auth.login' });
      expect(entries.map((e) => [e.user, e.outcome])).toEqual([
        [null, 'failure'],
        ['admin', 'failure'],
      ]);
    });

    it('marks the cookie Secure when configured', async () => {
      await t.close();
      t = await startTestApp({ env: { KNM_SECURE_COOKIES: 'true' }, dialect });
      const res = await login(t.app, 'admin', ADMIN_PASSWORD);
      expect(String(res.headers['set-cookie'])).toContain('Secure');
    });

    it('rejects a malformed body with 400 without echoing the password', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'admin', password: 12345678901234 },
      });
      expect(res.statusCode).toBe(400);
      expect(res.body).not.toContain('12345678901234');
    });
  });

  describe('lockout', () => {
    it('locks an account after 5 failures, refuses even the right password, and lets it in after the lock', async () => {
      for (let i = 0; i < 5; i++)
        expect((await login(t.app, 'admin', `wrong-password-${i}`)).statusCode).toBe(401);
      const locked = await login(t.app, 'admin', ADMIN_PASSWORD);
      expect(locked.statusCode).toBe(429);
      expect(locked.headers['retry-after']).toBe('30');
      expect(locked.json().error.code).toBe('TooManyAttempts');
      expect(locked.headers['set-cookie']).toBeUndefined();

      t.clock.advance(29_000);
      expect((await login(t.app, 'admin', ADMIN_PASSWORD)).statusCode).toBe(429);
      t.clock.advance(1_000);
      expect((await login(t.app, 'admin', ADMIN_PASSWORD)).statusCode).toBe(200);

      const lockouts = await auditEntries(t, { operation: 'auth.lockout' });
      expect(lockouts).toHaveLength(1);
      expect(lockouts[0]).toMatchObject({
        user: 'admin',
        outcome: 'denied',
        params: { scope: 'user', seconds: 30 },
      });
      const denied = await auditEntries(t, { operation: 'auth.login', outcome: 'denied' });
      expect(denied).toHaveLength(2);
    });

    it('doubles the lock on repeated lockouts, up to 15 minutes', async () => {
      const seen: string[] = [];
      for (let round = 0; round < 7; round++) {
        // A fresh address per round, so the address's own delay does not move the clock.
        const ip = `10.0.${round}.1`;
        for (let i = 0; i < 5; i++) await login(t.app, 'admin', 'wrong-password-xx', ip);
        const res = await login(t.app, 'admin', 'wrong-password-xx', ip);
        seen.push(String(res.headers['retry-after']));
        t.clock.advance(Number(res.headers['retry-after']) * 1000);
      }
      expect(seen).toEqual(['30', '60', '120', '240', '480', '900', '900']);
    });

    it('locks unknown usernames exactly like real ones', async () => {
      for (let i = 0; i < 5; i++) await login(t.app, 'ghost', `wrong-password-${i}`, '10.0.0.1');
      const res = await login(t.app, 'ghost', 'wrong-password-9', '10.0.0.1');
      const real = await (async () => {
        for (let i = 0; i < 5; i++) await login(t.app, 'admin', `wrong-password-${i}`, '10.0.0.2');
        return login(t.app, 'admin', 'wrong-password-9', '10.0.0.2');
      })();
      expect(res.statusCode).toBe(429);
      expect(res.json()).toEqual(real.json());
      expect(res.headers['retry-after']).toBe(real.headers['retry-after']);
    });

    it('never refuses the right password because of an address: 20 made-up usernames only slow it down', async () => {
      for (let i = 0; i < 20; i++)
        expect((await login(t.app, `user${i}`, 'wrong-password-xx', '10.9.9.9')).statusCode).toBe(401);
      // Five free failures, then 250 ms doubling per failure, bounded at 5 s.
      expect(t.clock.slept).toEqual([
        250, 500, 1000, 2000, 4000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000,
      ]);
      t.clock.slept.length = 0;
      const fromThere = await login(t.app, 'admin', ADMIN_PASSWORD, '10.9.9.9');
      expect(fromThere.statusCode).toBe(200);
      expect(t.clock.slept).toEqual([5000]);
      t.clock.slept.length = 0;
      const elsewhere = await login(t.app, 'admin', ADMIN_PASSWORD, '10.1.1.1');
      expect(elsewhere.statusCode).toBe(200);
      expect(t.clock.slept).toEqual([]);
      // No lock for the address was recorded, and the delayed success says how long it waited.
      expect(await auditEntries(t, { operation: 'auth.lockout' })).toEqual([]);
      const ok = await auditEntries(t, { operation: 'auth.login', outcome: 'success' });
      expect(ok.map((e) => e.params)).toContainEqual({ delayedMs: 5000 });
    });

    it('audits every refusal: unknown user, wrong password, locked account', async () => {
      await login(t.app, 'nobody-here', 'wrong-password-xx');
      for (let i = 0; i < 5; i++) await login(t.app, 'admin', `wrong-password-${i}`);
      await login(t.app, 'admin', ADMIN_PASSWORD);
      const entries = await auditEntries(t, { operation: 'auth.login' });
      const messages = entries.map((e) => `${e.status} ${e.user ?? '-'} ${e.message}`).sort();
      expect(messages).toEqual(
        [
          '401 - unknown user',
          ...Array.from({ length: 5 }, () => '401 admin wrong password'),
          '429 admin sign-in refused: account locked for 30s',
        ].sort(),
      );
    });

    it('keeps the lock across a restart', async () => {
      for (let i = 0; i < 5; i++) await login(t.app, 'admin', `wrong-password-${i}`);
      const { database, clock } = t;
      await t.close(true);
      t = await startTestApp({ database, clock, dialect });
      expect((await login(t.app, 'admin', ADMIN_PASSWORD)).statusCode).toBe(429);
    });

    it('evaluates one password at a time per account: a parallel burst does not outrun the counter, and every refusal is audited', async () => {
      const burst = await Promise.all(
        Array.from({ length: 10 }, (_, i) => login(t.app, 'admin', `wrong-password-burst-${i}`)),
      );
      const codes = burst.map((r) => r.statusCode).sort();
      expect(codes).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);
      const entries = await auditEntries(t, { operation: 'auth.login' });
      expect(entries).toHaveLength(10);
      expect(entries.filter((e) => e.status === 429 && e.outcome === 'denied')).toHaveLength(5);
      expect(entries.filter((e) => e.status === 401 && e.outcome === 'failure')).toHaveLength(5);
      expect(await auditEntries(t, { operation: 'auth.lockout' })).toHaveLength(1);
    });

    it('a parallel burst of refusals on a locked account is audited one entry per attempt', async () => {
      for (let i = 0; i < 5; i++) await login(t.app, 'admin', `wrong-password-${i}`);
      const burst = await Promise.all(
        Array.from({ length: 10 }, () => login(t.app, 'admin', ADMIN_PASSWORD)),
      );
      expect(burst.map((r) => r.statusCode)).toEqual(Array.from({ length: 10 }, () => 429));
      const denied = await auditEntries(t, { operation: 'auth.login', outcome: 'denied' });
      expect(denied).toHaveLength(10);
      expect(new Set(denied.map((e) => e.requestId)).size).toBe(10);
    });

    it('a success clears the account counter', async () => {
      for (let i = 0; i < 4; i++) await login(t.app, 'admin', `wrong-password-${i}`);
      expect((await login(t.app, 'admin', ADMIN_PASSWORD)).statusCode).toBe(200);
      for (let i = 0; i < 4; i++) await login(t.app, 'admin', `wrong-password-${i}`);
      expect((await login(t.app, 'admin', ADMIN_PASSWORD)).statusCode).toBe(200);
    });
  });

  describe('logout', () => {
    it('ends the session at once and records it', async () => {
      const s = await signIn(t.app, 'admin', ADMIN_PASSWORD);
      const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: asSession(s) });
      expect(out.statusCode).toBe(204);
      expect(String(out.headers['set-cookie'])).toMatch(/^knm_session=;.*Max-Age=0/);
      const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: s.cookie } });
      expect(me.statusCode).toBe(401);
      expect((await auditEntries(t, { operation: 'auth.logout' }))[0]).toMatchObject({
        user: 'admin',
        outcome: 'success',
      });
    });
  });
});
