// A server with the security layer and the account routes on a fresh SQLite store, an injected clock, captured
// logs, and a few probe routes standing in for other parts' routes.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildServer } from '../../src/api/server.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createLogger, type Logger } from '../../src/log/logger.js';
import { openStore, type Store } from '../../src/store/index.js';
import { registerAuth, type SecurityOverrides } from '../../src/auth/index.js';
import { securityFor, type Security } from '../../src/auth/context.js';
import { authRoutes } from '../../src/api/routes/auth.js';
import { userRoutes } from '../../src/api/routes/users.js';
import { tokenRoutes } from '../../src/api/routes/tokens.js';
import { auditRoutes } from '../../src/api/routes/audit.js';
import type { Role } from '../../src/auth/identity.js';
import { testDialects, type TestDatabase, type TestDialect } from '../store/databases.js';

const sqliteDialect = testDialects()[0]!;
/** SQLite always; PostgreSQL too when KNM_TEST_DATABASE_URL is set (see test/store/databases.ts). */
export const dialects = testDialects();

export const ADMIN_PASSWORD = 'admin-Secret-pw-0001';
/** Cheap scrypt for tests; the hash format and code path are the production ones. */
export const FAST_SCRYPT = { logN: 10, r: 8, p: 1 };
export const T0 = Date.parse('2026-03-01T10:00:00.000Z');

export class Clock {
  t = T0;
  now = () => this.t;
  advance(ms: number) {
    this.t += ms;
  }
  /** Waits asked for by the server (sign-in delays), in order; each is passed at once on this clock. */
  readonly slept: number[] = [];
  sleep = async (ms: number) => {
    this.slept.push(ms);
    this.advance(ms);
  };
}

/** Counts calls, so tests can prove a refused request changed nothing. */
export interface Probe {
  writes: { cluster?: string; by: string }[];
}

export interface TestApp {
  app: FastifyInstance;
  store: Store;
  config: Config;
  clock: Clock;
  sec: Security;
  probe: Probe;
  logs: string[];
  printed: string[];
  database: TestDatabase;
  close(keepData?: boolean): Promise<void>;
}

/** The services a harness app has: enough for the account, sign-in and audit route groups. */
export interface HarnessServices {
  config: Config;
  log: Logger;
  store: Store;
  security: Security;
}

/** Routes added by a test: registers its route group with what it needs, e.g. `(a, s) => a.register(x, s)`. */
export type HarnessModule = (app: FastifyInstance, services: HarnessServices) => unknown;

export interface TestAppOptions {
  env?: Record<string, string>;
  overrides?: Omit<SecurityOverrides, 'now' | 'print' | 'sleep'>;
  /** Reuse a database (restart tests: close the first app with `close(true)`). */
  database?: TestDatabase;
  /** Where a new database is made (default SQLite); see test/store/databases.ts for PostgreSQL. */
  dialect?: TestDialect;
  clock?: Clock;
  /** More route groups (after the probes). */
  modules?: HarnessModule[];
}

export async function startTestApp(o: TestAppOptions = {}): Promise<TestApp> {
  const database = o.database ?? (await (o.dialect ?? sqliteDialect).create());
  const config = loadConfig({
    KNM_DATA_DIR: database.cfg.dataDir,
    KNM_DATABASE_URL: database.cfg.databaseUrl,
    KNM_DEMO: 'false',
    KNM_ADMIN_PASSWORD: ADMIN_PASSWORD,
    KNM_LOG_LEVEL: 'debug',
    ...o.env,
  });
  const logs: string[] = [];
  const log = createLogger(config.logLevel, { write: (s: string) => void logs.push(s) });
  let store: Store;
  try {
    store = await openStore(config, { log });
  } catch (e) {
    if (!o.database) await database.drop();
    throw e;
  }
  const clock = o.clock ?? new Clock();
  const printed: string[] = [];
  const probe: Probe = { writes: [] };
  const overrides: SecurityOverrides = {
    scrypt: FAST_SCRYPT,
    ...o.overrides,
    now: clock.now,
    sleep: clock.sleep,
    print: (t) => void printed.push(t),
  };
  // The security services are made once per store: these overrides hold for everything built on it.
  const security = securityFor({ config, store, log }, overrides);
  const services: HarnessServices = { config, log, store, security };
  // Wired as in src/app.ts: the policy layer on the root instance, route groups as plugins.
  const app = await buildServer({ config, log }, { webDir: null });
  registerAuth(app, { config, store, log }, overrides);
  await app.register(authRoutes, { security, config });
  await app.register(userRoutes, { security });
  await app.register(tokenRoutes, { security });
  await app.register(auditRoutes, { security });
  probeRoutes(app, probe);
  for (const m of o.modules ?? []) await m(app, services);
  try {
    await app.ready();
  } catch (e) {
    await app.close().catch(() => undefined);
    await store.close();
    if (!o.database) await database.drop();
    throw e;
  }
  return {
    app,
    store,
    config,
    clock,
    sec: security,
    probe,
    logs,
    printed,
    database,
    async close(keepData = false) {
      await app.close();
      await store.close();
      if (!keepData) await database.drop();
    },
  };
}

