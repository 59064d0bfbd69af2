/**
 * Route-policy enforcement. Every request to a route that declares `config.policy` is authenticated (session
 * cookie or bearer token) and checked against the policy's role and cluster before its body is even parsed;
 * an /api route without a policy answers 500, so a forgotten declaration fails closed and loudly.
 * Call `registerAuth` on the root instance before any route is registered.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { canSeeCluster, roleAtLeast } from './identity.js';
import { type RoutePolicy } from '../api/policy.js';
import { auditMutation, refusedBeforeHandler } from '../audit/hook.js';
import { startRetention } from '../audit/retention.js';
import { ensureFirstAdmin } from './bootstrap.js';
import { registerSecurityHeaders } from './headers.js';
import { securityFor, type SecurityContext, type SecurityOverrides } from './context.js';
import { authRefusals } from '../metrics/registry.js';
import { AuthService } from './service.js';
import { checkOrigin } from './upgrade.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const MAINTENANCE_INTERVAL_MS = 10 * 60_000;

export interface RegisteredRoute {
  method: string;
  url: string;
  policy?: RoutePolicy;
  audit?: boolean;
  websocket: boolean;
}

const routesByApp = new WeakMap<FastifyInstance, RegisteredRoute[]>();
const csrfByRequest = new WeakMap<FastifyRequest, string>();

/** Every route registered after registerAuth, as declared (for the route-policy test and diagnostics). */
export function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  return [...(routesByApp.get(app) ?? [])];
}

/** The CSRF token of the cookie session that authenticated this request (for /me and login answers). */
export function csrfTokenOf(request: FastifyRequest): string | undefined {
  return csrfByRequest.get(request);
}

function deny(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ error: { code, message } });
}

export function registerAuth(
  app: FastifyInstance,
  ctx: SecurityContext,
  overrides: SecurityOverrides = {},
): void {
  const sec = securityFor(ctx, overrides);
  const { auth, audit } = sec;
  if (!app.hasDecorator('knmSecurity')) app.decorate('knmSecurity', sec);
  registerSecurityHeaders(app);

  const routes: RegisteredRoute[] = [];
  routesByApp.set(app, routes);
  app.addHook('onRoute', (opts: RouteOptions) => {
    const methods = Array.isArray(opts.method) ? opts.method : [opts.method];
    const config = (opts.config ?? {}) as { policy?: RoutePolicy; audit?: boolean };
    for (const method of methods) {
      routes.push({
        method: String(method).toUpperCase(),
        url: opts.url,
        policy: config.policy,
        audit: config.audit,
        websocket: Boolean((opts as { websocket?: boolean }).websocket),
      });
    }
    if (!config.policy && (opts.url ?? '').startsWith('/api/')) {
      ctx.log.error(
        { route: opts.url, method: opts.method },
        'route has no access policy; it will answer 500',
      );
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    // Refusals count for the metrics and logs like any answer; record 403s on reads here (mutations are
    // recorded by the mutation audit hook). 401 on reads is not recorded: expired browser sessions polling
    // would drown the log, and nothing was attempted.
    if (refusedBeforeHandler.has(request) && SAFE_METHODS.has(request.method) && reply.statusCode === 403) {
      await auth.record({
        user: request.user?.username ?? null,
        ip: request.ip,
        requestId: String(request.id),
        action: `${request.method} ${request.routeOptions.url}`,
        cluster: clusterOf(request) ?? null,
        outcome: 'denied',
        status: 403,
        message: 'refused by route policy',
      });
    }
    return payload;
  });

  app.addHook('onRequest', async (request, reply) => {
    const url = request.routeOptions.url;
    // Unmatched requests go to the not-found handler, which needs no policy.
    if (url === undefined) return;
    const policy = request.routeOptions.config.policy;
    if (!policy) {
      if (!url.startsWith('/api/')) return;
      request.log.error({ route: url }, 'route has no access policy');
      return deny(reply, 500, 'PolicyMissing', 'this route declares no access policy');
    }
    if ('public' in policy) return;

    const isUpgrade = request.headers.upgrade?.toLowerCase() === 'websocket';
    const refuse = (status: number, code: string, message: string) => {
      refusedBeforeHandler.add(request);
      authRefusals.inc({ code });
      request.log.info({ route: url, code, user: request.user?.username }, 'request refused');
      if (isUpgrade) {
        // A refused upgrade's socket belongs to no HTTP connection pool: nothing would ever close it.
        reply.header('connection', 'close');
        reply.raw.once('finish', () => request.raw.socket?.destroy());
      }
      return deny(reply, status, code, message);
    };

    // A WebSocket opened from another site would carry our cookie; only our own (or configured) origins may.
    if (isUpgrade && !checkOrigin(request, ctx.config)) {
      return refuse(403, 'OriginRefused', 'this origin may not open a WebSocket here');
    }
    const a = await auth.authenticate(request.headers);
    if (!a.ok)
      return refuse(401, 'Unauthenticated', 'sign in first (session expired or credentials invalid)');
    request.user = a.user;
    if (a.csrfToken) csrfByRequest.set(request, a.csrfToken);

    if (a.user.via === 'session' && !SAFE_METHODS.has(request.method)) {
      if (!AuthService.csrfOk(a.csrfToken, request.headers['x-csrf-token'])) {
        return refuse(403, 'CsrfFailed', 'missing or wrong X-CSRF-Token header');
      }
    }
    if (!roleAtLeast(a.user.role, policy.role)) {
      return refuse(403, 'Forbidden', `this needs the ${policy.role} role`);
    }
    if (policy.clusterParam) {
      const cluster = (request.params as Record<string, unknown>)[policy.clusterParam];
      if (typeof cluster === 'string' && !canSeeCluster(a.user, cluster)) {
        return refuse(403, 'Forbidden', `no access to cluster "${cluster}"`);
      }
    }
  });

  auditMutation(app, { audit, log: ctx.log });

  let retention: { stop(): void } | undefined;
  let maintenance: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    await ensureFirstAdmin(auth, ctx.config, ctx.log, overrides.print);
    await auth.warmUp();
    if (!ctx.retentionElsewhere) retention = startRetention(audit, ctx.config.auditRetentionDays, ctx.log);
    const tidy = () =>
      auth.maintenance().catch((err: unknown) => ctx.log.warn({ err }, 'session housekeeping failed'));
    void tidy();
    maintenance = setInterval(tidy, MAINTENANCE_INTERVAL_MS);
    maintenance.unref();
  });
  app.addHook('onClose', async () => {
    retention?.stop();
    if (maintenance) clearInterval(maintenance);
  });
}

function clusterOf(request: FastifyRequest): string | undefined {
  const policy = request.routeOptions.config.policy;
  const name = policy && 'role' in policy ? (policy.clusterParam ?? 'cluster') : 'cluster';
  const v = (request.params as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : undefined;
}
