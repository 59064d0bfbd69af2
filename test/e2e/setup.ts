/**
 * End-to-end harness: builds the console when its sources are newer than dist/web, runs the real server (with
 * the built-in simulated cluster) as a child process on a free port and a temporary data directory, drives
 * Debian's Chromium through playwright-core, and offers a small API client for changes "made by someone else".
 * Never downloads a browser; never waits with fixed sleeps (every wait polls a condition with a deadline).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');
export const CHROMIUM = process.env.KNM_CHROMIUM ?? '/usr/bin/chromium';
export const ADMIN_PASSWORD = 'e2e-admin-password-1';
/** The server entry to run (default the TypeScript source; e.g. dist/server/main.js after `npm run build:server`). */
export const SERVER_ENTRY = process.env.KNM_E2E_SERVER_ENTRY ?? 'src/main.ts';

/** Poll `fn` until it returns a truthy value; fail with `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  fn: () => T | Promise<T>,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function newestMtime(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of readdirSync(p)) {
    if (e === 'node_modules' || e.endsWith('.test.ts')) continue;
    max = Math.max(max, newestMtime(path.join(p, e)));
  }
  return max;
}

/** Build dist/web unless it is newer than every source of the console. */
export function ensureWebBuilt(): void {
  const index = path.join(ROOT, 'dist/web/index.html');
  const sources = Math.max(
    newestMtime(path.join(ROOT, 'web')),
    statSync(path.join(ROOT, 'package-lock.json')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs > sources) return;
  const r = spawnSync('npm', ['run', 'build:web'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build:web failed');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** Start the real server with the demo cluster and wait until the demo cluster's cache is synced. */
export async function startServer(
  opts: { nodes?: number; env?: Record<string, string>; logName?: string } = {},
): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'knm-e2e-'));
  mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
  const log = createWriteStream(path.join(ROOT, 'test-results', opts.logName ?? 'e2e-server.log'));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(SERVER_ENTRY.endsWith('.js') ? [] : ['--import', 'tsx']),
      SERVER_ENTRY,
      '--port',
      String(port),
      '--data-dir',
      dataDir,
    ],
    {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        KNM_ADMIN_PASSWORD: ADMIN_PASSWORD,
        KNM_DEMO: 'true',
        KNM_DEMO_NODES: String(opts.nodes ?? 60),
        KNM_DEMO_CHURN: 'true',
        KNM_LOG_LEVEL: 'warn',
        KNM_HOST: '127.0.0.1',
        ...opts.env,
      },
    },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.on('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  // If this process dies without stopping the server (a crash, a failed cleanup), take the server with it.
  const reap = () => {
    if (exited || !child.pid) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  process.once('exit', reap);

  const stop = async () => {
    process.off('exit', reap);
    if (!exited && child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const killer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 15_000);
      await exit;
      clearTimeout(killer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    await until(
      'the server to report the demo cluster synced',
      async () => {
        if (exited) throw new Error('the server exited; see test-results/e2e-server.log');
        const r = await fetch(`${url}/readyz`);
        if (!r.ok) return false;
        const body = (await r.json()) as { clusters?: Record<string, string> };
        return body.clusters?.demo === 'synced';
      },
      120_000,
      250,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, dataDir, stop };
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
  // launch() gives every run a fresh temporary profile (user data dir).
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A browser context for the console. Functions passed to page.evaluate are compiled by tsx/esbuild, which may
 * wrap named inner functions in a `__name` helper that does not exist in the page; define it as identity.
 */
export async function newContext(
  browser: Browser,
  viewport = { width: 1600, height: 1000 },
): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport, locale: 'en-US' });
  await ctx.addInitScript({ content: 'window.__name = window.__name || ((f) => f);' });
  return ctx;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Let dialogs and drawers finish opening (CSS transitions; the row highlight animation may keep running).
  await page
    .waitForFunction(
      () => document.getAnimations().every((a) => !(a instanceof CSSTransition) || a.playState !== 'running'),
      undefined,
      {
        timeout: 3000,
      },
    )
    .catch(() => undefined);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

/** A second API client (another user), authenticated with a session cookie and its CSRF token. */
export class ApiClient {
  private cookie = '';
  private csrf = '';
  constructor(private readonly base: string) {}

  static async login(base: string, username: string, password: string): Promise<ApiClient> {
    const c = new ApiClient(base);
    const r = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (!r.ok) throw new Error(`login ${username}: ${r.status} ${await r.text()}`);
    c.cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
    c.csrf = ((await r.json()) as { csrfToken: string }).csrfToken;
    return c;
  }

  async call<T>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }> {
    const r = await fetch(`${this.base}/api/v1${p}`, {
      method,
      headers: {
        cookie: this.cookie,
        ...(method === 'GET' ? {} : { 'x-csrf-token': this.csrf }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async ok<T>(method: string, p: string, body?: unknown): Promise<T> {
    const r = await this.call<T>(method, p, body);
    if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }
}

/** Log in through the form and wait for the node table to hold rows. */
export async function loginThroughUi(
  page: Page,
  base: string,
  username: string,
  password: string,
): Promise<void> {
  // The first screen is the fleet overview; the suites start from the node list.
  await page.goto(`${base}/#/nodes`);
  await page.locator('input[data-testid="login-username"]').fill(username);
  await page.locator('input[data-testid="login-password"]').fill(password);
  await page.locator('[data-testid="login-submit"]').click();
  await page.locator('[data-testid="node-row"]').first().waitFor({ timeout: 30_000 });
}
