#!/usr/bin/env node
// `npm run test:k8s`: the real-control-plane tier. Builds (or reuses from the cache) kube-apiserver,
// kube-controller-manager, kube-scheduler, etcd, kwok, kubectl and helm with scripts/k8s/build.sh, then runs the vitest `k8s` project —
// the API contract against the simulator and a real kube-apiserver, and the product's own tests against
// the real one. Arguments are passed to vitest (e.g. `npm run test:k8s -- test/k8s/contract.test.ts`).
//
// Without Go (and without cached binaries) the tier cannot run: this says so plainly and exits 0, so the
// project's test command still passes on such a machine. Any other failure, including a failed build with
// Go present, exits non-zero. Plain Node, no dependencies.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cache = process.env.KNM_K8S_CACHE ?? path.join(os.homedir(), '.cache', 'knm-k8s');
const k8s = process.env.KNM_K8S_VERSION ?? 'v1.34.4';
const components = [
  ['etcd', process.env.KNM_ETCD_VERSION ?? 'v3.6.16'],
  ['kwok', process.env.KNM_KWOK_VERSION ?? 'v0.7.0'],
  ['kube-apiserver', k8s],
  ['kube-controller-manager', k8s],
  // Binds the pods the workload controllers recreate (test/k8s/workloads.test.ts, maintenance.test.ts).
  ['kube-scheduler', k8s],
  // The same kubectl script runs against the simulator and kube-apiserver (test/k8s/kubectl.test.ts).
  ['kubectl', k8s],
  // The chart's tests (test/k8s/chart.test.ts): helm lint and helm template.
  ['helm', process.env.KNM_HELM_VERSION ?? 'v4.3.2'],
];
const binaries = components.map(([name, version]) => path.join(cache, `${name}-${version}`, name));
const buildArgs = [path.join(root, 'scripts', 'k8s', 'build.sh'), ...components.map(([name]) => name)];
// The newest go directive among the modules built (etcd v3.6 asks for the most).
const MIN_GO = '1.26';

const notRun = (why) => {
  console.log(
    `\nreal-control-plane tier NOT run: ${why}; install Go >= ${MIN_GO} and run \`npm run test:k8s\`` +
      ` (the first build takes 15-30 minutes; binaries are then cached in ${cache}).`,
  );
  process.exit(0);
};

function findGo() {
  for (const candidate of ['go', '/usr/local/go/bin/go']) {
    const r = spawnSync(candidate, ['env', 'GOVERSION'], { encoding: 'utf8' });
    if (r.status === 0 && /^go\d/.test(r.stdout.trim())) return { bin: candidate, version: r.stdout.trim() };
  }
  return undefined;
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const cached = binaries.every((b) => fs.existsSync(b));
const go = findGo();
if (!cached && !go) notRun('Go not found');

const t0 = Date.now();
if (!cached) {
  console.log(`Building the control-plane binaries with ${go.version} (cached afterwards in ${cache})…`);
  const env = { ...process.env };
  if (go.bin !== 'go') env.PATH = `${env.PATH ?? ''}${path.delimiter}${path.dirname(go.bin)}`;
  const build = spawnSync('bash', buildArgs, {
    cwd: root,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  process.stderr.write(build.stderr ?? '');
  if (build.status !== 0) {
    const tooOld = /needs Go >= (\S+) but go is (\S+)/.exec(build.stderr ?? '');
    if (tooOld) notRun(`Go ${tooOld[2]} is too old (needs ${tooOld[1]})`);
    console.error(`\nreal-control-plane tier FAILED: scripts/k8s/build.sh exited ${build.status}`);
    process.exit(build.status ?? 1);
  }
} else {
  // Still report what is used; build.sh only checks the cache when everything is there.
  spawnSync('bash', buildArgs, { cwd: root, stdio: 'inherit' });
}
const built = Date.now();

const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const run = spawnSync(process.execPath, [vitest, 'run', '--project', 'k8s', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
const status = run.status ?? 1;
console.log(
  `\nreal-control-plane tier ${status === 0 ? 'passed' : `FAILED (exit ${status})`}: ` +
    `binaries ${cached ? 'cached' : 'built'} in ${seconds(built - t0)}, tests ran in ${seconds(Date.now() - built)}.`,
);
process.exit(status);
