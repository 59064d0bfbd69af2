#!/usr/bin/env node
// `npm test`: the fast tiers (server and web, via vitest) and then the real-control-plane tier when its runner
// exists. Arguments are passed to vitest (e.g. `npm test -- test/clusters`) and then only the fast tiers run.
// Says plainly which tiers ran, which were skipped and why. Plain Node: it must work before `npm ci`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const win = process.platform === 'win32';
const at = (...p) => path.join(root, ...p);
const mtime = (p) => {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return 0;
  }
};

function run(cmd, args, env = process.env) {
  console.log(`\n> ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env, shell: win });
  return r.status ?? 1;
}

if (
  !fs.existsSync(at('node_modules')) ||
  mtime(at('package-lock.json')) > mtime(at('node_modules', '.package-lock.json'))
) {
  if (run(win ? 'npm.cmd' : 'npm', ['ci']) !== 0) {
    console.error('npm ci failed; cannot run the tests.');
    process.exit(1);
  }
}

function hasTests(dir) {
  if (!fs.existsSync(dir)) return false;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory() ? hasTests(p) : /\.test\.ts$/.test(e.name)) return true;
  }
  return false;
}

const results = [];
const extra = process.argv.slice(2);

const projects = ['--project', 'server'];
if (hasTests(at('web'))) projects.push('--project', 'web');
else results.push(['web', 'skipped (no web/**/*.test.ts)']);
console.log(
  process.env.KNM_TEST_DATABASE_URL
    ? 'Store tests run on SQLite and on PostgreSQL (KNM_TEST_DATABASE_URL is set).'
    : 'Store tests run on SQLite only; set KNM_TEST_DATABASE_URL=postgres://… to include PostgreSQL.',
);
const vitest = at('node_modules', 'vitest', 'vitest.mjs');
const fast = run(process.execPath, [vitest, 'run', ...projects, ...extra]);
results.unshift([
  projects.includes('web') ? 'server + web' : 'server',
  fast === 0 ? 'passed' : `FAILED (exit ${fast})`,
]);

let k8s = 0;
if (extra.length) {
  results.push(['k8s', 'skipped (test files were named)']);
} else if (fs.existsSync(at('scripts', 'test-k8s.mjs'))) {
  k8s = run(process.execPath, [at('scripts', 'test-k8s.mjs')]);
  results.push(['k8s', k8s === 0 ? 'passed (or skipped by its runner, see above)' : `FAILED (exit ${k8s})`]);
} else {
  results.push(['k8s', 'skipped (scripts/test-k8s.mjs not present)']);
}

console.log('\nTest tiers:');
for (const [tier, outcome] of results) console.log(`  ${tier.padEnd(14)} ${outcome}`);
process.exit(fast !== 0 ? fast : k8s);
