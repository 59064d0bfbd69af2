import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { RouteModule } from '../../src/api/server.js';
import type { RoutePolicy } from '../../src/api/policy.js';
import { ApiError } from '../../src/errors.js';
import { KubeError } from '../../src/kube/errors.js';
import { makeTestApp, type TestApp } from './harness.js';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});
async function newApp(o: Parameters<typeof makeTestApp>[0] = {}) {
  const a = await makeTestApp(o);
  apps.push(a);
  return a;
}

const DEMO_KUBECONFIG = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [{ name: 'sim', cluster: { server: 'http://127.0.0.1:1', 'insecure-skip-tls-verify': true } }],
  users: [{ name: 'sim', user: { token: 'demo' } }],
  contexts: [{ name: 'sim', context: { cluster: 'sim', user: 'sim' } }],
  'current-context': 'sim',
});

const throwing: RouteModule = (app) => {
  const policy = { role: 'viewer' } as const;
  app.get('/api/v1/test/boom', { config: { policy } }, async () => {
    throw new Error('database password=hunter2 exploded');
  });
  app.get('/api/v1/test/api-error', { config: { policy } }, async () => {
    throw new ApiError(409, 'GuardRefused', 'too many nodes', undefined, { readyNodes: 3 });
  });
  app.get('/api/v1/test/kube-error', { config: { policy } }, async () => {
    throw new KubeError('NotFound', 'nodes "n1" not found', 404);
  });
};

