/**
 * Sign-in through identity providers: which ways to sign in exist (/auth/providers), OpenID Connect
 * (/auth/oidc/login → the provider → /auth/oidc/callback), LDAP (/auth/ldap/login), and signing out with the
 * provider too (/auth/end-session). Thin: the protocol lives in src/auth/oidc and src/auth/ldap, the account
 * and session decisions in src/auth/external-login.ts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CustomFetch } from 'openid-client';
import { z } from 'zod';
import type { Security } from '../../auth/context.js';
import type { Config } from '../../config/config.js';
import type { Store } from '../../store/index.js';
import { clearSessionCookie, readCookie, setSessionCookie } from '../../auth/cookies.js';
import { signInExternal, SignInRefused, sourceOf } from '../../auth/external-login.js';
import { LdapBadCredentials, LdapClient, LdapUnavailable, ldapSettingsFrom } from '../../auth/ldap/client.js';
import { OidcClient, OidcFailure, oidcSettingsFrom, PENDING_TTL_SECONDS } from '../../auth/oidc/client.js';
import { LoginRefused } from '../../auth/service.js';
import { parse } from '../../auth/validate.js';
import { authLogins } from '../../metrics/registry.js';
import { ApiError, notFound } from '../../errors.js';
import { noBody } from '../schemas.js';
import { checkedOnly } from '../validation.js';
import { meUser, requestMeta, secureCookie } from './auth.js';

/** Holds the `state` between the redirect to the provider and its callback; only the callback path sees it. */
const STATE_COOKIE = 'knm_oidc';
const STATE_COOKIE_PATH = '/api/v1/auth/oidc';

/**
 * What an identity provider sends back (RFC 6749 4.1.2, OpenID Connect's `iss`); a provider may add more, so
 * other parameters pass. The handler reads them from the URL as the client library wants them.
 */
const providerParam = z.string().max(4096).optional();
const callbackQuery = z.looseObject({
  code: providerParam,
  state: providerParam,
  iss: providerParam,
  error: providerParam,
  error_description: providerParam,
});

const ldapLoginSchema = z.object({
  username: z.string().trim().toLowerCase().min(1).max(200),
  password: z.string().max(4096),
});

export interface SignInRouteOptions {
  config: Config;
  store: Pick<Store, 'db'>;
  security: Security;
  /** Test seam for the OpenID Connect client's HTTP requests (discovery, JWKS, token endpoint). */
  oidcFetch?: CustomFetch;
}

function stateCookie(value: string, maxAge: number, secure: boolean): string {
  // Lax, not Strict: the provider's redirect back to us is a cross-site navigation that must carry it.
  const parts = [
    `${STATE_COOKIE}=${value}`,
    `Path=${STATE_COOKIE_PATH}`,
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${maxAge}`,
  ];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

/**
 * The callback answers with a page that moves on by itself rather than a redirect: the session cookie is
 * SameSite=Strict, and a browser does not send it on a redirect chain that began at another site, so the
 * console would load signed out. A navigation started by our own page is same-site.
 */
function continuePage(reply: FastifyReply, target: string) {
  const safe = target.replace(/[^A-Za-z0-9/#?=&_.-]/g, '');
  return reply
    .code(200)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(
      `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${safe}">` +
        `<title>Kube Node Manager</title><p><a href="${safe}">Continue</a></p>`,
    );
}

