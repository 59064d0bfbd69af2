// Every secret a scenario handles (passwords, session ids, CSRF tokens, token secrets) is searched for in
// every log line, every answer body and every audit entry.
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, asSession, asToken, login, signIn, startTestApp, type TestApp } from './harness.js';

let t: TestApp;
afterEach(async () => {
  await t.close();
});

describe('secrets stay secret', () => {
  it('never appear in logs, answers or the audit log', async () => {
    t = await startTestApp();
    const secrets: string[] = [ADMIN_PASSWORD];
    const bodies: string[] = [];
    const keep = <R extends { body: string }>(r: R) => (bodies.push(r.body), r);

    const admin = await signIn(t.app, 'admin', ADMIN_PASSWORD);
    secrets.push(admin.sessionId);
    const userPw = 'carol-Secret-pw-777';
    const badPw = 'carol-Typo-pw-778';
    const newPw = 'carol-New-pw-779';
    secrets.push(userPw, badPw, newPw);
    keep(
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: asSession(admin),
        payload: { username: 'carol', password: userPw, role: 'operator' },
      }),
    );
    keep(await login(t.app, 'carol', badPw));
    for (let i = 0; i < 5; i++) keep(await login(t.app, 'carol', `${badPw}-${i}`));
    keep(await login(t.app, 'carol', userPw));
    t.clock.advance(31_000);
    const res = keep(await login(t.app, 'carol', userPw));
    const sid = String(res.headers['set-cookie']).split(';')[0]!.split('=')[1]!;
    const carol = { cookie: `knm_session=${sid}`, csrf: res.json().csrfToken as string, sessionId: sid };
    secrets.push(sid);
    // The CSRF token is handed to the page on purpose, but must not reach logs or the audit log.
    const csrf = carol.csrf;

    const tok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: asSession(carol as never),
      payload: { name: 'ci', password: 'should-not-be-kept-1' },
    });
    expect(tok.statusCode).toBe(400);
    secrets.push('should-not-be-kept-1');
    const tok2 = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: asSession(carol as never),
      payload: { name: 'ci' },
    });
    const tokenSecret = tok2.json().secret as string;
    secrets.push(tokenSecret);
    keep(await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: asToken(tokenSecret) }));
    keep(await t.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: asToken(tokenSecret) }));
    keep(
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/me/password',
        headers: asSession(carol as never),
        payload: { currentPassword: badPw, newPassword: newPw },
      }),
    );
    keep(
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/me/password',
        headers: asSession(carol as never),
        payload: { currentPassword: userPw, newPassword: newPw },
      }),
    );
    keep(
      await t.app.inject({ method: 'POST', url: '/api/v1/probe/operate', headers: { cookie: carol.cookie } }),
    );
    keep(
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/probe/operate',
        headers: { cookie: carol.cookie, 'x-csrf-token': csrf, authorization: `Bearer ${tokenSecret}x` },
      }),
    );
    keep(
      await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: asSession(carol as never) }),
    );
    // Generic mutation audit with a body that carries a password field.
    keep(
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/probe/operate',
        headers: asSession(admin),
        payload: { kubeconfig: 'apiVersion: v1 # ' + ADMIN_PASSWORD, nested: { password: userPw } },
      }),
    );
    const audit = JSON.stringify((await t.sec.audit.list({ limit: 1000 })).items);
    expect(audit.length).toBeGreaterThan(1000);
    const logs = t.logs.join('');
    expect(t.logs.length).toBeGreaterThan(10);

    for (const s of secrets) {
      expect(logs, `log contains ${s.slice(0, 6)}…`).not.toContain(s);
      expect(audit, `audit contains ${s.slice(0, 6)}…`).not.toContain(s);
      for (const b of bodies) expect(b).not.toContain(s);
    }
    expect(logs).not.toContain(csrf);
    expect(audit).not.toContain(csrf);
    expect(audit).toContain('[redacted]');
  });

  it('prints a generated first-admin password once, to the console only', async () => {
    t = await startTestApp({ env: { KNM_ADMIN_PASSWORD: '' } });
    expect(t.printed).toHaveLength(1);
    const pw = /password: (\S+)/.exec(t.printed[0]!)![1]!;
    expect(pw.length).toBeGreaterThanOrEqual(20);
    expect(t.printed[0]).toContain('username: admin');
    expect(t.printed[0]).toMatch(/http:\/\/127\.0\.0\.1:8080\//);
    expect(t.logs.join('')).not.toContain(pw);
    await signIn(t.app, 'admin', pw);

    // A restart with users present prints nothing and keeps the password.
    const { database } = t;
    await t.close(true);
    t = await startTestApp({ env: { KNM_ADMIN_PASSWORD: '' }, database });
    expect(t.printed).toHaveLength(0);
    await signIn(t.app, 'admin', pw);
    expect(t.logs.join('')).not.toContain(pw);
  });

  it('uses KNM_ADMIN_PASSWORD and prints nothing; refuses one that breaks the policy', async () => {
    t = await startTestApp({ env: { KNM_ADMIN_PASSWORD: 'chosen-by-the-operator' } });
    expect(t.printed).toHaveLength(0);
    await signIn(t.app, 'admin', 'chosen-by-the-operator');
    await t.close();
    await expect(startTestApp({ env: { KNM_ADMIN_PASSWORD: 'short' } })).rejects.toThrow(
      /KNM_ADMIN_PASSWORD is not acceptable: .*at least 12/,
    );
    t = await startTestApp();
  });
});