describe('operations endpoints', () => {
  it('/healthz answers while the process is up', async () => {
    const a = await newApp();
    const res = await a.call('GET', '/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz reports the store and each cluster state, and 503 when the store is down', async () => {
    const a = await newApp();
    a.app.services.clusters.attachEphemeral('demo', DEMO_KUBECONFIG);
    let res = await a.call('GET', '/readyz');
    expect(res.statusCode).toBe(200);
    // The live cache follows the attached cluster; its server does not answer, so it is never reported synced.
    expect(res.json()).toMatchObject({ status: 'ready', store: 'ok' });
    expect(['syncing', 'unreachable']).toContain(res.json().clusters.demo);
    vi.spyOn(a.app.services.cache, 'status').mockReturnValue({ state: 'synced', nodeCount: 4 });
    expect((await a.call('GET', '/readyz')).json().clusters).toEqual({ demo: 'synced' });
    expect((await a.call('GET', '/api/v1/clusters/demo')).json()).toMatchObject({
      state: 'synced',
      nodeCount: 4,
    });
    await a.app.services.store.close();
    res = await a.call('GET', '/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'not ready', store: 'unreachable' });
  });

  it('/metrics exports request durations labelled by route pattern, not by URL', async () => {
    const a = await newApp();
    await a.call('GET', '/api/v1/clusters/some-cluster');
    const res = await a.call('GET', '/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.body).toMatch(
      /knm_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/clusters\/:cluster",code="404"\} \d+/,
    );
    expect(res.body).not.toContain('some-cluster');
    expect(res.body).toContain('knm_process_');
  });

  it('declares a policy on every route it serves; /metrics follows KNM_METRICS_PUBLIC', async () => {
    const seen = new Map<string, RoutePolicy | undefined>();
    const recorder: RouteModule = (app) => {
      app.addHook('onRequest', async (req) => {
        seen.set(`${req.method} ${req.routeOptions.url}`, req.routeOptions.config.policy);
      });
    };
    const a = await newApp({ routes: [recorder], knm: { KNM_METRICS_PUBLIC: 'false' } });
    const calls: [Parameters<TestApp['call']>[0], string][] = [
      ['GET', '/healthz'],
      ['GET', '/readyz'],
      ['GET', '/metrics'],
      ['GET', '/'],
      ['GET', '/api/v1/clusters'],
      ['POST', '/api/v1/clusters'],
      ['POST', '/api/v1/clusters/test'],
      ['GET', '/api/v1/clusters/x'],
      ['DELETE', '/api/v1/clusters/x'],
      ['GET', '/api/v1/kubeconfig/contexts'],
      ['POST', '/api/v1/kubeconfig/contexts'],
    ];
    for (const [m, u] of calls) await a.call(m, u, m === 'POST' ? {} : undefined);
    expect(Object.fromEntries(seen)).toEqual({
      'GET /healthz': { public: true },
      'GET /readyz': { public: true },
      'GET /metrics': { role: 'viewer' },
      'GET /': { public: true },
      'GET /api/v1/clusters': { role: 'viewer' },
      'POST /api/v1/clusters': { role: 'admin' },
      'POST /api/v1/clusters/test': { role: 'admin' },
      'GET /api/v1/clusters/:cluster': { role: 'viewer', clusterParam: 'cluster' },
      'DELETE /api/v1/clusters/:cluster': { role: 'admin', clusterParam: 'cluster' },
      'GET /api/v1/kubeconfig/contexts': { role: 'admin' },
      'POST /api/v1/kubeconfig/contexts': { role: 'admin' },
    });
    const pub = await newApp({ routes: [recorder], knm: { KNM_METRICS_PUBLIC: 'true' } });
    await pub.call('GET', '/metrics');
    expect(seen.get('GET /metrics')).toEqual({ public: true });
  });
});

describe('errors', () => {
  it('answers unknown routes with the stable error shape and the request id', async () => {
    const a = await newApp();
    const res = await a.call('GET', '/api/v1/nothing-here?x=1', undefined, { 'x-request-id': 'req-42.a' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      error: { code: 'NotFound', message: 'no such route: GET /api/v1/nothing-here' },
    });
    expect(res.headers['x-request-id']).toBe('req-42.a');
    const line = a.logs.parsed().find((l) => l.msg === 'request' && l.path === '/api/v1/nothing-here');
    expect(line).toMatchObject({ reqId: 'req-42.a', status: 404, route: '(unmatched)' });
  });

  it('replaces a request id that could forge log lines', async () => {
    const a = await newApp();
    const res = await a.call('GET', '/healthz', undefined, { 'x-request-id': 'a b"}' + 'x'.repeat(200) });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('maps ApiError and KubeError; hides unexpected errors behind a request id', async () => {
    const a = await newApp({ routes: [throwing] });
    const api = await a.call('GET', '/api/v1/test/api-error');
    expect(api.statusCode).toBe(409);
    expect(api.json()).toEqual({
      error: { code: 'GuardRefused', message: 'too many nodes', details: { readyNodes: 3 } },
    });
    const kube = await a.call('GET', '/api/v1/test/kube-error');
    expect(kube.statusCode).toBe(404);
    expect(kube.json().error).toEqual({ code: 'KubeNotFound', message: 'nodes "n1" not found' });
    const boom = await a.call('GET', '/api/v1/test/boom', undefined, { 'x-request-id': 'boom-1' });
    expect(boom.statusCode).toBe(500);
    expect(boom.json()).toEqual({
      error: {
        code: 'InternalError',
        message: 'internal error; the server log has the details (request boom-1)',
      },
    });
    expect(boom.body).not.toContain('hunter2');
    expect(a.logs.parsed().some((l) => l.reqId === 'boom-1' && l.level === 50)).toBe(true);
  });

  it('refuses bodies over 1 MiB and broken JSON in the same shape', async () => {
    const a = await newApp();
    const big = await a.call('POST', '/api/v1/clusters', {
      name: 'x',
      source: 'kubeconfig',
      kubeconfig: 'x'.repeat(1100 * 1024),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('PayloadTooLarge');
    const broken = await a.call('POST', '/api/v1/clusters', '{"name": ', {
      'content-type': 'application/json',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBe('BadRequest');
  });

  it('turns validation failures into 400 with the field and every issue', async () => {
    const a = await newApp();
    const res = await a.call('POST', '/api/v1/clusters', { source: 'kubeconfig', podIndex: 1 });
    expect(res.statusCode).toBe(400);
    const err = res.json().error;
    expect(err).toMatchObject({
      code: 'BadRequest',
      field: 'name',
      message: 'name: a cluster name is required',
    });
    expect(err.details.issues.map((i: { field: string }) => i.field).sort()).toEqual([
      'kubeconfig',
      'name',
      'podIndex',
    ]);
  });
});

describe('web console', () => {
  it('serves the built console with SPA fallback, long-lived assets, and JSON 404s for the API', async () => {
    const web = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-web-'));
    onTestFinished(() => fs.rmSync(web, { recursive: true, force: true }));
    fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>console</title>');
    fs.mkdirSync(path.join(web, 'assets'));
    fs.writeFileSync(path.join(web, 'assets', 'app-1a2b.js'), 'console.log(1)');
    const a = await newApp({ webDir: web });
    const root = await a.call('GET', '/');
    expect(root.statusCode).toBe(200);
    expect(root.body).toContain('<title>console</title>');
    expect(root.headers['cache-control']).toBe('no-cache');
    const deep = await a.call('GET', '/clusters/prod/nodes/n1');
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toContain('<title>console</title>');
    const asset = await a.call('GET', '/assets/app-1a2b.js');
    expect(asset.body).toBe('console.log(1)');
    expect(asset.headers['cache-control']).toMatch(/immutable/);
    const missing = await a.call('GET', '/assets/gone.js');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('NotFound');
    const apiMissing = await a.call('GET', '/api/v1/nope');
    expect(apiMissing.statusCode).toBe(404);
    expect(apiMissing.json().error.code).toBe('NotFound');
    expect((await a.call('GET', '/api/v1/clusters')).json()).toEqual({ items: [] });
  });

  it('explains how to build the console when it is missing', async () => {
    const a = await newApp({ webDir: null });
    const res = await a.call('GET', '/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toMatch(/has not been built.*npm start/s);
    expect((await a.call('GET', '/nodes')).statusCode).toBe(404);
  });
});
