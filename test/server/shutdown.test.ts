import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { RouteModule } from '../../src/api/server.js';
import { makeTestApp } from './harness.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** Polls `check` until it returns true or the deadline passes. */
async function until(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('graceful shutdown', () => {
  it('finishes an in-flight request, refuses new connections, then closes the store', async () => {
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const slow: RouteModule = (app) => {
      app.get('/api/v1/test/slow', { config: { policy: { role: 'viewer' } } }, async () => {
        entered();
        await released;
        return { finished: true };
      });
    };
    const a = await makeTestApp({ routes: [slow], listen: true, appOwnsStore: true });
    const addr = a.app.server.server.address() as { port: number };
    const base = `http://127.0.0.1:${addr.port}`;

    const inflight = get(`${base}/api/v1/test/slow`, await a.auth('viewer'));
    await inHandler;
    let stopped = false;
    const stopping = a.app.stop().then(() => (stopped = true));

    await until(
      () =>
        get(`${base}/healthz`).then(
          () => false,
          (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED',
        ),
      'the listener to close',
    );
    expect(stopped).toBe(false);
    await a.app.services.store.ping(); // still open while a request runs

    release();
    expect(await inflight).toEqual({ status: 200, body: '{"finished":true}' });
    await stopping;
    await expect(a.app.services.store.ping()).rejects.toThrow(/closed/);
  });

  it('the process exits 0 on SIGTERM after printing where to open the console', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-main-'));
    onTestFinished(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--port', '0', '--no-demo'], {
      cwd: ROOT,
      env: { ...process.env, KNM_DATA_DIR: dataDir, KNM_LOG_LEVEL: 'info', HOME: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await until(
        async () => /running: open http:\/\/127\.0\.0\.1:\d+/.test(out),
        'the start message',
        30_000,
      );
      const url = /open (http:\/\/\S+)/.exec(out)![1]!;
      expect((await get(`${url}/healthz`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toMatch(/"msg":"stopped"/);
      expect(err).not.toMatch(/Error/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('the process prints configuration problems plainly and exits 2', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, KNM_PORT: 'eighty', KNM_DEMO: 'sometimes' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(err).toContain('invalid configuration');
    expect(err).toMatch(/KNM_PORT \/ --port: expected a whole number/);
    expect(err).toMatch(/KNM_DEMO \/ --demo: expected true or false, got "sometimes"/);
    expect(err).not.toMatch(/\n\s+at /); // no stack trace
  });
});
