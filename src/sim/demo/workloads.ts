/**
 * Generated workloads: Deployment-owned ReplicaSets, two DaemonSets (a pod on every node), static mirror pods
 * on control-plane nodes, Job pods that finished, a few unmanaged pods, PodDisruptionBudgets, and node events.
 * Pods of one ReplicaSet share their immutable parts (labels, owner references, spec template) so 150,000
 * pods fit in a few hundred MB.
 */
import { rfc3339 } from '../clock.js';
import type { Rng } from '../random.js';
import type { Condition, KObject, NodeObject, PodObject } from '../types.js';
import type { PoolRole } from './nodes.js';

export interface AppSpec {
  name: string;
  namespace: string;
  roles: PoolRole[];
  weight: number;
  image: string;
  port?: number;
  emptyDir?: string;
  pdb?: { minAvailable?: number | string; maxUnavailable?: number | string };
  cpu: string;
  memory: string;
}

export const NAMESPACES = [
  'default',
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'monitoring',
  'logging',
  'ingress-nginx',
  'payments',
  'checkout',
  'search',
  'data-pipeline',
  'ml-training',
];

export const APPS: AppSpec[] = [
  {
    name: 'coredns',
    namespace: 'kube-system',
    roles: ['worker'],
    weight: 1,
    image: 'registry.k8s.io/coredns/coredns:v1.11.3',
    port: 53,
    pdb: { maxUnavailable: 1 },
    cpu: '100m',
    memory: '70Mi',
  },
  {
    name: 'ingress-nginx-controller',
    namespace: 'ingress-nginx',
    roles: ['infra'],
    weight: 2,
    image: 'registry.k8s.io/ingress-nginx/controller:v1.12.0',
    port: 443,
    pdb: { minAvailable: 1 },
    cpu: '500m',
    memory: '512Mi',
  },
  {
    name: 'prometheus-server',
    namespace: 'monitoring',
    roles: ['infra'],
    weight: 1,
    image: 'quay.io/prometheus/prometheus:v2.55.1',
    port: 9090,
    emptyDir: 'storage-volume',
    cpu: '2',
    memory: '8Gi',
  },
  {
    name: 'grafana',
    namespace: 'monitoring',
    roles: ['infra'],
    weight: 1,
    image: 'docker.io/grafana/grafana:11.4.0',
    port: 3000,
    cpu: '250m',
    memory: '512Mi',
  },
  {
    name: 'kube-state-metrics',
    namespace: 'monitoring',
    roles: ['infra'],
    weight: 1,
    image: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.14.0',
    port: 8080,
    cpu: '100m',
    memory: '256Mi',
  },
  {
    name: 'payments-api',
    namespace: 'payments',
    roles: ['worker'],
    weight: 8,
    image: 'ghcr.io/acme/payments-api:2.14.1',
    port: 8080,
    pdb: { minAvailable: '50%' },
    cpu: '500m',
    memory: '1Gi',
  },
  {
    name: 'ledger',
    namespace: 'payments',
    roles: ['worker'],
    weight: 2,
    image: 'ghcr.io/acme/ledger:4.0.2',
    port: 8443,
    pdb: { maxUnavailable: 0 },
    cpu: '1',
    memory: '2Gi',
  },
  {
    name: 'checkout-web',
    namespace: 'checkout',
    roles: ['worker'],
    weight: 10,
    image: 'ghcr.io/acme/checkout-web:5.3.0',
    port: 8080,
    pdb: { maxUnavailable: '25%' },
    cpu: '250m',
    memory: '512Mi',
  },
  {
    name: 'cart-redis',
    namespace: 'checkout',
    roles: ['worker'],
    weight: 2,
    image: 'docker.io/library/redis:7.4.1-alpine',
    port: 6379,
    emptyDir: 'redis-data',
    cpu: '250m',
    memory: '1Gi',
  },
  {
    name: 'search-api',
    namespace: 'search',
    roles: ['worker'],
    weight: 6,
    image: 'ghcr.io/acme/search-api:1.9.7',
    port: 8080,
    pdb: { minAvailable: 2 },
    cpu: '500m',
    memory: '1Gi',
  },
  {
    name: 'search-indexer',
    namespace: 'search',
    roles: ['worker'],
    weight: 4,
    image: 'ghcr.io/acme/search-indexer:1.9.7',
    emptyDir: 'index-cache',
    cpu: '1',
    memory: '4Gi',
  },
  {
    name: 'etl-worker',
    namespace: 'data-pipeline',
    roles: ['worker'],
    weight: 8,
    image: 'ghcr.io/acme/etl-worker:0.31.0',
    emptyDir: 'scratch',
    cpu: '1',
    memory: '2Gi',
  },
  {
    name: 'kafka-connect',
    namespace: 'data-pipeline',
    roles: ['worker'],
    weight: 3,
    image: 'docker.io/bitnami/kafka:3.9.0',
    port: 8083,
    cpu: '500m',
    memory: '2Gi',
  },
  {
    name: 'trainer',
    namespace: 'ml-training',
    roles: ['gpu'],
    weight: 3,
    image: 'nvcr.io/nvidia/pytorch:24.11-py3',
    emptyDir: 'dshm',
    cpu: '4',
    memory: '24Gi',
  },
  {
    name: 'recommendations',
    namespace: 'default',
    roles: ['worker'],
    weight: 6,
    image: 'ghcr.io/acme/recommendations:3.2.0',
    port: 8080,
    cpu: '250m',
    memory: '768Mi',
  },
  {
    name: 'notifications',
    namespace: 'default',
    roles: ['worker'],
    weight: 4,
    image: 'ghcr.io/acme/notifications:1.4.4',
    port: 8080,
    cpu: '100m',
    memory: '256Mi',
  },
];

