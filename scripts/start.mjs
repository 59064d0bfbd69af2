#!/usr/bin/env node
// `npm start`: install dependencies if missing or stale, build what is older than its sources, then run the
// server with the given arguments, passing signals through so Ctrl-C and SIGTERM shut it down gracefully.
// Plain Node on purpose: it must work before `npm ci` has run.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDependencies } from './install-deps.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`Kube Node Manager needs Node.js 20.19 or newer; this is ${process.versions.node}.`);
  process.exit(1);
}

const mtime = (p) => {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return 0;
  }
};

/** Newest modification time of any file under `dir` (skipping node_modules and dot-folders). */
function newest(dir) {
  let max = 0;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    max = Math.max(max, e.isDirectory() ? newest(p) : mtime(p));
  }
  return max;
}

function run(what, args) {
  console.log(`> ${what}: ${npm} ${args.join(' ')}`);
  const r = spawnSync(npm, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`${what} failed (exit ${r.status ?? r.signal}).`);
    process.exit(r.status || 1);
  }
}

const at = (...p) => path.join(root, ...p);

if (!ensureDependencies(root)) process.exit(1);

const serverOut = at('dist', 'server', 'main.js');
const serverSources = Math.max(
  newest(at('src')),
  mtime(at('tsconfig.json')),
  mtime(at('tsconfig.build.json')),
);
if (mtime(serverOut) < serverSources) run('building the server', ['run', 'build:server']);

if (fs.existsSync(at('web', 'index.html'))) {
  const webOut = at('dist', 'web', 'index.html');
  if (mtime(webOut) < Math.max(newest(at('web')), mtime(at('package-lock.json')))) {
    run('building the web console', ['run', 'build:web']);
  }
} else {
  console.log('> no web console sources (web/index.html); serving the API only');
}

// The server gets its own process group: a Ctrl-C in the terminal signals the whole foreground group, and the
// server must see it once (this process passes it on), since a second signal means "exit without waiting".
const child = spawn(process.execPath, [serverOut, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  detached: true,
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  // The server shuts down gracefully on SIGINT and SIGTERM; a closed terminal (SIGHUP) stops it the same way.
  process.on(sig, () => child.kill(sig === 'SIGHUP' ? 'SIGTERM' : sig));
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
