/**
 * Security headers on everything the server sends, the console included.
 */
import type { FastifyInstance } from 'fastify';

/**
 * No inline scripts anywhere. `style-src 'unsafe-inline'` is the one concession: element-plus positions popups,
 * tooltips and tables through inline `style` attributes at runtime, which a nonce cannot cover. Inline styles
 * cannot run code, so script injection stays blocked.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-opener-policy', 'same-origin');
    // API answers carry user data and CSRF tokens: never store them in a shared or browser cache.
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    return payload;
  });
}
