/**
 * The real server (with its built-in simulated cluster) as a child process on a free port and a temporary data
 * directory, and the console build it serves. For the browser suites and the browser benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
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
import { until } from './until.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ADMIN_PASSWORD = 'e2e-admin-password-1';
/** The server entry to run (default the TypeScript source; e.g. dist/server/main.js after `npm run build:server`). */
export const SERVER_ENTRY = process.env.KNM_E2E_SERVER_ENTRY ?? 'src/main.ts';

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

/**
 * Build dist/web unless it is newer than every source of the console. The build runs as a child process that is
 * awaited, not waited for synchronously, so the test worker stays responsive to its runner meanwhile.
 */
export async function ensureWebBuilt(): Promise<void> {
  const index = path.join(ROOT, 'dist/web/index.html');
  const sources = Math.max(
    newestMtime(path.join(ROOT, 'web')),
    statSync(path.join(ROOT, 'package-lock.json')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs > sources) return;
  const status = await new Promise<number | null>((resolve, reject) => {
    const build = spawn('npm', ['run', 'build:web'], { cwd: ROOT, stdio: 'inherit' });
    build.once('error', reject);
    build.once('exit', resolve);
  });
  if (status !== 0) throw new Error('npm run build:web failed');
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
