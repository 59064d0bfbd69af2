// The two API servers the contract suite runs against: the simulator
// (src/sim) and a real kube-apiserver (etcd + kwok + the disruption
// controller). A Target hides only what differs in setting a scene up — who
// plays the kubelet, how compaction is triggered — never how the API answers:
// every answer the cases look at comes over HTTP from the server under test.
import { startSim, type SimOptions, type SimServer } from '../../src/sim/index.js';
import {
  controlPlaneAvailable,
  createKwokNode,
  kwokNodeManifest,
  startControlPlane,
  waitFor,
  waitForNodeReady,
  type ControlPlane,
  type ControlPlaneOptions,
  type KwokNodeOptions,
} from './harness.js';
import { api, apiRequest, releaseAgent, type ApiTarget, type KubeObject } from './http.js';

export type TargetName = 'sim' | 'kube-apiserver';

export interface PodOptions {
  /** Bound node; without one the pod stays Pending (there is no scheduler on either side). */
  nodeName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  terminationGracePeriodSeconds?: number;
  /** Wait until the pod runs and is Ready (default: when it has a node). */
  waitRunning?: boolean;
}

export interface Target extends ApiTarget {
  name: TargetName;
  kubeconfigYaml: string;
  /**
   * The resource (collection path suffix under a namespace) whose old
   * resourceVersions answer 410 Gone as soon as compact() returns — for
   * watches and for resourceVersionMatch=Exact lists alike. On the real
   * server it is the one kind whose watch cache is switched off
   * (--watch-cache-sizes=<kind>#0): everything else keeps the cache, as in
   * a real cluster, so bookmarks and cached lists stay realistic.
   */
  uncachedResource: { apiPrefix: string; resource: string; kind: string };
  /** compact() makes the uncached resource's older resourceVersions 410 at once. */
  supports410AfterCompact: boolean;
  compact(): Promise<void>;
  /** A fresh namespace named `<prefix>-<n>`. */
  makeNamespace(prefix: string): Promise<string>;
  /**
   * A node that is Ready (as kwok reports it on the real side); with
   * `customStatus` nobody touches its status after creation, so only the
   * test's own writes change its resourceVersion.
   */
  makeNode(name: string, opts?: KwokNodeOptions): Promise<KubeObject>;
  /** A pod; running and Ready on its node unless `waitRunning: false`. */
  makePod(namespace: string, name: string, opts?: PodOptions): Promise<KubeObject>;
  close(): Promise<void>;
}

export interface TargetFactory {
  name: TargetName;
  /** False when the target cannot run on this machine (no binaries built). */
  available: boolean;
  start(): Promise<Target>;
}

/** The kind whose watch cache the real server runs without (see Target.uncachedResource). */
const UNCACHED = { apiPrefix: '/apis/apps/v1', resource: 'replicasets', kind: 'ReplicaSet' } as const;

/** Real-server options every suite in this tier shares. */
export const REAL_PLANE_OPTIONS: ControlPlaneOptions = {
  controllers: ['disruption'],
  apiserverArgs: [`--watch-cache-sizes=${UNCACHED.resource}.apps#0`],
};

export function podManifest(namespace: string, name: string, o: PodOptions = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.annotations ? { annotations: o.annotations } : {}),
    },
    spec: {
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.terminationGracePeriodSeconds !== undefined
        ? { terminationGracePeriodSeconds: o.terminationGracePeriodSeconds }
        : {}),
      containers: [{ name: 'main', image: 'registry.invalid/app:1' }],
    },
  };
}

