// The contract targets with workloads that recover: the simulator with its workload controllers and
// scheduler, and a real control plane with kube-controller-manager's replicaset, deployment, statefulset and
// disruption controllers, kube-scheduler, and kwok making pods Ready on its fake nodes. Plus the manifests and
// reads the workload cases and the maintenance scenario share.
import { waitFor, type ControlPlaneOptions } from './harness.js';
import { api, apiRequest, type ApiTarget, type KubeObject } from './http.js';
import { REAL_PLANE_OPTIONS, realTargetWith, simTargetWith, type TargetFactory } from './targets.js';

export const WORKLOAD_PLANE_OPTIONS: ControlPlaneOptions = {
  ...REAL_PLANE_OPTIONS,
  controllers: ['disruption', 'replicaset', 'deployment', 'statefulset'],
  scheduler: true,
};

/** How long a simulated pod takes to become Ready once bound (kwok is about as quick). */
export const SIM_READY_DELAY_MS = 300;

export const WORKLOAD_TARGETS: TargetFactory[] = [
  simTargetWith({ workloads: { readyDelayMs: SIM_READY_DELAY_MS } }),
  realTargetWith(WORKLOAD_PLANE_OPTIONS),
];

type Labels = Record<string, string>;

const podTemplate = (labels: Labels) => ({
  metadata: { labels },
  spec: {
    terminationGracePeriodSeconds: 30,
    containers: [
      {
        name: 'main',
        image: 'registry.invalid/app:1',
        resources: { requests: { cpu: '100m', memory: '64Mi' } },
      },
    ],
  },
});

export function deploymentManifest(namespace: string, name: string, replicas: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: podTemplate({ app: name }) },
  };
}

export function statefulSetManifest(namespace: string, name: string, replicas: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: podTemplate({ app: name }),
    },
  };
}

export function pdbManifest(
  namespace: string,
  name: string,
  app: string,
  budget: { minAvailable?: number; maxUnavailable?: number },
): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, namespace },
    spec: { ...budget, selector: { matchLabels: { app } } },
  };
}

export const workloadPath = (kind: 'deployments' | 'statefulsets' | 'replicasets', ns: string, name = '') =>
  `/apis/apps/v1/namespaces/${ns}/${kind}${name ? `/${name}` : ''}`;
export const pdbPath = (ns: string, name = '') =>
  `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets${name ? `/${name}` : ''}`;

export async function get(t: ApiTarget, path: string): Promise<KubeObject> {
  return (await api(t, 'GET', path)).body;
}

export const num = (o: KubeObject | undefined, field: string): number =>
  Number((o?.status as Record<string, unknown> | undefined)?.[field] ?? 0);

/** Waits until a workload reports `ready` ready replicas for its current generation. */
export async function waitWorkloadReady(
  t: ApiTarget,
  kind: 'deployments' | 'statefulsets',
  ns: string,
  name: string,
  ready: number,
  timeoutMs = 90_000,
): Promise<KubeObject> {
  return waitFor(
    async () => {
      const r = await apiRequest(t, 'GET', workloadPath(kind, ns, name));
      const o = r.body;
      const gen = Number(o?.metadata?.generation ?? 0);
      return num(o, 'readyReplicas') === ready && num(o, 'observedGeneration') >= gen ? o : undefined;
    },
    { timeoutMs, intervalMs: 100, what: `${kind} ${ns}/${name} with ${ready} ready replicas` },
  );
}

export async function waitPdbAllows(
  t: ApiTarget,
  ns: string,
  name: string,
  allowed: number,
  timeoutMs = 60_000,
) {
  return waitFor(
    async () => {
      const o = (await apiRequest(t, 'GET', pdbPath(ns, name))).body;
      return num(o, 'disruptionsAllowed') === allowed ? o : undefined;
    },
    { timeoutMs, intervalMs: 100, what: `PDB ${ns}/${name} allowing ${allowed}` },
  );
}

export async function cordon(t: ApiTarget, node: string, on = true): Promise<void> {
  await api(t, 'PATCH', `/api/v1/nodes/${node}`, {
    body: { spec: { unschedulable: on ? true : null } },
    contentType: 'application/merge-patch+json',
  });
}

export async function evict(t: ApiTarget, ns: string, pod: string): Promise<number> {
  const r = await apiRequest(t, 'POST', `/api/v1/namespaces/${ns}/pods/${pod}/eviction`, {
    body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: ns } },
  });
  return r.status;
}

/** Consecutive duplicates removed: the sequence of distinct values a watcher saw. */
export function changes<T>(xs: T[]): T[] {
  return xs.filter((x, i) => i === 0 || x !== xs[i - 1]);
}

/** An object's first owner reference. */
export function ownerOf(
  o: KubeObject | undefined,
): { kind: string; name: string; uid: string; controller?: boolean } | undefined {
  return (o?.metadata?.ownerReferences as { kind: string; name: string; uid: string }[] | undefined)?.[0];
}
