import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyRequest } from 'fastify';
import { authenticateUpgrade, checkOrigin } from '../../src/auth/index.js';
import { ADMIN_PASSWORD, asToken, signIn, startTestApp, type TestApp } from './harness.js';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as FastifyRequest;

describe('WebSocket origin check', () => {
  const config = { allowedOrigins: 'https://console.example.com, http://localhost:5173/' };
  it('accepts our own origin and configured ones', () => {
    expect(checkOrigin(req({ host: 'knm.internal:8080', origin: 'http://knm.internal:8080' }), config)).toBe(
      true,
    );
    expect(checkOrigin(req({ host: 'knm.internal', origin: 'https://knm.internal' }), config)).toBe(true);
    expect(checkOrigin(req({ host: 'x', origin: 'https://console.example.com' }), config)).toBe(true);
    expect(checkOrigin(req({ host: 'x', origin: 'http://localhost:5173' }), config)).toBe(true);
  });
  it('refuses other sites, null origins and look-alikes', () => {
    expect(checkOrigin(req({ host: 'knm.internal:8080', origin: 'http://evil.example' }), config)).toBe(
      false,
    );
    expect(checkOrigin(req({ host: 'knm.internal:8080', origin: 'http://knm.internal:8081' }), config)).toBe(
      false,
    );
    expect(checkOrigin(req({ host: 'knm.internal', origin: 'null' }), config)).toBe(false);
    expect(
      checkOrigin(req({ host: 'knm.internal', origin: 'http://knm.internal.evil.example' }), config),
    ).toBe(false);
    expect(checkOrigin(req({ host: 'x', origin: 'https://console.example.com.evil' }), config)).toBe(false);
    expect(checkOrigin(req({ host: 'x', origin: 'not a url' }), config)).toBe(false);
  });
  it('lets non-browser clients without an Origin through (they still need credentials)', () => {
    expect(checkOrigin(req({ host: 'x' }), { allowedOrigins: '' })).toBe(true);
  });
});

describe('authenticateUpgrade', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });
  const upgradeReq = (headers: Record<string, string>) =>
    ({ headers, server: t.app }) as unknown as FastifyRequest;

  it('accepts a live session or token and refuses everything else', async () => {
    const s = await signIn(t.app, 'admin', ADMIN_PASSWORD);
    expect(await authenticateUpgrade(upgradeReq({ cookie: s.cookie }))).toMatchObject({
      username: 'admin',
      via: 'session',
    });
    const tok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
      payload: { name: 'ws', role: 'viewer' },
    });
    expect(await authenticateUpgrade(upgradeReq(asToken(tok.json().secret)))).toMatchObject({
      role: 'viewer',
      via: 'token',
    });
    expect(await authenticateUpgrade(upgradeReq({}))).toBeNull();
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
    });
    expect(await authenticateUpgrade(upgradeReq({ cookie: s.cookie }))).toBeNull();
  });
});
