// Every route declares what it accepts: a body schema where it takes a body, a querystring schema where it reads
// the query, a params schema where its path has parameters; and the main answers are described in the OpenAPI
// document. The list comes from the server itself (an onRoute hook, as in the route-policy test), so a route
// added later without its schemas fails here, naming it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type RouteOptions } from 'fastify';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { useZodSchemas } from '../../src/api/validation.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/log/logger.js';

let app: App;
let dir: string;
const routes: RouteOptions[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-schemas-'));
  const config = loadConfig({
    KNM_DATA_DIR: dir,
    KNM_DEMO: 'false',
    KNM_ADMIN_PASSWORD: 'route-schemas-admin-pw',
    KNM_LOG_LEVEL: 'warn',
    KNM_KUBECONFIG: path.join(dir, 'no-kubeconfig'),
  });
  app = await createApp(config, {
    log: createLogger('warn', { write: () => undefined }),
    startSim: null,
    webDir: null,
    env: {},
    routes: [(a) => a.addHook('onRoute', (r: RouteOptions) => void routes.push(r))],
  });
  await app.server.ready();
}, 120_000);

afterAll(async () => {
  await app?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const TAKES_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Whether a handler reads the query string: as `req.query`, or from the raw URL (the OpenID Connect callback hands
 * it to its client library that way). A handler reading it any other way would escape this check, so none does.
 */
const readsQuery = (r: RouteOptions) => /\.query\b|\.url\.split\('\?'\)/.test(String(r.handler));

/** What a route lacks, as `METHOD /url: no <part> schema` lines (empty when it declares everything it reads). */
function missingSchemas(list: readonly RouteOptions[]): string[] {
  const out: string[] = [];
  for (const r of list) {
    const methods = (Array.isArray(r.method) ? r.method : [r.method]).map((m) => String(m).toUpperCase());
    if (methods.every((m) => m === 'HEAD')) continue; // fastify's HEAD twin of a GET route: the GET is checked
    const s = (r.schema ?? {}) as Record<string, unknown>;
    const where = `${methods.join('/')} ${r.url}`;
    if (methods.some((m) => TAKES_BODY.has(m)) && !s.body) out.push(`${where}: no body schema`);
    if (readsQuery(r) && !s.querystring) out.push(`${where}: no querystring schema`);
    if (r.url.includes(':') && !s.params) out.push(`${where}: no params schema`);
  }
  return out;
}

describe('route schemas', () => {
  it('sees the whole server (sanity: the list is the real one)', () => {
    const urls = new Set(routes.map((r) => `${String(r.method)} ${r.url}`));
    expect(urls).toContain('GET /api/v1/nodes');
    expect(urls).toContain('POST /api/v1/clusters/:cluster/nodes/:name/drain');
    expect(urls).toContain('POST /api/v1/auth/login');
    expect(routes.length).toBeGreaterThan(60);
  });

  it('every route declares a schema for each part of the request it reads', () => {
    expect(missingSchemas(routes)).toEqual([]);
  });

  it('the check names a route added without its schemas', async () => {
    const probe = Fastify();
    useZodSchemas(probe);
    const added: RouteOptions[] = [];
    probe.addHook('onRoute', (r) => void added.push(r));
    probe.post('/api/v1/things/:id', async (req) => ({ q: req.query, b: req.body }));
    probe.put('/api/v1/things', { schema: { body: z.object({}) } }, async () => ({}));
    probe.get('/api/v1/others', { schema: { querystring: z.object({}) } }, async (req) => req.query);
    await probe.ready();
    expect(missingSchemas(added)).toEqual([
      'POST /api/v1/things/:id: no body schema',
      'POST /api/v1/things/:id: no querystring schema',
      'POST /api/v1/things/:id: no params schema',
    ]);
    await probe.close();
  });

  it('the OpenAPI document describes what the main routes answer, errors included', () => {
    const doc = (app.server as unknown as { swagger(): OpenApi }).swagger();
    const main: [string, string, number][] = [
      ['get', '/api/v1/nodes', 200],
      ['get', '/api/v1/clusters/{cluster}/nodes', 200],
      ['get', '/api/v1/clusters/{cluster}/nodes/{name}', 200],
      ['get', '/api/v1/clusters', 200],
      ['post', '/api/v1/jobs', 202],
      ['get', '/api/v1/jobs', 200],
      ['get', '/api/v1/jobs/{id}', 200],
      ['get', '/api/v1/users', 200],
      ['post', '/api/v1/users', 201],
      ['get', '/api/v1/audit', 200],
    ];
    const missing = main.filter(([m, p, status]) => !schemaOf(doc, m, p, status));
    expect(missing).toEqual([]);
    // The node list's rows, not just "an object".
    const list = schemaOf(doc, 'get', '/api/v1/nodes', 200) as { properties: Record<string, unknown> };
    expect(Object.keys(list.properties)).toEqual(expect.arrayContaining(['items', 'total', 'continue']));
    const error = schemaOf(doc, 'get', '/api/v1/nodes', 400) as {
      properties: { error: { required: string[] } };
    };
    expect(error.properties.error.required).toEqual(['code', 'message']);
    // A body's schema is in the document too: the drain's options, with the misspelling guard.
    const drain = doc.paths['/api/v1/clusters/{cluster}/nodes/{name}/drain']?.post as OpenApiOperation;
    const body = drain.requestBody?.content['application/json']?.schema as {
      anyOf?: { properties?: object }[];
    };
    expect(Object.keys(body.anyOf?.[0]?.properties ?? {})).toEqual(
      expect.arrayContaining(['ignoreDaemonSets', 'timeoutSeconds', 'dryRun']),
    );
  });
});

interface OpenApiOperation {
  requestBody?: { content: Record<string, { schema?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface OpenApi {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

function schemaOf(doc: OpenApi, method: string, path: string, status: number): unknown {
  return doc.paths[path]?.[method]?.responses?.[String(status)]?.content?.['application/json']?.schema;
}