const DEFAULT_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];
const GPU_TOLERATIONS = [
  { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
  ...DEFAULT_TOLERATIONS,
];
const DS_TOLERATIONS = [
  { operator: 'Exists' },
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

/** The parts of a pod that every pod of one owner shares. */
export interface PodTemplate {
  namespace: string;
  generateName: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: KObject['metadata']['ownerReferences'];
  spec: Record<string, unknown>;
  image: string;
  containerName: string;
  readyConds: Condition[];
  notReadyConds: Condition[];
  running: unknown;
  qosClass: string;
}

function containerSpec(
  app: { name: string; image: string; port?: number; cpu: string; memory: string; emptyDir?: string },
  tokenVol: string,
): unknown {
  return {
    name: app.name,
    image: app.image,
    ...(app.port ? { ports: [{ name: 'http', containerPort: app.port, protocol: 'TCP' }] } : {}),
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
      { name: 'LOG_LEVEL', value: 'info' },
    ],
    resources: { limits: { memory: app.memory }, requests: { cpu: app.cpu, memory: app.memory } },
    volumeMounts: [
      ...(app.emptyDir ? [{ name: app.emptyDir, mountPath: `/var/lib/${app.emptyDir}` }] : []),
      { name: tokenVol, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
    ],
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
  };
}

function tokenVolume(name: string): unknown {
  return {
    name,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        {
          downwardAPI: {
            items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
          },
        },
      ],
      defaultMode: 420,
    },
  };
}

function conditions(started: string, ready: boolean): Condition[] {
  const c = (type: string, status = 'True'): Condition => ({
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: started,
  });
  return [
    c('PodReadyToStartContainers'),
    c('Initialized'),
    c('Ready', ready ? 'True' : 'False'),
    c('ContainersReady', ready ? 'True' : 'False'),
    c('PodScheduled'),
  ];
}

