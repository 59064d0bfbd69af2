// The Helm chart (deploy/helm/kube-node-manager) with helm v4 and kubectl built from Go modules like the control
// plane (scripts/k8s/build.sh helm kubectl): lint, render each example values file and check what it deploys,
// refuse bad values, keep deploy/manifests up to date, and have a real kube-apiserver accept the rendered
// manifests (kubectl apply --dry-run=server).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPlaneAvailable, startControlPlane, type ControlPlane } from './harness.js';
import { api } from './http.js';

const CHART = path.resolve('deploy/helm/kube-node-manager');
const MANIFESTS = path.resolve('deploy/manifests');
const cache = process.env.KNM_K8S_CACHE ?? path.join(os.homedir(), '.cache', 'knm-k8s');

function findTool(name: 'helm' | 'kubectl', version: string, envVar: string): string | undefined {
  const explicit = process.env[envVar];
  if (explicit) return fs.existsSync(explicit) ? explicit : undefined;
  const cached = path.join(cache, `${name}-${version}`, name);
  if (fs.existsSync(cached)) return cached;
  // Another cached version will do.
  const other = (fs.existsSync(cache) ? fs.readdirSync(cache) : [])
    .filter((d) => d.startsWith(`${name}-`) && fs.existsSync(path.join(cache, d, name)))
    .sort()
    .at(-1);
  return other ? path.join(cache, other, name) : undefined;
}

const helm = findTool('helm', process.env.KNM_HELM_VERSION ?? 'v4.3.2', 'KNM_HELM_BIN');
const kubectl = findTool('kubectl', process.env.KNM_K8S_VERSION ?? 'v1.34.4', 'KNM_KUBECTL_BIN');
if (!helm) console.log('chart tests skipped: helm not built (scripts/k8s/build.sh helm; needs Go)');

interface Obj {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  rules?: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
}

