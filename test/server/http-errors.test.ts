// Answers fastify or the HTTP parser give before any route runs (no route, a body, a path segment or headers
// too large) come in the API's stable error shape, like every other refusal.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from './harness.js';

let a: TestApp;
let base: string;
beforeAll(async () => {
  a = await makeTestApp({ listen: true });
  base = `http://127.0.0.1:${(a.app.server.server.address() as { port: number }).port}`;
});
afterAll(() => a.close());

/** A request over a real socket, so the HTTP parser's own limits apply. */
function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: text }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Exactly `{error: {code, message}}`, with nothing of fastify's own shape beside it. */
function expectStable(r: { type: string; body: string }, code: string) {
  expect(r.type).toMatch(/^application\/json/);
  const parsed = JSON.parse(r.body) as Record<string, unknown>;
  expect(Object.keys(parsed)).toEqual(['error']);
  expect(parsed.error).toMatchObject({ code, message: expect.any(String) });
  expect(Object.keys(parsed.error as object).sort()).toEqual(['code', 'message']);
}

describe('errors answered before any route', () => {
  it('404 for an unknown API path', async () => {
    const r = await send('GET', '/api/v1/no-such-thing', await a.auth());
    expect(r.status).toBe(404);
    expectStable(r, 'NotFound');
  });

  it('413 for a body over the limit', async () => {
    const r = await send(
      'POST',
      '/api/v1/clusters/test',
      { ...(await a.auth()), 'content-type': 'application/json' },
      JSON.stringify({ source: 'kubeconfig', kubeconfig: 'x'.repeat(1100 * 1024) }),
    );
    expect(r.status).toBe(413);
    expectStable(r, 'PayloadTooLarge');
  });

  it('414 for a path segment longer than any name', async () => {
    const r = await send('GET', `/api/v1/clusters/${'c'.repeat(600)}`, await a.auth());
    expect(r.status).toBe(414);
    expectStable(r, 'UriTooLong');
  });

  it('a 253-character name still reaches its route', async () => {
    const r = await send('GET', `/api/v1/clusters/${'c'.repeat(253)}`, await a.auth());
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body).error.message).toContain('not found');
  });

  it('431 for headers over the parser limit', async () => {
    const r = await send('GET', '/api/v1/clusters', { ...(await a.auth()), 'x-padding': 'p'.repeat(20_000) });
    expect(r.status).toBe(431);
    expectStable(r, 'HeadersTooLarge');
  });
});
