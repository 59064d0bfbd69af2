/**
 * The session cookie: read from the Cookie header and written as a Set-Cookie value. Kept local so the auth
 * layer does not depend on which cookie plugin (if any) the server registers.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'knm_session';

export function readCookie(header: string | string[] | undefined, name: string): string | undefined {
  const raw = Array.isArray(header) ? header.join('; ') : header;
  if (!raw) return undefined;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function sessionIdFrom(req: FastifyRequest | IncomingMessage): string | undefined {
  const id = readCookie(req.headers.cookie, SESSION_COOKIE);
  // Our ids are 43 base64url characters; anything else cannot match and is not worth a store lookup.
  return id && /^[A-Za-z0-9_-]{20,128}$/.test(id) ? id : undefined;
}

function serialize(value: string, opts: { maxAgeSeconds: number; secure: boolean }): string {
  const parts = [
    `${SESSION_COOKIE}=${encodeURIComponent(value)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.max(0, Math.floor(opts.maxAgeSeconds))}`,
  ];
  if (opts.secure) parts.push('Secure');
  return parts.join('; ');
}

export function setSessionCookie(
  reply: FastifyReply,
  sessionId: string,
  maxAgeSeconds: number,
  secure: boolean,
) {
  reply.header('set-cookie', serialize(sessionId, { maxAgeSeconds, secure }));
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean) {
  reply.header('set-cookie', serialize('', { maxAgeSeconds: 0, secure }));
}
