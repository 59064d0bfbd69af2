/**
 * Sign-in, sign-out and the caller's own account: /auth/login, /auth/logout, /me, /me/password.
 * Thin: validation and decisions live in src/auth; these handlers map them to cookies and JSON.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../../errors.js';
import type { MeUser } from '../../auth/user-types.js';
import type { Security } from '../../auth/context.js';
import type { Config } from '../../config/config.js';
import { clearSessionCookie, setSessionCookie } from '../../auth/cookies.js';
import { csrfTokenOf } from '../../auth/plugin.js';
import { LoginRefused, loginSchema, passwordChangeSchema, type RequestMeta } from '../../auth/service.js';
import { noBody } from '../schemas.js';
import { checkedOnly } from '../validation.js';

export type { MeUser };

export function meUser(u: MeUser): MeUser {
  return {
    id: u.id,
    username: u.username,
    role: u.role,
    clusters: u.clusters,
    canOverrideGuard: u.canOverrideGuard,
    canOverrideSystemLabels: u.canOverrideSystemLabels,
    canDisableEviction: u.canDisableEviction === true,
  };
}

export function requestMeta(req: FastifyRequest): RequestMeta {
  return { ip: req.ip, requestId: String(req.id), user: req.user };
}

export function secureCookie(req: FastifyRequest, config: Pick<Config, 'secureCookies'>): boolean {
  return config.secureCookies || req.protocol === 'https';
}

export interface AccountRouteOptions {
  security: Security;
  config: Config;
}

export async function authRoutes(
  app: FastifyInstance,
  { security, config }: AccountRouteOptions,
): Promise<void> {
  const { auth } = security;

  app.post(
    '/api/v1/auth/login',
    // The service parses the body itself (trimming and lower-casing the name); the schema checks its shape.
    { config: { policy: { public: true }, audit: false }, schema: { body: checkedOnly(loginSchema) } },
    async (req, reply) => {
      // Break-glass: turning KNM_LOCAL_LOGIN back on (and restarting) reopens local sign-in.
      if (!config.localLogin) {
        throw new ApiError(
          403,
          'LocalLoginDisabled',
          'local accounts are disabled; sign in with your identity provider',
        );
      }
      try {
        const { user, session } = await auth.login(req.body, requestMeta(req));
        setSessionCookie(reply, session.sessionId, session.maxAgeSeconds, secureCookie(req, config));
        return { user: meUser(user), csrfToken: session.csrfToken };
      } catch (e) {
        if (e instanceof LoginRefused && e.retryAfterSeconds)
          reply.header('retry-after', String(e.retryAfterSeconds));
        throw e;
      }
    },
  );

  app.post(
    '/api/v1/auth/logout',
    { config: { policy: { role: 'viewer' }, audit: false }, schema: { body: noBody } },
    async (req, reply) => {
      await auth.logout(req.user!, requestMeta(req));
      clearSessionCookie(reply, secureCookie(req, config));
      return reply.code(204).send();
    },
  );

  app.get('/api/v1/me', { config: { policy: { role: 'viewer' } } }, async (req) => ({
    user: meUser(req.user!),
    // Token callers have no session and need no CSRF token.
    csrfToken: csrfTokenOf(req) ?? null,
  }));

  app.post(
    '/api/v1/me/password',
    {
      config: { policy: { role: 'viewer' }, audit: false },
      schema: { body: checkedOnly(passwordChangeSchema) },
    },
    async (req, reply) => {
      await auth.changeOwnPassword(req.user!, req.body, requestMeta(req));
      return reply.code(204).send();
    },
  );
}
