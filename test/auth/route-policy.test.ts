// Builds the whole application and checks every registered route against every kind of caller: anonymous,
// viewer, operator, admin, and an operator restricted to one cluster. Routes added later by any part of the
// product are covered automatically, because the list comes from the server itself.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { ROLE_RANK, type Role } from '../../src/auth/identity.js';
import { type RoutePolicy } from '../../src/api/policy.js';
import { refusedBeforeHandler } from '../../src/audit/hook.js';
import { registeredRoutes, type RegisteredRoute } from '../../src/auth/index.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/log/logger.js';
import { asSession, signIn, type Session } from './harness.js';

const ADMIN_PW = 'route-policy-admin-pw';
const ALLOWED = 'allowed-cluster';
const OTHER = 'other-cluster';

type Caller = 'none' | 'viewer' | 'operator' | 'admin' | 'restricted';
const CALLERS: Caller[] = ['none', 'viewer', 'operator', 'admin', 'restricted'];
const ROLE_OF: Record<Exclude<Caller, 'none'>, Role> = {
  viewer: 'viewer',
  operator: 'operator',
  admin: 'admin',
  restricted: 'operator',
};

let app: App;
let server: FastifyInstance;
let dir: string;
const sessions = new Map<Caller, Session>();
const passwords = new Map<Caller, string>();
/** Request ids the policy layer refused (seen from a hook registered like any other part's). */
const refused = new Set<string>();

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-routes-'));
  const config = loadConfig({
    KNM_DATA_DIR: dir,
    KNM_DEMO: 'false',
    KNM_ADMIN_PASSWORD: ADMIN_PW,
    KNM_LOG_LEVEL: 'warn',
    KNM_KUBECONFIG: path.join(dir, 'no-kubeconfig'),
  });
  app = await createApp(config, {
    log: createLogger('warn', { write: () => undefined }),
    startSim: null,
    webDir: null,
    env: {},
    routes: [
      (a) => {
        a.addHook('onResponse', async (req: FastifyRequest) => {
          if (refusedBeforeHandler.has(req)) refused.add(String(req.id));
        });
      },
    ],
  });
  server = app.server;
  await server.ready();
  sessions.set('admin', await signIn(server, 'admin', ADMIN_PW));
  passwords.set('admin', ADMIN_PW);
  for (const [caller, role, clusters] of [
    ['viewer', 'viewer', null],
    ['operator', 'operator', null],
    ['restricted', 'operator', [ALLOWED]],
  ] as const) {
    const password = `${caller}-route-policy-pw`;
    const res = await server.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: asSession(sessions.get('admin')!),
      payload: { username: `rp-${caller}`, password, role, clusters },
    });
    expect(res.statusCode, res.body).toBe(201);
    passwords.set(caller, password);
    sessions.set(caller, await signIn(server, `rp-${caller}`, password));
  }
}, 120_000);

afterAll(async () => {
  await app?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Flattens fastify's printRoutes tree (`└── /seg (GET, POST)`, children indented by 4) to `METHOD /url`. */
function routesFromTree(tree: string): string[] {
  const stack: string[] = [];
  const out: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^(.*?)(?:├── |└── )(.*)$/.exec(line);
    if (!m) continue;
    const depth = [...m[1]!].length / 4;
    const route = /^(.*?) \(([A-Z, ]+)\)$/.exec(m[2]!);
    stack.length = depth;
    stack.push(route ? route[1]! : m[2]!);
    if (route) for (const method of route[2]!.split(', ')) out.push(`${method} ${stack.join('')}`);
  }
  return out;
}

function apiRoutes(): RegisteredRoute[] {
  return registeredRoutes(server).filter((r) => r.url.startsWith('/api/'));
}

function fillUrl(route: RegisteredRoute): string {
  const clusterParam = route.policy && 'role' in route.policy ? route.policy.clusterParam : undefined;
  return route.url
    .replace(/:(\w+)/g, (_, name: string) =>
      name === clusterParam || name === 'cluster' ? OTHER : `x-${name}`,
    )
    .replace(/\*$/, 'x');
}

/** What the policy layer must do for this caller: a status to refuse with, or null to let the request through. */
function expected(policy: RoutePolicy, caller: Caller): 401 | 403 | null {
  if ('public' in policy) return null;
  if (caller === 'none') return 401;
  if (ROLE_RANK[ROLE_OF[caller]] < ROLE_RANK[policy.role]) return 403;
  if (caller === 'restricted' && policy.clusterParam) return 403;
  return null;
}

async function session(caller: Caller): Promise<Session> {
  let s = sessions.get(caller)!;
  const me = await server.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: s.cookie } });
  if (me.statusCode === 401) {
    // A route under test (logout, password change) ended it; sign in again.
    const name = caller === 'admin' ? 'admin' : `rp-${caller}`;
    s = await signIn(server, name, passwords.get(caller)!);
    sessions.set(caller, s);
  }
  return s;
}

