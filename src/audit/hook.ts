/**
 * Generic audit of every mutating API request: who, what route, which cluster and node, sanitized parameters,
 * outcome. Routes whose handler records a richer entry itself (per-node results, logins) set
 * `config: { audit: false }`; requests the auth layer refused are recorded here even then, since their
 * handler never ran.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from '../log/logger.js';
import type { AuditLog, AuditOutcome } from './log.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: the handler writes its own audit entry. */
    audit?: boolean;
    /** Action name for the generic entry (default `METHOD /route/:pattern`), e.g. `node.cordon`. */
    auditAction?: string;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Requests refused before their handler ran; set by the auth layer. */
export const refusedBeforeHandler = new WeakSet<FastifyRequest>();

const installed = new WeakSet<FastifyInstance>();

export function outcomeOf(status: number): AuditOutcome {
  if (status < 400) return 'success';
  if (status === 401 || status === 403) return 'denied';
  return 'failure';
}

function errorMessage(payload: unknown): string | undefined {
  if (typeof payload !== 'string' || payload.length > 64 * 1024) return undefined;
  try {
    const v = JSON.parse(payload) as { error?: { message?: unknown } };
    return typeof v?.error?.message === 'string' ? v.error.message : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Installs the hook on the root instance (idempotent). It runs in onSend, before the answer leaves, so a client
 * that has its answer can already read the entry.
 */
export function auditMutation(app: FastifyInstance, ctx: { audit: AuditLog; log: Logger }): void {
  if (installed.has(app)) return;
  installed.add(app);
  app.addHook('onSend', async (request, reply, payload) => {
    if (SAFE_METHODS.has(request.method)) return payload;
    const route = request.routeOptions.url;
    if (route === undefined || !route.startsWith('/api/')) return payload;
    const config = request.routeOptions.config;
    if (config.audit === false && !refusedBeforeHandler.has(request)) return payload;

    const params = (request.params ?? {}) as Record<string, unknown>;
    const policy = config.policy;
    const clusterParam = policy && 'role' in policy ? policy.clusterParam : undefined;
    const cluster = params[clusterParam ?? 'cluster'];
    const node = route.includes('/nodes/:name') ? params.name : undefined;
    const status = reply.statusCode;
    try {
      await ctx.audit.record({
        user: request.user?.username ?? null,
        ip: request.ip,
        requestId: String(request.id),
        action: config.auditAction ?? `${request.method} ${route}`,
        cluster: typeof cluster === 'string' ? cluster : null,
        nodes: typeof node === 'string' ? [node] : undefined,
        params: {
          params,
          query: request.query,
          body: refusedBeforeHandler.has(request) ? undefined : request.body,
        },
        outcome: outcomeOf(status),
        status,
        message: status >= 400 ? errorMessage(payload) : undefined,
      });
    } catch (err) {
      ctx.log.error({ err, route }, 'audit record failed');
    }
    return payload;
  });
}