export function isPodRunningReady(p: KubeObject | undefined): boolean {
  return (
    p?.status?.phase === 'Running' &&
    (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

async function createPod(t: ApiTarget, namespace: string, name: string, o: PodOptions): Promise<KubeObject> {
  const created = (
    await api(t, 'POST', `/api/v1/namespaces/${namespace}/pods`, { body: podManifest(namespace, name, o) })
  ).body;
  if (!(o.waitRunning ?? !!o.nodeName)) return created;
  return waitFor(
    async () => {
      const r = await apiRequest(t, 'GET', `/api/v1/namespaces/${namespace}/pods/${name}`);
      return isPodRunningReady(r.body) ? r.body : undefined;
    },
    { timeoutMs: 60_000, what: `pod ${namespace}/${name} Running and Ready` },
  );
}

function namespaceMaker(t: ApiTarget): (prefix: string) => Promise<string> {
  let n = 0;
  return async (prefix) => {
    const name = `${prefix}-${++n}`;
    await api(t, 'POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
    });
    return name;
  };
}

/** Node status as kwok writes it for a Ready node (the parts clients read). */
function readyNodeStatus(capacity: Record<string, string>): KubeObject['status'] {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const cond = (type: string, status: string, reason: string) => ({
    type,
    status,
    reason,
    message: '',
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  return {
    capacity,
    allocatable: capacity,
    phase: 'Running',
    addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
    conditions: [
      cond('Ready', 'True', 'KubeletReady'),
      cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory'),
      cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure'),
      cond('PIDPressure', 'False', 'KubeletHasSufficientPID'),
      cond('NetworkUnavailable', 'False', 'RouteCreated'),
    ],
  };
}

export const simTarget: TargetFactory = simTargetWith({});

/** The simulator target with extra simulator options (e.g. its workload controllers). */
export function simTargetWith(extra: SimOptions): TargetFactory {
  return {
    name: 'sim',
    available: true,
    async start() {
      // Scaled grace periods let the simulated kubelet finish a 30 s graceful
      // deletion in 0.3 s, as kwok finishes it at once on the real side.
      const sim: SimServer = await startSim({
        nodes: 0,
        podsPerNode: 0,
        churn: false,
        gracePeriodScale: 0.01,
        ...extra,
      });
      const t: ApiTarget = { server: sim.url, token: sim.token };
      return {
        name: 'sim',
        ...t,
        kubeconfigYaml: sim.kubeconfig(),
        uncachedResource: UNCACHED,
        supports410AfterCompact: true,
        async compact() {
          sim.compact();
        },
        makeNamespace: namespaceMaker(t),
        async makeNode(name, o = {}) {
          const manifest = kwokNodeManifest(name, o);
          const created = (await api(t, 'POST', '/api/v1/nodes', { body: manifest })).body;
          if (o.customStatus) return created;
          // The simulator has no node agent; write the Ready status kwok would.
          const capacity = manifest.status?.capacity as Record<string, string>;
          return (
            await api(t, 'PATCH', `/api/v1/nodes/${name}/status`, {
              body: { status: readyNodeStatus(capacity) },
              contentType: 'application/merge-patch+json',
            })
          ).body;
        },
        makePod: (ns, name, o = {}) => createPod(t, ns, name, o),
        async close() {
          releaseAgent(sim.url);
          await sim.close();
        },
      };
    },
  };
}

export const realTarget: TargetFactory = realTargetWith(REAL_PLANE_OPTIONS);

/** The real control plane started with `options` (which should extend REAL_PLANE_OPTIONS). */
export function realTargetWith(options: ControlPlaneOptions): TargetFactory {
  return {
    name: 'kube-apiserver',
    available: controlPlaneAvailable(options),
    async start() {
      const cp: ControlPlane = await startControlPlane(options);
      return realTargetOf(cp);
    },
  };
}

/** Wraps a running control plane (started with REAL_PLANE_OPTIONS) as a Target. */
export function realTargetOf(cp: ControlPlane): Target {
  const t: ApiTarget = { server: cp.server, token: cp.token };
  return {
    name: 'kube-apiserver',
    ...t,
    kubeconfigYaml: cp.kubeconfigYaml,
    uncachedResource: UNCACHED,
    supports410AfterCompact: true,
    async compact() {
      await cp.compact();
    },
    makeNamespace: namespaceMaker(t),
    async makeNode(name, o = {}) {
      const created = await createKwokNode(t, name, o);
      return o.customStatus ? created : waitForNodeReady(t, name, 60_000);
    },
    makePod: (ns, name, o = {}) => createPod(t, ns, name, o),
    close: () => cp.stop(),
  };
}

export const TARGETS: TargetFactory[] = [simTarget, realTarget];