function run(bin: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

function template(...args: string[]): Obj[] {
  const r = run(helm!, ['template', 'knm', CHART, '--namespace', 'ops', ...args]);
  if (r.status !== 0) throw new Error(`helm template ${args.join(' ')} failed: ${r.stderr}`);
  return (yaml.loadAll(r.stdout) as Obj[]).filter(Boolean);
}

const example = (name: string) => ['-f', path.join(CHART, 'examples', `${name}.yaml`)];
const kinds = (docs: Obj[]) => docs.map((d) => d.kind).sort();
const one = (docs: Obj[], kind: string) => docs.find((d) => d.kind === kind)!;

interface Container {
  image: string;
  command?: string[];
  env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  securityContext: Record<string, unknown>;
  livenessProbe: { httpGet: { path: string } };
  readinessProbe: { httpGet: { path: string } };
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  securityContext: Record<string, unknown>;
  serviceAccountName: string;
  containers: Container[];
  volumes: Array<{ name: string; persistentVolumeClaim?: { claimName: string }; emptyDir?: object }>;
  topologySpreadConstraints?: Array<{ topologyKey: string }>;
}
const podSpec = (docs: Obj[]) =>
  (one(docs, 'Deployment').spec as { template: { spec: PodSpec } }).template.spec;

const suite = helm ? describe : describe.skip;

suite('Helm chart', () => {
  it('passes helm lint with the defaults and with each example', () => {
    for (const args of [[], example('sqlite'), example('postgresql')]) {
      const r = run(helm!, ['lint', CHART, '--strict', ...args]);
      expect(r.status, r.stdout + r.stderr).toBe(0);
    }
  });

  it('runs non-root on a read-only root filesystem, with probes, limits and only /data and /tmp writable', () => {
    for (const name of ['sqlite', 'postgresql']) {
      const spec = podSpec(template(...example(name)));
      const c = spec.containers[0]!;
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(c.livenessProbe.httpGet.path).toBe('/healthz');
      expect(c.readinessProbe.httpGet.path).toBe('/readyz');
      expect(Object.keys(c.resources.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(c.resources.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(c.volumeMounts.map((m) => m.mountPath).sort()).toEqual(['/data', '/tmp']);
      // The image's own start command (node dist/server/main.js), never an install at start.
      expect(c.command).toBeUndefined();
      const env = Object.fromEntries(c.env.map((e) => [e.name, e]));
      expect(env.KNM_DATA_DIR?.value).toBe('/data');
      expect(env.KNM_HOST?.value).toBe('0.0.0.0');
      expect(env.KNM_SECRET_KEY?.valueFrom?.secretKeyRef?.key).toBe('secret-key');
      expect(env.KNM_ADMIN_PASSWORD?.valueFrom?.secretKeyRef?.key).toBe('admin-password');
    }
  });

  it('SQLite: one replica on a PersistentVolumeClaim, replaced (not rolled), no budget that would block drains', () => {
    const docs = template(...example('sqlite'));
    expect(kinds(docs)).toEqual(
      [
        'ClusterRole',
        'ClusterRoleBinding',
        'Deployment',
        'PersistentVolumeClaim',
        'Secret',
        'Service',
        'ServiceAccount',
      ].sort(),
    );
    const deploy = one(docs, 'Deployment').spec as { replicas: number; strategy: { type: string } };
    expect(deploy.replicas).toBe(1);
    expect(deploy.strategy.type).toBe('Recreate');
    const spec = podSpec(docs);
    expect(spec.volumes.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName).toBe(
      one(docs, 'PersistentVolumeClaim').metadata.name,
    );
    expect(spec.topologySpreadConstraints).toBeUndefined();
    expect(spec.containers[0]!.env.map((e) => e.name)).not.toContain('KNM_DATABASE_URL');
  });

  it('PostgreSQL: several replicas spread over nodes, a PodDisruptionBudget, the URL from the existing Secret', () => {
    const docs = template(...example('postgresql'));
    expect(kinds(docs)).toEqual(
      [
        'ClusterRole',
        'ClusterRoleBinding',
        'Deployment',
        'Ingress',
        'PodDisruptionBudget',
        'Service',
        'ServiceAccount',
      ].sort(),
    );
    expect((one(docs, 'Deployment').spec as { replicas: number }).replicas).toBe(3);
    expect(one(docs, 'PodDisruptionBudget').spec).toMatchObject({ maxUnavailable: 1 });
    const spec = podSpec(docs);
    expect(spec.topologySpreadConstraints?.map((t) => t.topologyKey)).toContain('kubernetes.io/hostname');
    expect(spec.volumes.find((v) => v.name === 'data')?.emptyDir).toEqual({});
    const env = Object.fromEntries(spec.containers[0]!.env.map((e) => [e.name, e]));
    expect(env.KNM_DATABASE_URL?.valueFrom?.secretKeyRef).toEqual({
      name: 'knm-secrets',
      key: 'database-url',
    });
    expect(env.KNM_SECURE_COOKIES?.value).toBe('true');
  });

  it('generates a 32-byte key and a password into a Secret kept on uninstall, unless one is given', () => {
    const docs = template();
    const secret = one(docs, 'Secret');
    expect(secret.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    const key = Buffer.from(secret.data!['secret-key']!, 'base64').toString('utf8');
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(Buffer.from(secret.data!['admin-password']!, 'base64').toString('utf8')).toHaveLength(24);
    const given = one(template('--set', 'auth.adminPassword=s3cret-enough'), 'Secret');
    expect(Buffer.from(given.data!['admin-password']!, 'base64').toString('utf8')).toBe('s3cret-enough');
  });

  it('grants delete on pods only with rbac.drainDelete', () => {
    const verbsOnPods = (docs: Obj[]) =>
      one(docs, 'ClusterRole')
        .rules!.filter((r) => r.resources.includes('pods'))
        .flatMap((r) => r.verbs);
    expect(verbsOnPods(template())).not.toContain('delete');
    expect(verbsOnPods(template('--set', 'rbac.drainDelete=true'))).toContain('delete');
  });

  it('refuses values that cannot work, saying why', () => {
    const several = run(helm!, ['template', 'knm', CHART, '--set', 'replicaCount=3']);
    expect(several.status).not.toBe(0);
    expect(several.stderr).toMatch(/postgresql/);
    const typo = run(helm!, ['template', 'knm', CHART, '--set', 'replicas=3']);
    expect(typo.status).not.toBe(0);
    expect(typo.stderr).toMatch(/replicas/);
    const badKey = run(helm!, ['template', 'knm', CHART, '--set', 'auth.secretKey=short']);
    expect(badKey.status).not.toBe(0);
    const noUrl = run(helm!, ['template', 'knm', CHART, '--set', 'database.type=postgresql']);
    expect(noUrl.status).not.toBe(0);
    expect(noUrl.stderr).toMatch(/database-url|database\.url/);
  });

  it('deploy/manifests are what the chart renders today', () => {
    const r = spawnSync(process.execPath, ['deploy/render-manifests.mjs', '--check'], {
      encoding: 'utf8',
      env: { ...process.env, KNM_HELM_BIN: helm },
    });
    expect(r.status, r.stderr).toBe(0);
  });

  const realSuite = kubectl && controlPlaneAvailable({ kwok: false }) ? describe : describe.skip;
  if (!kubectl) console.log('kubectl dry-run test skipped: kubectl not built (scripts/k8s/build.sh kubectl)');
  realSuite('against a real API server', () => {
    let cp: ControlPlane;
    beforeAll(async () => {
      cp = await startControlPlane({ kwok: false });
    }, 300_000);
    afterAll(async () => {
      await cp?.stop();
    });

    it('kubectl apply --dry-run=server accepts every rendered manifest', async () => {
      await api(cp, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'kube-node-manager' } } });
      for (const file of fs.readdirSync(MANIFESTS).filter((f) => f.endsWith('.yaml'))) {
        const r = run(kubectl!, [
          '--kubeconfig',
          cp.kubeconfigPath,
          'apply',
          '--dry-run=server',
          '-f',
          path.join(MANIFESTS, file),
        ]);
        expect(r.status, `${file}: ${r.stderr}`).toBe(0);
        expect(r.stdout).toMatch(
          /deployment\.apps\/kube-node-manager (created|configured) \(server dry run\)/,
        );
        expect(r.stdout).toMatch(/clusterrole\.rbac\.authorization\.k8s\.io\/kube-node-manager created/);
      }
    });
  });
});
