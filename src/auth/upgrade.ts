/**
 * WebSocket admission: the upgrade request's Origin must be this server (or a configured origin), and the
 * caller must hold a live session or token. Per-cluster subscriptions are checked by the realtime hub with
 * `canSeeCluster` from auth/identity.ts.
 */
import type { FastifyRequest } from 'fastify';
import type { AuthUser } from './identity.js';
import type { Config } from '../config/config.js';
import { securityOf } from './context.js';

export function allowedOriginList(config: Pick<Config, 'allowedOrigins'>): string[] {
  return config.allowedOrigins
    .split(',')
    .map((s) => s.trim().replace(/\/+$/, '').toLowerCase())
    .filter(Boolean);
}

/**
 * True when the browser that opened this connection is on our own origin (Origin's host equals Host) or on a
 * configured one. No Origin header means no browser (scripts with a token): cross-site WebSocket hijacking
 * needs a browser, and browsers always send Origin.
 */
export function checkOrigin(
  req: Pick<FastifyRequest, 'headers'>,
  config: Pick<Config, 'allowedOrigins'>,
): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (typeof origin !== 'string' || origin === 'null') return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const normalized = `${url.protocol}//${url.host}`.toLowerCase();
  if (allowedOriginList(config).includes(normalized)) return true;
  const host = req.headers.host?.toLowerCase();
  return (
    host !== undefined &&
    url.host.toLowerCase() === host &&
    (url.protocol === 'http:' || url.protocol === 'https:')
  );
}

/**
 * The user behind an upgrade request: the one the auth hook already established for the route, or, for an
 * upgrade handled outside the policy hook, a fresh check of the cookie or bearer token. Null = refuse.
 */
export async function authenticateUpgrade(req: FastifyRequest): Promise<AuthUser | null> {
  if (req.user) return req.user;
  const r = await securityOf(req.server).auth.authenticate(req.headers);
  return r.ok ? r.user : null;
}

/**
 * For long-lived connections: is this identity still valid (session not ended or idle-expired, token not
 * revoked, user not removed)? Returns the current rights, which may have changed (role, clusters), or null.
 * It does not count as activity: an unattended open console still reaches the idle limit.
 */
export async function revalidate(req: FastifyRequest): Promise<AuthUser | null> {
  const r = await securityOf(req.server).auth.authenticate(req.headers, false);
  return r.ok ? r.user : null;
}

/**
 * Like `revalidate`, with when the identity lapses unless used (a session's idle or absolute expiry, a token's
 * expiry), so a long-lived connection can close at that moment.
 */
export async function recheck(req: FastifyRequest): Promise<{ user: AuthUser; validUntil?: number } | null> {
  const { auth } = securityOf(req.server);
  const r = await auth.authenticate(req.headers, false);
  if (!r.ok) return null;
  let validUntil = r.validUntil;
  if (r.user.via === 'token' && r.user.tokenId) {
    const expiresAt = await auth.tokens.get(r.user.tokenId).then(
      (t) => t.expiresAt,
      () => null, // revoked meanwhile: the next check says so
    );
    if (expiresAt) validUntil = Date.parse(expiresAt);
  }
  return { user: r.user, validUntil };
}
