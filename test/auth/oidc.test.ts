// OpenID Connect sign-in against a real provider (oidc-provider on a loopback port): the code flow with PKCE,
// state and nonce, ID-token checks (issuer, audience, expiry, signature) done by openid-client, replayed and
// foreign state, groups mapped to roles at every sign-in, refusals that end sessions, and RP-initiated logout.
import { decodeJwt, generateKeyPair, importJWK, SignJWT, type JWTPayload } from 'jose';
import type { CustomFetch } from 'openid-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signInRoutes } from '../../src/api/routes/sign-in.js';
import { MAX_PENDING } from '../../src/auth/oidc/client.js';
import {
  ADMIN_PASSWORD,
  asSession,
  auditEntries,
  cookieFrom,
  createUser,
  dialects,
  login,
  signIn,
  startTestApp,
  type TestApp,
} from './harness.js';
import { authorize, startIdp, type TestIdp } from './oidc-idp.js';

const BASE = 'http://127.0.0.1:8080';
const CALLBACK = `${BASE}/api/v1/auth/oidc/callback`;

let idp: TestIdp;
/** When set, rewrites the ID token the provider's token endpoint returns (a forged or altered answer). */
let tamper: ((claims: JWTPayload) => Promise<string>) | undefined;

const oidcFetch: CustomFetch = async (url, options) => {
  const res = await fetch(url, options as RequestInit);
  if (!tamper || !url.endsWith('/token')) return res;
  const body = (await res.json()) as { id_token?: string };
  if (body.id_token) body.id_token = await tamper(decodeJwt(body.id_token));
  return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
};

async function signAsProvider(claims: JWTPayload, key = idp.signingKey) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: idp.signingKey.kid! })
    .sign(await importJWK(key, 'RS256'));
}

beforeAll(async () => {
  idp = await startIdp({
    redirectBases: [BASE],
    users: {
      alice: { username: 'alice', groups: ['platform-admins'] },
      bob: { username: 'bob', groups: ['team-a', 'unrelated'] },
      nogroups: { username: 'nogroups' },
      outsider: { username: 'outsider', groups: ['marketing'] },
      badname: { username: 'Not A Valid Name!', groups: ['platform-admins'] },
      admin: { username: 'admin', groups: ['platform-admins'] },
    },
  });
});
afterAll(async () => {
  await idp.close();
});

function oidcEnv(extra: Record<string, string> = {}) {
  return {
    KNM_OIDC_ISSUER: idp.issuer,
    KNM_OIDC_CLIENT_ID: idp.clientId,
    KNM_OIDC_CLIENT_SECRET: idp.clientSecret,
    KNM_OIDC_SCOPES: 'openid profile groups',
    KNM_OIDC_REDIRECT_BASE_URL: BASE,
    KNM_OIDC_GROUP_ROLES: 'platform-admins=admin;team-a=operator:prod-a,staging-a;team-b=viewer',
    KNM_OIDC_DEFAULT_ROLE: 'none',
    ...extra,
  };
}

let t: TestApp;

/** Starts a sign-in at the console, signs in at the provider as `who`, and answers the callback request. */
async function startAndAuthorize(who: string) {
  const start = await t.app.inject({ method: 'GET', url: '/api/v1/auth/oidc/login' });
  expect(start.statusCode).toBe(302);
  const stateCookie = cookieFrom(start)!;
  expect(stateCookie).toMatch(/^knm_oidc=/);
  expect(String(start.headers['set-cookie'])).toContain('SameSite=Lax');
  const location = String(start.headers.location);
  const auth = new URL(location);
  expect(auth.origin).toBe(idp.issuer);
  expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
  expect(auth.searchParams.get('nonce')).toBeTruthy();
  expect(auth.searchParams.get('redirect_uri')).toBe(CALLBACK);
  const back = await authorize(location, who, CALLBACK);
  return { stateCookie, back };
}

async function callback(back: URL, cookie: string) {
  return t.app.inject({ method: 'GET', url: back.pathname + back.search, headers: { cookie } });
}

/** The whole flow; answers the callback response and, when one was made, the session cookie. */
async function oidcSignIn(who: string) {
  const { stateCookie, back } = await startAndAuthorize(who);
  const res = await callback(back, stateCookie);
  const setCookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const session = setCookies.find((c) => c.startsWith('knm_session=') && !c.includes('Max-Age=0'));
  return { res, session: session?.split(';')[0], back, stateCookie };
}

