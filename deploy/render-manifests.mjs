#!/usr/bin/env node
/* global process, console */
// Renders the plain manifests in deploy/manifests from the Helm chart, one file per example values file:
//   node deploy/render-manifests.mjs            write deploy/manifests/*.yaml
//   node deploy/render-manifests.mjs --check    exit 1 when a committed file differs from a fresh render
// helm is $KNM_HELM_BIN, else the one scripts/k8s/build.sh helm caches, else helm on PATH.
// The manifests expect a Secret you create (auth.existingSecret), so rendering is deterministic and no
// generated key or password is ever committed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CHART = path.join(here, 'helm', 'kube-node-manager');
export const MANIFESTS = path.join(here, 'manifests');
export const RELEASE = 'kube-node-manager';
export const NAMESPACE = 'kube-node-manager';
export const SECRET = 'kube-node-manager-secrets';
export const EXAMPLES = ['sqlite', 'postgresql'];

export function findHelm() {
  if (process.env.KNM_HELM_BIN) return process.env.KNM_HELM_BIN;
  const cache = process.env.KNM_K8S_CACHE ?? path.join(os.homedir(), '.cache', 'knm-k8s');
  const cached = path.join(cache, `helm-${process.env.KNM_HELM_VERSION ?? 'v4.3.2'}`, 'helm');
  if (fs.existsSync(cached)) return cached;
  const onPath = spawnSync('helm', ['version', '--short'], { encoding: 'utf8' });
  return onPath.status === 0 ? 'helm' : undefined;
}

export function render(helm, example) {
  const args = [
    'template',
    RELEASE,
    CHART,
    '--namespace',
    NAMESPACE,
    '-f',
    path.join(CHART, 'examples', `${example}.yaml`),
    '--set',
    `auth.existingSecret=${SECRET}`,
  ];
  const r = spawnSync(helm, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`helm ${args.join(' ')} failed:\n${r.stderr}`);
  return (
    `# Rendered from deploy/helm/kube-node-manager with examples/${example}.yaml by deploy/render-manifests.mjs;\n` +
    `# do not edit. Create the Secret ${SECRET} in namespace ${NAMESPACE} first (README "Installing in a cluster").\n` +
    r.stdout
  );
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const helm = findHelm();
  if (!helm) {
    console.error('helm not found: run scripts/k8s/build.sh helm (or set KNM_HELM_BIN)');
    process.exit(2);
  }
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const example of EXAMPLES) {
    const file = path.join(MANIFESTS, `${example}.yaml`);
    const text = render(helm, example);
    if (check) {
      const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      if (old !== text) {
        console.error(
          `${path.relative(process.cwd(), file)} is out of date: run node deploy/render-manifests.mjs`,
        );
        stale++;
      }
    } else {
      fs.mkdirSync(MANIFESTS, { recursive: true });
      fs.writeFileSync(file, text);
      console.log(`wrote ${path.relative(process.cwd(), file)}`);
    }
  }
  process.exit(stale ? 1 : 0);
}
