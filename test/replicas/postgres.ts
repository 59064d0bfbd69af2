// A PostgreSQL for tests that run several server processes: the server KNM_TEST_DATABASE_URL points at (a
// throw-away database is created on it), or else a throw-away server started here from Debian's binaries
// (/usr/lib/postgresql/<version>/bin, installed by .ci/run), owned by the `postgres` user when running as root
// (initdb and postgres refuse root). Neither available → the caller skips and says why.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { testDialects } from '../store/databases.js';

export interface TestPostgres {
  /** A fresh, empty database. */
  url: string;
  stop(): Promise<void>;
}

function debianBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return undefined;
  const versions = fs
    .readdirSync(base)
    .filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(base, versions[0], 'bin') : undefined;
}

/** Why no PostgreSQL can be had here, or undefined when one can. */
export function postgresUnavailable(): string | undefined {
  if (process.env.KNM_TEST_DATABASE_URL) return undefined;
  if (debianBinDir()) return undefined;
  return 'no PostgreSQL: set KNM_TEST_DATABASE_URL=postgres://… or install the postgresql package (.ci/run does)';
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitForServer(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited (${child.exitCode}):\n${log()}`);
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
      await c.end();
      return;
    } catch {
      await c.end().catch(() => undefined);
    }
    if (Date.now() > deadline) throw new Error(`postgres did not accept connections:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const shared = testDialects().find((d) => d.name === 'postgres');
  if (shared) {
    const db = await shared.create();
    return { url: db.cfg.databaseUrl, stop: () => db.drop() };
  }
  const bin = debianBinDir();
  if (!bin) throw new Error(postgresUnavailable());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-pg-'));
  const ids: { uid?: number; gid?: number } = {};
  if (process.getuid?.() === 0) {
    ids.uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    ids.gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    fs.chownSync(dir, ids.uid, ids.gid);
  }
  const data = path.join(dir, 'data');
  execFileSync(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'], {
    ...ids,
    cwd: dir,
    stdio: 'pipe',
  });
  const port = await freePort();
  let out = '';
  const child = spawn(
    path.join(bin, 'postgres'),
    ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
    { ...ids, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  try {
    await waitForServer(url, child, () => out);
  } catch (e) {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT'); // fast shutdown
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
