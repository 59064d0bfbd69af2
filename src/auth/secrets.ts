/**
 * Random secrets and their stored forms. Session ids and API token secrets are 256-bit random values; the store
 * keeps only their SHA-256, so a copy of the database cannot be replayed as a login.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_PREFIX = 'knm_';

export type RandomSource = (bytes: number) => Buffer;
export const defaultRandom: RandomSource = (n) => randomBytes(n);

export function newSessionId(random: RandomSource = defaultRandom): string {
  return random(32).toString('base64url');
}

export function newTokenSecret(random: RandomSource = defaultRandom): string {
  return TOKEN_PREFIX + random(32).toString('base64url');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * The CSRF token is derived from the session id, so it needs no storage, dies with the session, and cannot be
 * computed by anyone who does not already hold the cookie.
 */
export function csrfTokenFor(sessionId: string): string {
  return createHmac('sha256', sessionId).update('knm-csrf-v1').digest('base64url');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  // Comparing digests keeps the time independent of where (or whether) the lengths differ.
  const da = createHash('sha256').update(ab).digest();
  const db = createHash('sha256').update(bb).digest();
  return timingSafeEqual(da, db) && ab.length === bb.length;
}
