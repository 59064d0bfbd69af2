// The OpenAPI document is built from the routes the server really has; docs/API.md is held against it, so a route
// added, renamed or removed without its documentation (or the other way round) fails here, naming it.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../../src/auth/index.js';
import { makeTestApp, type TestApp } from './harness.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

let a: TestApp;
beforeAll(async () => {
  a = await makeTestApp();
});
afterAll(() => a.close());

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
}

async function document(): Promise<OpenApiDocument> {
  const res = await a.call('GET', '/api/v1/openapi.json', undefined, { 'x-test-role': 'viewer' });
  expect(res.statusCode).toBe(200);
  return res.json() as OpenApiDocument;
}

/** `METHOD /path` of every operation in the document (path parameters as `{name}`). */
function documentOperations(doc: OpenApiDocument): Set<string> {
  const out = new Set<string>();
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const m of Object.keys(ops)) {
      if ((METHODS as readonly string[]).includes(m.toUpperCase())) out.add(`${m.toUpperCase()} ${p}`);
    }
  }
  return out;
}

/** Paths outside /api/v1 (the tool's own operations); every other documented path is relative to /api/v1. */
const ROOT_PATHS = ['/healthz', '/readyz', '/metrics'];
const absolute = (p: string) => {
  const path = p.replace(/:([A-Za-z]+)/g, '{$1}');
  return path.startsWith('/api/') || ROOT_PATHS.includes(path) ? path : `/api/v1${path}`;
};

/**
 * `METHOD /path` of every route docs/API.md documents: table rows `| GET/POST | /users | …` and code spans such as
 * `GET /api/v1/ws`. Queries are not part of a route.
 */
function apiMdOperations(text: string): Set<string> {
  const out = new Set<string>();
  const verb = `(?:${METHODS.join('|')})`;
  const row = new RegExp(`^\\|\\s*(${verb}(?:\\s*/\\s*${verb})*)\\s*\\|\\s*\`?(/[^|\`\\s]*)\`?\\s*\\|`, 'gm');
  for (const m of text.matchAll(row)) {
    for (const method of m[1]!.split('/')) out.add(`${method.trim()} ${absolute(m[2]!.split('?')[0]!)}`);
  }
  const span = new RegExp(`\`(${verb}(?:/${verb})*) (/[^\`\\s?]*)[^\`]*\``, 'g');
  for (const m of text.matchAll(span)) {
    for (const method of m[1]!.split('/')) out.add(`${method} ${absolute(m[2]!)}`);
  }
  return out;
}

describe('the OpenAPI document', () => {
  it('is served as OpenAPI 3.1 to signed-in callers only', async () => {
    expect((await document()).openapi).toBe('3.1.0');
    const anonymous = await a.app.server.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('Unauthenticated');
  });

  it('describes the routes the server has, with their parameters', async () => {
    const doc = await document();
    const ops = documentOperations(doc);
    expect(ops).toContain('GET /api/v1/clusters/{cluster}/nodes/{name}');
    expect(ops).toContain('POST /api/v1/jobs');
    expect(ops).toContain('GET /healthz');
    // Not the reference page itself, nor the console's files.
    expect([...ops].some((o) => o.includes('/api/v1/docs') || o.includes('openapi.json'))).toBe(false);
  });

  it('and docs/API.md document the same routes', async () => {
    const inDocument = documentOperations(await document());
    // A WebSocket upgrade is not an operation OpenAPI describes; API.md has it in its own section.
    const websockets = new Set(
      registeredRoutes(a.app.server)
        .filter((r) => r.websocket)
        .map((r) => `${r.method} ${r.url}`),
    );
    const inApiMd = new Set(
      [...apiMdOperations(fs.readFileSync('docs/API.md', 'utf8'))].filter((o) => !websockets.has(o)),
    );
    expect(websockets).toContain('GET /api/v1/ws');
    const undocumented = [...inDocument].filter((o) => !inApiMd.has(o)).sort();
    const notServed = [...inApiMd].filter((o) => !inDocument.has(o)).sort();
    expect({ undocumented, notServed }).toEqual({ undocumented: [], notServed: [] });
  });
});

describe('the reference page', () => {
  it('is served from local assets under the strict content security policy', async () => {
    const headers = await a.auth('viewer');
    const page = await a.app.server.inject({ method: 'GET', url: '/api/v1/docs', headers });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    // Every script and style the page loads comes from this server.
    const refs = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(2);
    for (const ref of refs) expect(ref).not.toMatch(/^(https?:)?\/\//);
    const bundle = await a.app.server.inject({
      method: 'GET',
      url: '/api/v1/docs/swagger-ui-bundle.js',
      headers,
    });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    const other = await a.app.server.inject({ method: 'GET', url: '/api/v1/docs/index.css', headers });
    expect(other.statusCode).toBe(400);
    const init = await a.app.server.inject({
      method: 'GET',
      url: '/api/v1/docs/start.js',
      headers,
    });
    expect(init.body).toContain('/api/v1/openapi.json');
    expect((await a.app.server.inject({ method: 'GET', url: '/api/v1/docs' })).statusCode).toBe(401);
  });
});
