// Real WebSocket upgrades through the policy hook: Origin checked, credentials required, identity available.
import type { AddressInfo } from 'node:net';
import websocket from '@fastify/websocket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { authenticateUpgrade, revalidate } from '../../src/auth/index.js';
import { ADMIN_PASSWORD, asSession, signIn, startTestApp, type Session, type TestApp } from './harness.js';

let t: TestApp;
let base: string;
let host: string;
let admin: Session;
const revalidated: (string | null)[] = [];

beforeAll(async () => {
  t = await startTestApp({
    modules: [
      async (a) => {
        await a.register(websocket);
        a.get(
          '/api/v1/probe/ws',
          { websocket: true, config: { policy: { role: 'viewer' } } },
          async (socket, req) => {
            const user = await authenticateUpgrade(req);
            socket.send(JSON.stringify({ type: 'hello', user: user?.username }));
            socket.on('message', async () => {
              const again = await revalidate(req);
              revalidated.push(again?.username ?? null);
              socket.send(JSON.stringify({ type: 'still', user: again?.username ?? null }));
            });
          },
        );
      },
    ],
  });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (t.app.server.address() as AddressInfo).port;
  host = `127.0.0.1:${port}`;
  base = `ws://${host}/api/v1/probe/ws`;
  admin = await signIn(t.app, 'admin', ADMIN_PASSWORD);
});
afterAll(async () => {
  await t.close();
});

/** Resolves with the first message, or the HTTP status the upgrade was refused with. */
function open(
  headers: Record<string, string>,
): Promise<{ status?: number; message?: unknown; ws?: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(base, { headers });
    // Resolving without closing our side: the server must end refused upgrades itself (else close() hangs).
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ status: res.statusCode });
    });
    ws.once('message', (data) => resolve({ message: JSON.parse(String(data)), ws }));
    ws.once('error', (e) => reject(e));
  });
}

function next(ws: WebSocket): Promise<unknown> {
  return new Promise((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)))));
}

describe('WebSocket admission', () => {
  it('refuses another site’s page even with a valid cookie', async () => {
    const r = await open({ origin: 'http://evil.example', cookie: admin.cookie });
    expect(r.status).toBe(403);
  });

  it('refuses without credentials', async () => {
    const r = await open({ origin: `http://${host}` });
    expect(r.status).toBe(401);
  });

  it('admits our own origin with a session, and sees the session end', async () => {
    const s = await signIn(t.app, 'admin', ADMIN_PASSWORD);
    const r = await open({ origin: `http://${host}`, cookie: s.cookie });
    expect(r.message).toEqual({ type: 'hello', user: 'admin' });
    const ws = r.ws!;
    ws.send('ping');
    expect(await next(ws)).toEqual({ type: 'still', user: 'admin' });
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: asSession(s) });
    ws.send('ping');
    expect(await next(ws)).toEqual({ type: 'still', user: null });
    const closed0 = new Promise((r) => ws.once('close', r));
    ws.close();
    await closed0;
  });

  it('re-checks do not keep an unattended session alive', async () => {
    const s = await signIn(t.app, 'admin', ADMIN_PASSWORD);
    const r = await open({ origin: `http://${host}`, cookie: s.cookie });
    const ws = r.ws!;
    for (let i = 0; i < 3; i++) {
      t.clock.advance(25 * 60_000);
      ws.send('ping');
      expect(await next(ws)).toEqual({ type: 'still', user: i < 2 ? 'admin' : null });
    }
    const closed = new Promise((r) => ws.once('close', r));
    ws.close();
    await closed;
  });
});