function probeRoutes(app: FastifyInstance, probe: Probe) {
  const write = (req: { params: unknown; user?: { username: string } }) => {
    probe.writes.push({ cluster: (req.params as { cluster?: string }).cluster, by: req.user!.username });
    return { ok: true };
  };
  app.get('/api/v1/probe/read', { config: { policy: { role: 'viewer' } } }, async () => ({ ok: true }));
  app.post('/api/v1/probe/operate', { config: { policy: { role: 'operator' } } }, async (req) => write(req));
  app.post('/api/v1/probe/admin', { config: { policy: { role: 'admin' } } }, async (req) => write(req));
  app.post(
    '/api/v1/probe/clusters/:cluster/nodes/:name/cordon',
    { config: { policy: { role: 'operator', clusterParam: 'cluster' }, auditAction: 'node.cordon' } },
    async (req) => write(req),
  );
  app.get(
    '/api/v1/probe/clusters/:cluster',
    { config: { policy: { role: 'viewer', clusterParam: 'cluster' } } },
    async () => ({ ok: true }),
  );
  app.get('/api/v1/probe/public', { config: { policy: { public: true } } }, async () => ({ ok: true }));
  app.get('/api/v1/probe/no-policy', async () => ({ leaked: true }));
}

export interface Session {
  cookie: string;
  csrf: string;
  /** The raw session id (to scan logs for it). */
  sessionId: string;
  user: { id: string; username: string; role: Role };
}

export function cookieFrom(res: LightMyRequestResponse): string | undefined {
  const h = res.headers['set-cookie'];
  const first = Array.isArray(h) ? h[0] : h;
  return first?.split(';')[0];
}

export async function login(app: FastifyInstance, username: string, password: string, ip = '10.0.0.1') {
  return app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username, password },
    remoteAddress: ip,
  });
}

export async function signIn(app: FastifyInstance, username: string, password: string): Promise<Session> {
  const res = await login(app, username, password);
  if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
  const cookie = cookieFrom(res)!;
  return {
    cookie,
    csrf: res.json().csrfToken,
    sessionId: cookie.split('=')[1]!,
    user: res.json().user,
  };
}

export function asSession(s: Session, withCsrf = true) {
  return { cookie: s.cookie, ...(withCsrf ? { 'x-csrf-token': s.csrf } : {}) };
}

export function asToken(secret: string) {
  return { authorization: `Bearer ${secret}` };
}

export async function createUser(
  t: TestApp,
  admin: Session,
  username: string,
  role: Role,
  extra: Record<string, unknown> = {},
): Promise<{ id: string; password: string }> {
  const password = `${username}-Pass-word-123`;
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/users',
    headers: asSession(admin),
    payload: { username, password, role, ...extra },
  });
  if (res.statusCode !== 201) throw new Error(`create ${username}: ${res.statusCode} ${res.body}`);
  return { id: res.json().user.id, password };
}

export async function auditEntries(t: TestApp, filters: Record<string, string> = {}) {
  return (await t.sec.audit.list({ ...filters, limit: 1000 })).items;
}