export function makeTemplate(
  rng: Rng,
  o: {
    namespace: string;
    generateName: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: KObject['metadata']['ownerReferences'];
    app: { name: string; image: string; port?: number; cpu: string; memory: string; emptyDir?: string };
    tolerations: unknown[];
    startedMs: number;
    priorityClassName?: string;
    hostNetwork?: boolean;
    terminationGracePeriodSeconds?: number;
  },
): PodTemplate {
  const tokenVol = `kube-api-access-${rng.suffix(5)}`;
  const started = rfc3339(o.startedMs);
  const spec: Record<string, unknown> = {
    volumes: [...(o.app.emptyDir ? [{ name: o.app.emptyDir, emptyDir: {} }] : []), tokenVolume(tokenVol)],
    containers: [containerSpec(o.app, tokenVol)],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: o.terminationGracePeriodSeconds ?? 30,
    dnsPolicy: 'ClusterFirst',
    serviceAccountName: 'default',
    serviceAccount: 'default',
    ...(o.hostNetwork ? { hostNetwork: true } : {}),
    securityContext: {},
    schedulerName: 'default-scheduler',
    tolerations: o.tolerations,
    ...(o.priorityClassName
      ? { priorityClassName: o.priorityClassName, priority: 2000001000 }
      : { priority: 0 }),
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
  };
  return {
    namespace: o.namespace,
    generateName: o.generateName,
    labels: o.labels,
    annotations: o.annotations,
    ownerReferences: o.ownerReferences,
    spec,
    image: o.app.image,
    containerName: o.app.name,
    readyConds: conditions(started, true),
    notReadyConds: conditions(started, false),
    running: { running: { startedAt: started } },
    qosClass: 'Burstable',
  };
}

const EMPTY = Object.freeze({});

export function makePod(
  rng: Rng,
  t: PodTemplate,
  name: string,
  node: NodeObject | undefined,
  hostIPs: { ip: string }[] | undefined,
  podIP: string,
  created: string,
  opts: { ready: boolean; phase?: 'Running' | 'Succeeded' | 'Failed' | 'Pending' },
): PodObject {
  const phase = opts.phase ?? 'Running';
  const metadata: KObject['metadata'] = {
    name,
    ...(t.generateName ? { generateName: t.generateName } : {}),
    namespace: t.namespace,
    uid: rng.uuid(),
    creationTimestamp: created,
    labels: t.labels,
    ...(t.annotations ? { annotations: t.annotations } : {}),
    ...(t.ownerReferences ? { ownerReferences: t.ownerReferences } : {}),
  };
  const hostIP = hostIPs?.[0]?.ip;
  let status: PodObject['status'];
  if (phase === 'Running') {
    status = {
      phase,
      conditions: opts.ready ? t.readyConds : t.notReadyConds,
      hostIP,
      hostIPs,
      podIP,
      podIPs: [{ ip: podIP }],
      startTime: created,
      containerStatuses: [
        {
          name: t.containerName,
          state: t.running,
          lastState: EMPTY,
          ready: opts.ready,
          restartCount: 0,
          image: t.image,
          imageID: '',
          containerID: `containerd://${rng.hex(64)}`,
          started: true,
        },
      ],
      qosClass: t.qosClass,
    };
  } else {
    const exitCode = phase === 'Succeeded' ? 0 : 1;
    status = {
      phase,
      conditions: t.notReadyConds,
      hostIP,
      hostIPs,
      podIP,
      podIPs: [{ ip: podIP }],
      startTime: created,
      containerStatuses: [
        {
          name: t.containerName,
          state: {
            terminated: {
              exitCode,
              reason: phase === 'Succeeded' ? 'Completed' : 'Error',
              startedAt: created,
              finishedAt: created,
              containerID: `containerd://${rng.hex(64)}`,
            },
          },
          lastState: EMPTY,
          ready: false,
          restartCount: 0,
          image: t.image,
          imageID: '',
          started: false,
        },
      ],
      qosClass: t.qosClass,
    };
  }
  return {
    metadata,
    spec: node ? { ...t.spec, nodeName: node.metadata.name } : { ...t.spec },
    status,
  } as PodObject;
}

export { DEFAULT_TOLERATIONS, GPU_TOLERATIONS, DS_TOLERATIONS };