describe('route policies', () => {
  it('collects the routes of every part (sanity: the list is the real one)', () => {
    const urls = new Set(registeredRoutes(server).map((r) => `${r.method} ${r.url}`));
    for (const must of [
      'POST /api/v1/auth/login',
      'GET /api/v1/me',
      'GET /api/v1/users',
      'GET /api/v1/tokens',
      'GET /api/v1/audit',
      'GET /api/v1/clusters',
      'GET /healthz',
    ]) {
      expect(urls, must).toContain(must);
    }
  });

  it('every /api route declares a policy', () => {
    const missing = apiRoutes()
      .filter((r) => !r.policy)
      .map((r) => `${r.method} ${r.url}`);
    expect(missing).toEqual([]);
  });

  it('no /api route escaped the collector', () => {
    // printRoutes lists what the router really holds; every /api path there must be in our list.
    const known = new Set(apiRoutes().map((r) => `${r.method} ${r.url}`));
    const printed = routesFromTree(server.printRoutes({ commonPrefix: false })).filter((r) =>
      r.includes(' /api/'),
    );
    expect(printed.length).toBeGreaterThan(10);
    const missing = printed.filter((r) => !known.has(r));
    expect(missing).toEqual([]);
  });

  it('only the sign-in routes are public under /api', () => {
    const pub = apiRoutes()
      // Fastify answers HEAD wherever GET is declared; the GETs stand for both.
      .filter((r) => r.policy && 'public' in r.policy && r.method !== 'HEAD')
      .map((r) => `${r.method} ${r.url}`);
    expect(pub).toEqual([
      'POST /api/v1/auth/login',
      // Identity providers: which exist, the OpenID Connect redirect and callback, the LDAP password check.
      'GET /api/v1/auth/providers',
      'GET /api/v1/auth/oidc/login',
      'GET /api/v1/auth/oidc/callback',
      'POST /api/v1/auth/ldap/login',
    ]);
  });

  it('refuses or admits each caller on each route exactly as its policy says', async () => {
    const problems: string[] = [];
    let checked = 0;
    for (const route of apiRoutes()) {
      if (!route.policy) continue;
      for (const caller of CALLERS) {
        const headers: Record<string, string> = caller === 'none' ? {} : asSession(await session(caller));
        if (route.websocket) Object.assign(headers, { origin: 'http://localhost:80' });
        const res = await server.inject({
          method: route.method as 'GET',
          url: fillUrl(route),
          headers,
          ...(['GET', 'HEAD', 'DELETE'].includes(route.method) ? {} : { payload: {} }),
        });
        const wasRefused = refused.has(String(res.headers['x-request-id']));
        const want = expected(route.policy, caller);
        const label = `${route.method} ${route.url} as ${caller}`;
        if (want === null && wasRefused)
          problems.push(`${label}: refused with ${res.statusCode}, should pass`);
        if (want !== null && (!wasRefused || res.statusCode !== want)) {
          problems.push(
            `${label}: got ${res.statusCode}${wasRefused ? '' : ' from the handler'}, want ${want}`,
          );
        }
        checked++;
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(apiRoutes().length * CALLERS.length);
  }, 120_000);
});