function errorCodeOf(res: { body: string }) {
  return /signInError=([A-Za-z]+)/.exec(res.body)?.[1];
}

async function me(cookie: string) {
  return t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
}

describe.each(dialects)('OpenID Connect sign-in on $name', (dialect) => {
  beforeEach(async () => {
    tamper = undefined;
    t = await startTestApp({
      env: oidcEnv(),
      dialect,
      modules: [(a, s) => a.register(signInRoutes, { ...s, oidcFetch })],
    });
  });
  afterEach(async () => {
    await t.close();
  });

  it('lists the provider for the login page', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/auth/providers' });
    expect(res.json()).toEqual({ local: true, oidc: { name: 'OpenID Connect' }, ldap: false });
  });

  it('signs in through the provider: admin from the group, session of our own, source and groups audited', async () => {
    const { res, session } = await oidcSignIn('alice');
    expect(res.statusCode).toBe(200);
    // The page moves on by itself (the Strict session cookie would not ride a cross-site redirect chain).
    expect(res.body).toContain('http-equiv="refresh"');
    expect(errorCodeOf(res)).toBeUndefined();
    expect(session).toMatch(/^knm_session=/);
    const who = await me(session!);
    expect(who.statusCode).toBe(200);
    expect(who.json().user).toMatchObject({ username: 'alice', role: 'admin', clusters: null });

    const row = await t.sec.auth.users.getRowByUsername('alice');
    expect(row?.source).toBe('oidc');
    // Kept for clusters that act as the signed-in user (sent as Impersonate-Group).
    expect(JSON.parse(row!.groups!)).toEqual(['platform-admins']);
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: { cookie: session! } });
    const sources = Object.fromEntries(
      (list.json().items as { username: string; source: string }[]).map((u) => [u.username, u.source]),
    );
    expect(sources).toEqual({ admin: 'local', alice: 'oidc' });
    const [entry] = await auditEntries(t, { operation: 'auth.login' });
    expect(entry).toMatchObject({ user: 'alice', outcome: 'success' });
    expect(entry!.params).toMatchObject({
      source: 'oidc',
      groups: ['platform-admins'],
      role: 'admin',
      created: true,
    });
    // The pending sign-in is gone once used.
    expect(await t.store.db.selectFrom('oidc_logins').selectAll().execute()).toEqual([]);
  });

  it('maps a group to an operator on its clusters only', async () => {
    const { session } = await oidcSignIn('bob');
    const who = await me(session!);
    expect(who.json().user).toMatchObject({
      username: 'bob',
      role: 'operator',
      clusters: ['prod-a', 'staging-a'],
    });
    const cordon = await t.app.inject({
      method: 'POST',
      url: '/api/v1/probe/clusters/prod-b/nodes/n1/cordon',
      headers: { cookie: session!, 'x-csrf-token': who.json().csrfToken },
    });
    expect(cordon.statusCode).toBe(403);
  });

  it('recomputes the role at every sign-in, and a user whose groups grant nothing is refused and signed out everywhere', async () => {
    idp.users.set('carol', { username: 'carol', groups: ['platform-admins'] });
    const first = await oidcSignIn('carol');
    expect((await me(first.session!)).json().user.role).toBe('admin');

    idp.users.set('carol', { username: 'carol', groups: ['team-b'] });
    const second = await oidcSignIn('carol');
    expect((await me(second.session!)).json().user).toMatchObject({ role: 'viewer', clusters: null });
    // The earlier session follows the account: no longer an admin either.
    expect((await me(first.session!)).json().user.role).toBe('viewer');

    idp.users.set('carol', { username: 'carol', groups: ['marketing'] });
    const third = await oidcSignIn('carol');
    expect(third.session).toBeUndefined();
    expect(errorCodeOf(third.res)).toBe('NoAccess');
    expect((await me(first.session!)).statusCode).toBe(401);
    expect((await me(second.session!)).statusCode).toBe(401);
    const refused = (await auditEntries(t, { operation: 'auth.login' })).find((e) => e.outcome === 'denied');
    expect(refused).toMatchObject({ user: 'carol', status: 403 });
    expect(refused!.params).toMatchObject({ source: 'oidc', groups: ['marketing'], sessionsEnded: 2 });
  });

  it('refuses a user without a groups claim (default: no access)', async () => {
    const { res, session } = await oidcSignIn('nogroups');
    expect(session).toBeUndefined();
    expect(errorCodeOf(res)).toBe('NoAccess');
    const [entry] = await auditEntries(t, { operation: 'auth.login' });
    expect(entry).toMatchObject({ outcome: 'denied', user: 'nogroups' });
    expect(entry!.params).toMatchObject({ groupsMissing: true, groups: [] });
    expect(await t.sec.auth.users.getRowByUsername('nogroups')).toBeUndefined();
  });

  it('gives the configured default to users whose groups match no rule', async () => {
    await t.close();
    t = await startTestApp({
      env: oidcEnv({ KNM_OIDC_DEFAULT_ROLE: 'viewer:prod-a' }),
      dialect,
      modules: [(a, s) => a.register(signInRoutes, { ...s, oidcFetch })],
    });
    const { session } = await oidcSignIn('outsider');
    expect((await me(session!)).json().user).toMatchObject({ role: 'viewer', clusters: ['prod-a'] });
  });

  it('refuses a username claim that is not a valid user name', async () => {
    const { res, session } = await oidcSignIn('badname');
    expect(session).toBeUndefined();
    expect(errorCodeOf(res)).toBe('InvalidUsername');
  });

  it('never takes over a local account of the same name', async () => {
    const { res, session } = await oidcSignIn('admin');
    expect(session).toBeUndefined();
    expect(errorCodeOf(res)).toBe('AccountConflict');
    expect((await t.sec.auth.users.getRowByUsername('admin'))?.source).toBe('local');
  });

  it('refuses a replayed callback (the state is used up) and a callback started in another browser', async () => {
    const { back, stateCookie, session } = await oidcSignIn('alice');
    expect(session).toBeTruthy();
    const replay = await callback(back, stateCookie);
    expect(errorCodeOf(replay)).toBe('SignInFailed');
    expect(String(replay.headers['set-cookie'])).not.toMatch(/knm_session=[A-Za-z0-9_-]{20,}/);

    const other = await startAndAuthorize('alice');
    const foreign = await t.app.inject({ method: 'GET', url: '/api/v1/auth/oidc/login' });
    const res = await callback(other.back, cookieFrom(foreign)!);
    expect(errorCodeOf(res)).toBe('SignInFailed');
    const failures = (await auditEntries(t, { operation: 'auth.login' })).filter(
      (e) => e.outcome === 'failure',
    );
    expect(failures.map((e) => e.message)).toEqual([
      'the callback state does not belong to this browser',
      'unknown, expired or already used sign-in state',
    ]);
  });

  it('refuses a sign-in that took longer than the pending state lives', async () => {
    const { stateCookie, back } = await startAndAuthorize('alice');
    t.clock.advance(11 * 60_000);
    const res = await callback(back, stateCookie);
    expect(errorCodeOf(res)).toBe('SignInFailed');
  });

  it('stops starting sign-ins when a flood has filled the pending table, until they expire', async () => {
    const at = new Date(t.clock.now()).toISOString();
    const expires = new Date(t.clock.now() + 60_000).toISOString();
    const rows = Array.from({ length: MAX_PENDING }, (_, i) => ({
      state_hash: `flood-${i}`,
      nonce: 'n',
      code_verifier: 'v',
      redirect_uri: CALLBACK,
      created_at: at,
      expires_at: expires,
    }));
    for (let i = 0; i < rows.length; i += 500) {
      await t.store.db
        .insertInto('oidc_logins')
        .values(rows.slice(i, i + 500))
        .execute();
    }
    const refused = await t.app.inject({ method: 'GET', url: '/api/v1/auth/oidc/login' });
    expect(refused.statusCode).toBe(503);
    t.clock.advance(61_000);
    const started = await t.app.inject({ method: 'GET', url: '/api/v1/auth/oidc/login' });
    expect(started.statusCode).toBe(302);
    const left = await t.store.db.selectFrom('oidc_logins').select('state_hash').execute();
    expect(left).toHaveLength(1);
  });

  describe('ID token checks (openid-client against the provider’s JWKS)', () => {
    const cases: [string, (c: JWTPayload) => Promise<string>, RegExp][] = [
      ['a wrong issuer', (c) => signAsProvider({ ...c, iss: 'http://127.0.0.1:1/other' }), /"iss"/],
      ['a wrong audience', (c) => signAsProvider({ ...c, aud: 'some-other-client' }), /"aud"/],
      [
        'an expired token',
        (c) => {
          const now = Math.floor(Date.now() / 1000);
          return signAsProvider({ ...c, iat: now - 7200, exp: now - 3600 });
        },
        /"exp"|expired|timestamp/,
      ],
      [
        'a bad signature',
        async (c) => {
          const { privateKey } = await generateKeyPair('RS256', { extractable: true });
          return new SignJWT(c)
            .setProtectedHeader({ alg: 'RS256', kid: idp.signingKey.kid! })
            .sign(privateKey);
        },
        /signature/,
      ],
    ];
    it.each(cases)('refuses %s', async (_what, forge, reason) => {
      tamper = forge;
      const { res, session } = await oidcSignIn('alice');
      expect(session).toBeUndefined();
      expect(errorCodeOf(res)).toBe('SignInFailed');
      expect(await t.sec.auth.users.getRowByUsername('alice')).toBeUndefined();
      const [entry] = await auditEntries(t, { operation: 'auth.login' });
      expect(entry).toMatchObject({ outcome: 'failure', user: null });
      expect(entry!.message).toMatch(reason);
    });

    it('accepts a token re-signed with the provider’s own key unchanged (the forgery above is the only difference)', async () => {
      tamper = (c) => signAsProvider(c);
      const { session } = await oidcSignIn('alice');
      expect(session).toBeTruthy();
    });
  });

  it('logs out of our session and sends the browser to the provider’s end-session endpoint', async () => {
    const { session } = await oidcSignIn('alice');
    const csrf = (await me(session!)).json().csrfToken;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/end-session',
      headers: { cookie: session!, 'x-csrf-token': csrf },
    });
    expect(res.statusCode).toBe(200);
    const to = new URL(res.json().redirectTo);
    expect(to.origin).toBe(idp.issuer);
    expect(to.searchParams.get('post_logout_redirect_uri')).toBe(`${BASE}/`);
    expect(to.searchParams.get('client_id')).toBe(idp.clientId);
    expect((await me(session!)).statusCode).toBe(401);
    // The provider knows the page and the redirect (a registered post-logout URI).
    const page = await fetch(to, { redirect: 'manual' });
    expect(page.status).toBe(200);
  });

  it('logs a local user out without a provider redirect', async () => {
    const s = await signIn(t.app, 'admin', ADMIN_PASSWORD);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/end-session',
      headers: asSession(s),
    });
    expect(res.json()).toEqual({ redirectTo: null });
    expect((await me(s.cookie)).statusCode).toBe(401);
  });

  it('never lets a provider account sign in with a local password', async () => {
    await oidcSignIn('bob');
    const admin = await signIn(t.app, 'admin', ADMIN_PASSWORD);
    expect(admin.user.role).toBe('admin');
    const res = await login(t.app, 'bob', '!external');
    expect(res.statusCode).toBe(401);
    // Nor can an admin give it one: it would sign in past the provider and its groups.
    const bob = await t.sec.auth.users.getRowByUsername('bob');
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${bob!.id}`,
      headers: asSession(admin),
      payload: { password: 'a-brand-new-password-1' },
    });
    expect(patch.statusCode).toBe(400);
    expect(patch.json().error.field).toBe('password');
    expect((await login(t.app, 'bob', 'a-brand-new-password-1')).statusCode).toBe(401);
  });

  it('turns local sign-in off when told to, providers still work', async () => {
    await t.close();
    t = await startTestApp({
      env: oidcEnv({ KNM_LOCAL_LOGIN: 'false' }),
      modules: [(a, s) => a.register(signInRoutes, { ...s, oidcFetch })],
    });
    const res = await login(t.app, 'admin', ADMIN_PASSWORD);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('LocalLoginDisabled');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/providers' })).json().local).toBe(false);
    const { session } = await oidcSignIn('alice');
    expect(session).toBeTruthy();
  });

  it('keeps a local account usable next to the provider (break-glass)', async () => {
    const admin = await signIn(t.app, 'admin', ADMIN_PASSWORD);
    const u = await createUser(t, admin, 'ops-local', 'operator');
    expect((await login(t.app, 'ops-local', u.password)).statusCode).toBe(200);
  });
});
