#!/usr/bin/env node
// `npm test`: the fast tiers (server and web, via vitest) and then the real-control-plane tier when its runner
// exists. Arguments are passed to vitest (e.g. `npm test -- test/clusters`) and then only the fast tiers run.
//
// The store tests cover SQLite and PostgreSQL. Without KNM_TEST_DATABASE_URL this starts a throw-away
// PostgreSQL (scripts/throwaway-postgres.mjs) for the run and removes it on exit, failure or Ctrl-C; if it
// cannot start, it says why and the run covers SQLite only — except under CI=true, where that is a failure.
// Says plainly which tiers ran, which were skipped and why. Plain Node: it must work before `npm ci`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDependencies } from './install-deps.mjs';
import { postgresChoice, startThrowawayPostgres } from './throwaway-postgres.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const win = process.platform === 'win32';
const at = (...p) => path.join(root, ...p);

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`Kube Node Manager needs Node.js 20.19 or newer; this is ${process.versions.node}.`);
  process.exit(1);
}

if (!ensureDependencies(root)) {
  console.error('Cannot run the tests without their dependencies.');
  process.exit(1);
}

// Children run one at a time; a signal is passed on to the running one, and once it has ended the run stops
// (PostgreSQL is stopped and removed on the way out).
let current;
let interrupted;
function run(cmd, args, env) {
  console.log(`\n> ${cmd === process.execPath ? 'node' : cmd} ${args.join(' ')}`);
  return new Promise((resolve) => {
    current = spawn(cmd, args, { cwd: root, stdio: 'inherit', env, shell: win });
    current.on('error', (e) => {
      console.error(`${cmd}: ${e.message}`);
      resolve(1);
    });
    current.on('exit', (code, signal) => {
      current = undefined;
      resolve(code ?? 128 + (SIGNALS[signal] ?? 1));
    });
  });
}
const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };

let postgres;
let starting = false;
for (const sig of Object.keys(SIGNALS)) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = sig;
    console.error(`\n${sig}: stopping the tests…`);
    current?.kill(sig);
    // While PostgreSQL starts, the start finishes first so that it can be stopped and removed.
    if (!current && !starting) void finish(128 + SIGNALS[sig]);
  });
}
// Last resort (an unexpected throw): never leave a server or its data behind.
process.on('exit', () => postgres?.stopNow());

async function finish(code) {
  const pg = postgres;
  postgres = undefined;
  if (pg) await pg.stop().catch((e) => console.error(`stopping PostgreSQL: ${e.message}`));
  process.exit(code);
}

/** Decides the PostgreSQL half of the store tests; returns the environment for the tiers and the label. */
async function preparePostgres() {
  const env = { ...process.env };
  if (env.KNM_TEST_DATABASE_URL) {
    return { env, dialects: 'SQLite, PostgreSQL (KNM_TEST_DATABASE_URL)' };
  }
  const ci = /^(1|true|yes)$/i.test(env.CI ?? '');
  let choice;
  try {
    choice = postgresChoice(env);
  } catch (e) {
    console.error(e.message);
    await finish(2);
  }
  if (choice === 'off' && !ci) {
    console.log('Store tests run on SQLite only (KNM_TEST_POSTGRES=off).');
    return { env, dialects: 'SQLite only (KNM_TEST_POSTGRES=off)' };
  }
  console.log('Starting a throw-away PostgreSQL for the store tests…');
  try {
    starting = true;
    postgres = await startThrowawayPostgres({ root, choice });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (ci) {
      console.error(
        `\nPostgreSQL could not start: ${why}\nCI=true: the store tests must cover PostgreSQL too.`,
      );
      await finish(1);
    }
    const bar = '!'.repeat(100);
    console.error(
      `\n${bar}\nPostgreSQL could not start: ${why}\n` +
        'The store tests run on SQLite ONLY. Set KNM_TEST_DATABASE_URL=postgres://… to use a server of yours.\n' +
        `${bar}\n`,
    );
    return { env, dialects: `SQLite only (PostgreSQL could not start: ${why})` };
  } finally {
    starting = false;
  }
  env.KNM_TEST_DATABASE_URL = postgres.url;
  console.log(`PostgreSQL ${postgres.version} (${postgres.source}) is up at ${postgres.url}`);
  return { env, dialects: `SQLite, PostgreSQL ${postgres.version} (${postgres.source})` };
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
const { env, dialects } = await preparePostgres();
if (interrupted) await finish(128 + SIGNALS[interrupted]);

const projects = ['--project', 'server'];
if (hasTests(at('web'))) projects.push('--project', 'web');
else results.push(['web', 'skipped (no web/**/*.test.ts)']);
const vitest = at('node_modules', 'vitest', 'vitest.mjs');
const fast = await run(process.execPath, [vitest, 'run', ...projects, ...extra], env);
results.unshift([
  projects.includes('web') ? 'server + web' : 'server',
  fast === 0 ? 'passed' : `FAILED (exit ${fast})`,
]);

let k8s = 0;
if (interrupted) {
  results.push(['k8s', `not run (${interrupted})`]);
} else if (extra.length) {
  results.push(['k8s', 'skipped (test files were named)']);
} else if (fs.existsSync(at('scripts', 'test-k8s.mjs'))) {
  k8s = await run(process.execPath, [at('scripts', 'test-k8s.mjs')], env);
  results.push(['k8s', k8s === 0 ? 'passed (or skipped by its runner, see above)' : `FAILED (exit ${k8s})`]);
} else {
  results.push(['k8s', 'skipped (scripts/test-k8s.mjs not present)']);
}

console.log('\nTest tiers:');
for (const [tier, outcome] of results) console.log(`  ${tier.padEnd(14)} ${outcome}`);
console.log(`Store tests ran on: ${dialects}`);
await finish(fast !== 0 ? fast : k8s);
