// An app instance for tests: temp data directory, captured JSON logs, no demo, no web build, and callers
// authenticated with real API tokens chosen by test headers (x-test-role, x-test-clusters).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll } from 'vitest';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/log/logger.js';
import { createApp, type App, type AppOverrides } from '../../src/app.js';
import { openStore } from '../../src/store/index.js';
import type { Role } from '../../src/auth/identity.js';
import { securityFor } from '../../src/auth/context.js';
import { toAuthUser } from '../../src/auth/users.js';

export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    cb();
  }
  get text(): string {
    return this.lines.join('\n');
  }
  parsed(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

const HARNESS_PASSWORD = 'harness-password-0001';

/**
 * Real credentials for the test headers: `x-test-role` (default admin) and `x-test-clusters` (comma list)
 * become an API token of a user with that role and cluster restriction, created on first use.
 */
function tokenIssuer(app: App) {
  const cache = new Map<string, Promise<string>>();
  const sec = app.services.security;
  const meta = { ip: '127.0.0.1', requestId: 'test-harness' };
  return (role: Role, clusters: string[] | null): Promise<string> => {
    const username = clusters ? `test-${role}-${clusters.join('-')}` : `test-${role}`;
    let p = cache.get(username);
    if (!p) {
      p = (async () => {
        // A restarted app on the same data directory already has the user.
        const row =
          (await sec.auth.users.getRowByUsername(username)) ??
          (await sec.auth.users.getRow(
            (await sec.auth.createUser({ username, password: HARNESS_PASSWORD, role, clusters }, meta)).id,
          ));
        const { secret } = await sec.auth.createToken(toAuthUser(row!, 'token'), { name: 'test' }, meta);
        return secret;
      })();
      cache.set(username, p);
    }
    return p;
  };
}

export interface TestApp {
  app: App;
  config: Config;
  dataDir: string;
  logs: LogCapture;
  /** Every response body seen through `call`, for leak checks. */
  bodies: string[];
  call(
    method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH',
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  /** Authorization header of a caller with this role (default admin), for requests made without `call`. */
  auth(role?: Role, clusters?: string[]): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export interface TestAppOptions extends AppOverrides {
  env?: NodeJS.ProcessEnv;
  /** KNM_* variables on top of the test defaults. */
  knm?: Record<string, string>;
  dataDir?: string;
  /** Let createApp open (and close) the store itself, as in production (users then cost full scrypt). */
  appOwnsStore?: boolean;
  /** Call app.start() (listens on a free port). Default false: inject only, clusters started. */
  listen?: boolean;
}

// Data directories made here outlive close(): a test may restart an app on the same one. They go when the
// test file is done.
const madeDirs: string[] = [];
afterAll(() => {
  for (const d of madeDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

export async function makeTestApp(o: TestAppOptions = {}): Promise<TestApp> {
  let dataDir = o.dataDir;
  if (!dataDir) {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-app-'));
    madeDirs.push(dataDir);
  }
  const config = loadConfig({
    KNM_DATA_DIR: dataDir,
    KNM_DEMO: 'false',
    KNM_PORT: '0',
    KNM_LOG_LEVEL: 'debug',
    KNM_API_TIMEOUT_MS: '5000',
    KNM_ADMIN_PASSWORD: 'harness-admin-password',
    ...o.knm,
  });
  const logs = new LogCapture();
  const log = createLogger(config.logLevel, logs);
  // The security services are created once per store: create them first with cheap scrypt (same hash format
  // and code path), so tests that make users do not spend seconds hashing.
  const store = o.appOwnsStore ? undefined : (o.store ?? (await openStore(config, { log })));
  if (store) securityFor({ config, store, log }, { scrypt: { logN: 10, r: 8, p: 1 } });
  const app = await createApp(config, {
    log,
    store,
    webDir: null,
    startSim: null,
    env: o.env ?? { HOME: path.join(dataDir, 'home') },
    ...o,
  });
  const issue = tokenIssuer(app);
  if (o.listen) await app.start();
  else await app.services.clusters.start();
  const bodies: string[] = [];
  return {
    app,
    config,
    dataDir,
    logs,
    bodies,
    async call(method, url, body, headers = {}) {
      const { 'x-test-role': role = 'admin', 'x-test-clusters': clusters, ...rest } = headers;
      const secret = await issue(role as Role, clusters ? clusters.split(',') : null);
      const res = await app.server.inject({
        method,
        url,
        headers: { authorization: `Bearer ${secret}`, ...rest },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      bodies.push(res.body);
      return res;
    },
    async auth(role = 'admin', clusters) {
      return { authorization: `Bearer ${await issue(role, clusters ?? null)}` };
    },
    async close() {
      await app.stop();
      if (store && !o.store) await store.close();
    },
  };
}
