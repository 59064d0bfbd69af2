import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src/auth/index.js';
import {
  ADMIN_PASSWORD,
  asSession,
  asToken,
  auditEntries,
  createUser,
  signIn,
  startTestApp,
  type Session,
  type TestApp,
} from './harness.js';

let t: TestApp;
let admin: Session;
let viewer: Session;
let operator: Session;
let restricted: Session;
beforeAll(async () => {
  t = await startTestApp();
  admin = await signIn(t.app, 'admin', ADMIN_PASSWORD);
  const v = await createUser(t, admin, 'vera', 'viewer');
  const o = await createUser(t, admin, 'otto', 'operator');
  const r = await createUser(t, admin, 'rita', 'operator', { clusters: ['alpha'] });
  viewer = await signIn(t.app, 'vera', v.password);
  operator = await signIn(t.app, 'otto', o.password);
  restricted = await signIn(t.app, 'rita', r.password);
});
afterAll(async () => {
  await t.close();
});

const post = (url: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, headers, payload: {} });

describe('route policy enforcement', () => {
  it('refuses anonymous callers with 401 before the handler runs', async () => {
    const before = t.probe.writes.length;
    const res = await post('/api/v1/probe/operate');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: { code: 'Unauthenticated', message: expect.any(String) } });
    expect(t.probe.writes.length).toBe(before);
  });

  it('refuses a role below the policy with 403 and changes nothing', async () => {
    const before = t.probe.writes.length;
    const res = await post('/api/v1/probe/operate', asSession(viewer));
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('Forbidden');
    const res2 = await post('/api/v1/probe/admin', asSession(operator));
    expect(res2.statusCode).toBe(403);
    expect(t.probe.writes.length).toBe(before);
    expect((await post('/api/v1/probe/operate', asSession(operator))).statusCode).toBe(200);
    expect((await post('/api/v1/probe/admin', asSession(admin))).statusCode).toBe(200);
    expect(t.probe.writes.length).toBe(before + 2);
  });

  it('refuses a cluster outside the user’s list with 403 and changes nothing', async () => {
    const before = t.probe.writes.length;
    const res = await post('/api/v1/probe/clusters/beta/nodes/n1/cordon', asSession(restricted));
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toContain('beta');
    const read = await t.app.inject({
      method: 'GET',
      url: '/api/v1/probe/clusters/beta',
      headers: asSession(restricted),
    });
    expect(read.statusCode).toBe(403);
    expect(t.probe.writes.length).toBe(before);
    expect(
      (await post('/api/v1/probe/clusters/alpha/nodes/n1/cordon', asSession(restricted))).statusCode,
    ).toBe(200);
    expect((await post('/api/v1/probe/clusters/beta/nodes/n1/cordon', asSession(operator))).statusCode).toBe(
      200,
    );
    expect(t.probe.writes.slice(before)).toEqual([
      { cluster: 'alpha', by: 'rita' },
      { cluster: 'beta', by: 'otto' },
    ]);
  });

  it('records refusals in the audit log', async () => {
    await post('/api/v1/probe/clusters/beta/nodes/n7/cordon', asSession(restricted));
    await t.app.inject({
      method: 'GET',
      url: '/api/v1/probe/clusters/gamma',
      headers: asSession(restricted),
    });
    const denied = await auditEntries(t, { outcome: 'denied', user: 'rita' });
    expect(denied[0]).toMatchObject({
      action: 'GET /api/v1/probe/clusters/:cluster',
      cluster: 'gamma',
      status: 403,
    });
    expect(denied[1]).toMatchObject({ action: 'node.cordon', cluster: 'beta', nodes: ['n7'], status: 403 });
    const anon = await post('/api/v1/probe/admin');
    expect(anon.statusCode).toBe(401);
    const last = (await auditEntries(t, { operation: 'POST /api/v1/probe/admin', outcome: 'denied' }))[0];
    expect(last).toMatchObject({ user: null, status: 401 });
  });

  it('audits successful mutations through the generic hook', async () => {
    await post('/api/v1/probe/clusters/alpha/nodes/n9/cordon', asSession(operator));
    const e = (await auditEntries(t, { operation: 'node.cordon', node: 'n9' }))[0];
    expect(e).toMatchObject({
      user: 'otto',
      cluster: 'alpha',
      nodes: ['n9'],
      outcome: 'success',
      status: 200,
    });
  });

  it('answers 500 for an /api route that declares no policy, without running it', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/probe/no-policy',
      headers: asSession(admin),
    });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('leaked');
    expect(t.logs.some((l) => l.includes('route has no access policy'))).toBe(true);
  });

  it('lets public routes through without credentials', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/probe/public' })).statusCode).toBe(200);
  });

  it('leaves unknown routes to the not-found handler', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/does-not-exist' });
    expect(res.statusCode).toBe(404);
  });
});

describe('CSRF', () => {
  it('refuses cookie-authenticated state changes without the header, changing nothing', async () => {
    const before = t.probe.writes.length;
    const none = await post('/api/v1/probe/operate', asSession(operator, false));
    expect(none.statusCode).toBe(403);
    expect(none.json().error.code).toBe('CsrfFailed');
    const wrong = await post('/api/v1/probe/operate', {
      cookie: operator.cookie,
      'x-csrf-token': admin.csrf,
    });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('CsrfFailed');
    expect(t.probe.writes.length).toBe(before);
  });

  it('applies to account changes too: no user is created without the token', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: asSession(admin, false),
      payload: { username: 'mallory', password: 'mallory-password-1', role: 'admin' },
    });
    expect(res.statusCode).toBe(403);
    const users = await t.store.db.selectFrom('users').select('username').execute();
    expect(users.map((u) => u.username)).not.toContain('mallory');
  });

  it('does not apply to reads or to bearer tokens', async () => {
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/probe/read', headers: asSession(viewer, false) }))
        .statusCode,
    ).toBe(200);
    const tok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: asSession(operator),
      payload: { name: 'ci' },
    });
    expect((await post('/api/v1/probe/operate', asToken(tok.json().secret))).statusCode).toBe(200);
  });
});

describe('security headers', () => {
  it('sets a strict CSP and the other headers on every answer, and no-store on the API', async () => {
    for (const url of ['/api/v1/me', '/', '/api/v1/nope']) {
      const res = await t.app.inject({ method: 'GET', url, headers: { cookie: viewer.cookie } });
      expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-frame-options']).toBe('DENY');
      if (url.startsWith('/api/')) expect(res.headers['cache-control']).toBe('no-store');
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
  });
});
