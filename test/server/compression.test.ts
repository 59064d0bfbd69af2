import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { buildServer } from '../../src/api/server.js';
import { wsRoutes } from '../../src/api/routes/ws.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/log/logger.js';
import { RealtimeHub } from '../../src/realtime/hub.js';
import { admin, FakeSource } from '../realtime/fakes.js';
import { until } from '../support/until.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

/** The real server shell with a big and a small JSON answer, and the realtime route. */
async function server(env: Record<string, string> = {}) {
  const config = loadConfig({ KNM_DATA_DIR: '/tmp', ...env });
  const log = createLogger('silent');
  const app = await buildServer({ config, log }, { webDir: null });
  apps.push(app);
  const rows = Array.from({ length: 2000 }, (_, i) => ({
    name: `node-${i}`,
    status: 'Ready',
    labels: { pool: 'a' },
  }));
  const open = { config: { policy: { public: true as const } } };
  app.get('/api/v1/big', open, async () => ({ items: rows }));
  app.get('/api/v1/small', open, async () => ({ ok: true }));
  const source = new FakeSource();
  source.add(
    'a',
    Array.from({ length: 300 }, (_, i) => `n${i}`),
  );
  const hub = new RealtimeHub({ source, log, pingIntervalMs: 0 });
  app.addHook('onRequest', async (req) => {
    req.user = admin;
  });
  await app.register(wsRoutes, { hub, revalidate: null, compress: config.compression });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { app, port, source };
}

describe('compression', () => {
  it('answers large JSON with brotli or gzip as asked, and small answers as they are', async () => {
    const { app } = await server();
    const plain = await app.inject({ url: '/api/v1/big' });
    const br = await app.inject({ url: '/api/v1/big', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    const gz = await app.inject({ url: '/api/v1/big', headers: { 'accept-encoding': 'gzip' } });
    const small = await app.inject({ url: '/api/v1/small', headers: { 'accept-encoding': 'br' } });

    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(br.headers['content-encoding']).toBe('br');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(plain.body);
    expect(gunzipSync(gz.rawPayload).toString()).toBe(plain.body);
    expect(br.rawPayload.length).toBeLessThan(plain.rawPayload.length / 10);
    expect(small.json()).toEqual({ ok: true });
  });

  it('negotiates permessage-deflate on the WebSocket and still delivers the snapshot; KNM_COMPRESSION=false turns both off', async () => {
    for (const [env, compressed] of [
      [{}, true],
      [{ KNM_COMPRESSION: 'false' }, false],
    ] as const) {
      const { app, port } = await server(env);
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/ws`);
      const snapshot = new Promise<{ items: unknown[] }>((resolve, reject) => {
        ws.on('message', (d) => {
          const m = JSON.parse(String(d)) as { type: string; items: unknown[] };
          if (m.type === 'snapshot') resolve(m);
        });
        ws.on('error', reject);
      });
      await new Promise((r) => ws.once('open', r));
      expect(ws.extensions.includes('permessage-deflate')).toBe(compressed);
      ws.send(JSON.stringify({ type: 'subscribe', clusters: ['a'] }));
      expect((await snapshot).items).toHaveLength(300);
      ws.close();
      const big = await app.inject({ url: '/api/v1/big', headers: { 'accept-encoding': 'br' } });
      expect(big.headers['content-encoding']).toBe(compressed ? 'br' : undefined);
    }
  });

  it('compresses the snapshot but sends live changes as they are, so no change waits behind compressions', async () => {
    const { port, source } = await server();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/ws`);
    const received: { type: string; length: number; wire: number }[] = [];
    const wire = () => (ws as unknown as { _socket: { bytesRead: number } })._socket.bytesRead;
    let before = 0;
    ws.on('message', (d) => {
      const text = String(d);
      const now = wire();
      received.push({
        type: (JSON.parse(text) as { type: string }).type,
        length: text.length,
        wire: now - before,
      });
      before = now;
    });
    await new Promise((r) => ws.once('open', r));
    before = wire();
    ws.send(JSON.stringify({ type: 'subscribe', clusters: ['a'] }));
    await until('the snapshot', () => received.some((m) => m.type === 'snapshot'));
    const snap = received.find((m) => m.type === 'snapshot')!;
    expect(snap.length).toBeGreaterThan(64 * 1024);
    expect(snap.wire).toBeLessThan(snap.length / 3);
    // A change of a few KB (a long label): well over the old 1 KB threshold, and not compressed.
    const rows = source.data.get('a')!;
    rows.set('n1', { ...rows.get('n1')!, labels: { note: 'x'.repeat(3000) } });
    source.change({ kind: 'updated', cluster: 'a', name: 'n1', changed: ['labels'] });
    await until('the change', () => received.some((m) => m.type === 'node.updated'));
    const upd = received.find((m) => m.type === 'node.updated')!;
    expect(upd.length).toBeGreaterThan(3000);
    expect(upd.wire).toBeGreaterThanOrEqual(upd.length);
    ws.close();
  });

  it('serves the console files compressed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-web-'));
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>x</title>');
    const script = `export const rows = ${JSON.stringify(Array.from({ length: 500 }, (_, i) => `row-${i}`))};`;
    fs.writeFileSync(path.join(dir, 'assets', 'app-1234.js'), script);
    const app = await buildServer(
      { config: loadConfig({ KNM_DATA_DIR: '/tmp' }), log: createLogger('silent') },
      { webDir: dir },
    );
    apps.push(app);
    const r = await app.inject({ url: '/assets/app-1234.js', headers: { 'accept-encoding': 'br, gzip' } });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(r.rawPayload).toString()).toBe(script);
    fs.rmSync(dir, { recursive: true });
  });
});
