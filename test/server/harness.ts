// An app instance for tests: temp data directory, captured JSON logs, no demo, no web build, and a stand-in
// for the auth layer that takes the caller's identity from test headers (x-test-role, x-test-clusters).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/log/logger.js';
import { createApp, type App, type AppOverrides } from '../../src/app.js';
import type { RouteModule } from '../../src/api/server.js';
import type { Role } from '../../src/api/policy.js';

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

export const testUser: RouteModule = (app) => {
  app.addHook('onRequest', async (req) => {
    const role = (req.headers['x-test-role'] as Role | undefined) ?? 'admin';
    const clusters = req.headers['x-test-clusters'];
    req.user = {
      id: 'u-' + role,
      username: `test-${role}`,
      role,
      clusters: typeof clusters === 'string' ? clusters.split(',') : null,
      canOverrideGuard: false,
      canOverrideSystemLabels: false,
      via: 'session',
    };
  });
};

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
  close(): Promise<void>;
}

export interface TestAppOptions extends AppOverrides {
  env?: NodeJS.ProcessEnv;
  /** KNM_* variables on top of the test defaults. */
  knm?: Record<string, string>;
  dataDir?: string;
  /** Call app.start() (listens on a free port). Default false: inject only, clusters started. */
  listen?: boolean;
  withUser?: boolean;
}

export async function makeTestApp(o: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = o.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'knm-app-'));
  const config = loadConfig({
    KNM_DATA_DIR: dataDir,
    KNM_DEMO: 'false',
    KNM_PORT: '0',
    KNM_LOG_LEVEL: 'debug',
    KNM_API_TIMEOUT_MS: '5000',
    ...o.knm,
  });
  const logs = new LogCapture();
  const routes = [...(o.withUser === false ? [] : [testUser]), ...(o.routes ?? [])];
  const app = await createApp(config, {
    log: createLogger(config.logLevel, logs),
    webDir: null,
    startSim: null,
    env: o.env ?? { HOME: path.join(dataDir, 'home') },
    ...o,
    routes,
  });
  if (o.listen) await app.start();
  else await app.ctx.clusters.start();
  const bodies: string[] = [];
  return {
    app,
    config,
    dataDir,
    logs,
    bodies,
    async call(method, url, body, headers = {}) {
      const res = await app.server.inject({
        method,
        url,
        headers,
        ...(body === undefined ? {} : { payload: body as object }),
      });
      bodies.push(res.body);
      return res;
    },
    async close() {
      await app.stop();
    },
  };
}