export async function signInRoutes(app: FastifyInstance, opts: SignInRouteOptions): Promise<void> {
  const { config } = opts;
  const { auth } = opts.security;
  const db = opts.store.db;
  const oidcSettings = oidcSettingsFrom(config);
  const oidc = oidcSettings
    ? new OidcClient(oidcSettings, { db, now: auth.now, fetch: opts.oidcFetch })
    : null;
  const ldapSettings = ldapSettingsFrom(config);
  const ldap = ldapSettings ? new LdapClient(ldapSettings) : null;

  const baseUrl = (req: FastifyRequest) =>
    oidcSettings?.redirectBaseUrl ||
    `${req.protocol}://${req.headers.host ?? `${config.host}:${config.port}`}`;

  app.get('/api/v1/auth/providers', { config: { policy: { public: true } } }, async () => ({
    local: config.localLogin,
    oidc: oidcSettings ? { name: oidcSettings.name } : null,
    ldap: ldap !== null,
  }));

  app.get('/api/v1/auth/oidc/login', { config: { policy: { public: true } } }, async (req, reply) => {
    if (!oidc) throw notFound('OpenID Connect sign-in is not configured');
    let started: { url: string; state: string };
    try {
      started = await oidc.begin(baseUrl(req));
    } catch (e) {
      if (!(e instanceof OidcFailure)) throw e;
      req.log.warn({ err: e.reason }, 'OpenID Connect sign-in could not start');
      throw new ApiError(
        503,
        'ProviderUnavailable',
        'the identity provider cannot be reached; try again later',
      );
    }
    reply.header('set-cookie', stateCookie(started.state, PENDING_TTL_SECONDS, secureCookie(req, config)));
    return reply.code(302).header('cache-control', 'no-store').redirect(started.url);
  });

  app.get(
    '/api/v1/auth/oidc/callback',
    { config: { policy: { public: true } }, schema: { querystring: callbackQuery } },
    async (req, reply) => {
      if (!oidc) throw notFound('OpenID Connect sign-in is not configured');
      const secure = secureCookie(req, config);
      const query = new URLSearchParams(req.url.split('?')[1] ?? '');
      const browserState = readCookie(req.headers.cookie, STATE_COOKIE);
      const cookies = [stateCookie('', 0, secure)];
      const m = requestMeta(req);
      try {
        const identity = await oidc.finish(query, browserState);
        const { session } = await signInExternal(auth, db, oidc.settings.mapping, identity, m);
        setSessionCookie(reply, session.sessionId, session.maxAgeSeconds, secure);
        cookies.push(String(reply.getHeader('set-cookie')));
        reply.header('set-cookie', cookies);
        return continuePage(reply, '/');
      } catch (e) {
        let code = 'SignInFailed';
        if (e instanceof SignInRefused) code = e.code;
        else if (e instanceof OidcFailure) {
          authLogins.inc({ result: 'failure' });
          req.log.warn({ err: e.reason, kind: e.kind }, 'OpenID Connect sign-in refused');
          await auth.record({
            user: null,
            ip: m.ip,
            requestId: m.requestId,
            action: 'auth.login',
            outcome: 'failure',
            status: 401,
            message: e.reason,
            params: { source: 'oidc' },
          });
          if (e.kind === 'provider' && !query.get('error')) code = 'ProviderUnavailable';
        } else throw e;
        reply.header('set-cookie', cookies);
        return continuePage(reply, `/#/?signInError=${code}`);
      }
    },
  );

  app.post(
    '/api/v1/auth/ldap/login',
    // A body failing its schema reaches the handler, so "not configured" (404) is still answered first.
    {
      config: { policy: { public: true }, audit: false },
      schema: { body: checkedOnly(ldapLoginSchema) },
      attachValidation: true,
    },
    async (req, reply) => {
      if (!ldap) throw notFound('LDAP sign-in is not configured');
      const { username, password } = parse(ldapLoginSchema, req.body);
      const m = requestMeta(req);
      const base = { ip: m.ip, requestId: m.requestId, action: 'auth.login' };
      // The same throttle as local sign-in: a directory must not become an unthrottled password oracle.
      const delayMs = await auth.throttle.delayFor(m.ip);
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      const lock = await auth.throttle.locked(username);
      if (lock) {
        authLogins.inc({ result: 'locked' });
        reply.header('retry-after', String(lock.retryAfterSeconds));
        await auth.record({
          ...base,
          user: null,
          outcome: 'denied',
          status: 429,
          message: 'sign-in refused: locked',
          params: { source: 'ldap' },
        });
        throw new LoginRefused(429, lock.retryAfterSeconds);
      }
      let identity;
      try {
        identity = await ldap.authenticate(username, password);
      } catch (e) {
        if (e instanceof LdapBadCredentials) {
          authLogins.inc({ result: 'failure' });
          await auth.throttle.fail(username, m.ip);
          await auth.record({
            ...base,
            user: null,
            outcome: 'failure',
            status: 401,
            message: e.reason,
            params: { source: 'ldap' },
          });
          throw new LoginRefused(401);
        }
        if (e instanceof LdapUnavailable) {
          req.log.error({ err: e.message }, 'LDAP sign-in failed');
          await auth.record({
            ...base,
            user: null,
            outcome: 'failure',
            status: 503,
            message: 'directory unavailable',
            params: { source: 'ldap' },
          });
          throw new ApiError(503, 'ProviderUnavailable', 'the directory cannot be reached; try again later');
        }
        throw e;
      }
      await auth.throttle.succeed(username);
      const { user, session } = await signInExternal(auth, db, ldap.settings.mapping, identity, m);
      setSessionCookie(reply, session.sessionId, session.maxAgeSeconds, secureCookie(req, config));
      return { user: meUser(user), csrfToken: session.csrfToken };
    },
  );

  app.post(
    '/api/v1/auth/end-session',
    { config: { policy: { role: 'viewer' }, audit: false }, schema: { body: noBody } },
    async (req, reply) => {
      const user = req.user!;
      const row = await auth.users.getRow(user.id);
      await auth.logout(user, requestMeta(req));
      clearSessionCookie(reply, secureCookie(req, config));
      const viaProvider = oidc && row && sourceOf(row) === 'oidc' && user.via === 'session';
      return { redirectTo: viaProvider ? await oidc.endSessionUrl(`${baseUrl(req)}/`) : null };
    },
  );
}
