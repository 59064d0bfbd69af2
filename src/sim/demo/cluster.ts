/** Builds a whole demo cluster into a SimState, deterministically from the seed. */
import { rfc3339 } from '../clock.js';
import { Rng } from '../random.js';
import { resourceDef } from '../resources.js';
import type { SimState } from '../state.js';
import type { KObject, NodeObject } from '../types.js';
import {
  makeNode,
  sharedForPool,
  type NodeShared,
  type NodeState,
  type PoolRole,
  type PoolSpec,
} from './nodes.js';
import {
  APPS,
  DEFAULT_TOLERATIONS,
  DS_TOLERATIONS,
  GPU_TOLERATIONS,
  makePod,
  makeTemplate,
  NAMESPACES,
  type PodTemplate,
} from './workloads.js';

export interface DemoOptions {
  nodes: number;
  podsPerNode: number;
  seed: number;
  namePrefix: string;
}

const POOLS: Record<string, PoolSpec> = {
  cp: {
    name: 'control-plane',
    role: 'control-plane',
    provider: 'aws',
    instanceType: 'm6i.xlarge',
    cpu: 4,
    memGi: 16,
    gpus: 0,
    arch: 'amd64',
  },
  a: {
    name: 'pool-a',
    role: 'worker',
    provider: 'aws',
    instanceType: 'm6i.4xlarge',
    cpu: 16,
    memGi: 64,
    gpus: 0,
    arch: 'amd64',
  },
  arm: {
    name: 'pool-arm',
    role: 'worker',
    provider: 'aws',
    instanceType: 'm7g.2xlarge',
    cpu: 8,
    memGi: 32,
    gpus: 0,
    arch: 'arm64',
  },
  b: {
    name: 'pool-b',
    role: 'worker',
    provider: 'gke',
    instanceType: 'e2-standard-8',
    cpu: 8,
    memGi: 32,
    gpus: 0,
    arch: 'amd64',
  },
  c: {
    name: 'pool-c',
    role: 'worker',
    provider: 'ack',
    instanceType: 'ecs.g7.2xlarge',
    cpu: 8,
    memGi: 32,
    gpus: 0,
    arch: 'amd64',
  },
  infra: {
    name: 'infra',
    role: 'infra',
    provider: 'aws',
    instanceType: 'm6i.2xlarge',
    cpu: 8,
    memGi: 32,
    gpus: 0,
    arch: 'amd64',
  },
  gpuA: {
    name: 'gpu-a10',
    role: 'gpu',
    provider: 'aws',
    instanceType: 'g5.2xlarge',
    cpu: 8,
    memGi: 32,
    gpus: 1,
    arch: 'amd64',
  },
  gpuV: {
    name: 'gpu-v100',
    role: 'gpu',
    provider: 'gke',
    instanceType: 'n1-standard-32',
    cpu: 32,
    memGi: 120,
    gpus: 4,
    arch: 'amd64',
  },
};

function planPools(rng: Rng, n: number): PoolSpec[] {
  const cp = n >= 5 ? 3 : n >= 2 ? 1 : 0;
  const gpu = n >= 10 ? Math.max(1, Math.round(n * 0.08)) : 0;
  const infra = n >= 8 ? Math.max(1, Math.round(n * 0.1)) : 0;
  const out: PoolSpec[] = [];
  for (let i = 0; i < cp; i++) out.push(POOLS.cp!);
  for (let i = 0; i < infra; i++) out.push(POOLS.infra!);
  for (let i = 0; i < gpu; i++) out.push(i % 3 === 2 ? POOLS.gpuV! : POOLS.gpuA!);
  while (out.length < n) {
    const r = rng.next();
    out.push(r < 0.45 ? POOLS.a! : r < 0.6 ? POOLS.arm! : r < 0.85 ? POOLS.b! : POOLS.c!);
  }
  return out;
}

function loadObj(state: SimState, resource: string, obj: KObject): KObject {
  return state.load(resourceDef(resource), obj);
}

export function generateCluster(state: SimState, o: DemoOptions): void {
  const rng = new Rng(o.seed);
  const nowMs = state.clock.now();
  const clusterBorn = nowMs - 420 * 86_400_000;

  for (const ns of NAMESPACES) {
    loadObj(state, 'namespaces', {
      metadata: {
        name: ns,
        uid: rng.uuid(),
        creationTimestamp: rfc3339(clusterBorn),
        labels: { 'kubernetes.io/metadata.name': ns },
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }

  // ---- nodes ----
  const plan = planPools(rng, o.nodes);
  const shared = new Map<string, NodeShared>();
  const workerIdx = plan.map((p, i) => (p.role === 'worker' ? i : -1)).filter((i) => i >= 0);
  const special = new Map<number, NodeState>();
  if (workerIdx.length >= 6) {
    special.set(workerIdx[Math.floor(workerIdx.length / 3)]!, { ready: 'False' });
    special.set(workerIdx[Math.floor((2 * workerIdx.length) / 3)]!, { ready: 'Unknown' });
  }
  if (workerIdx.length >= 4) {
    special.set(workerIdx[1]!, {
      ready: 'True',
      cordon: {
        reason: 'Disk replacement scheduled (INC-4821)',
        by: 'alice',
        at: rfc3339(nowMs - 3 * 3_600_000),
      },
    });
  }
  const nodes: NodeObject[] = [];
  const byRole = new Map<PoolRole, NodeObject[]>();
  const nodeReady = new Map<string, boolean>();
  const hostIPs = new Map<string, { ip: string }[]>();
  plan.forEach((pool, i) => {
    let s = shared.get(pool.name);
    if (!s) shared.set(pool.name, (s = sharedForPool(rng, pool, nowMs - 30 * 86_400_000)));
    const st = special.get(i) ?? { ready: 'True' };
    const node = loadObj(state, 'nodes', makeNode(rng, i, pool, s, o.namePrefix, nowMs, st)) as NodeObject;
    nodes.push(node);
    byRole.set(pool.role, [...(byRole.get(pool.role) ?? []), node]);
    nodeReady.set(node.metadata.name, st.ready === 'True');
    const ip = node.status.addresses!.find((a) => a.type === 'InternalIP')!.address;
    hostIPs.set(node.metadata.name, [{ ip }]);
  });

  if (o.podsPerNode > 0 && nodes.length > 0)
    generateWorkloads(state, rng, o, nodes, byRole, nodeReady, hostIPs, nowMs);
  generateNodeEvents(state, rng, nodes, nowMs);

  state.disruption.syncAll();
  // Nothing before the generated state can be resumed from, as after an etcd compaction.
  state.compact();
}

function generateWorkloads(
  state: SimState,
  rng: Rng,
  o: DemoOptions,
  nodes: NodeObject[],
  byRole: Map<PoolRole, NodeObject[]>,
  nodeReady: Map<string, boolean>,
  hostIPs: Map<string, { ip: string }[]>,
  nowMs: number,
): void {
  let ipSeq = 0;
  const nextPodIp = (): string => {
    ipSeq++;
    return `10.${100 + ((ipSeq >> 16) & 63)}.${(ipSeq >> 8) & 255}.${ipSeq & 255}`;
  };
  const created = (daysMax: number): string => rfc3339(nowMs - rng.int(60, daysMax * 86_400) * 1000);
  const place = (
    t: PodTemplate,
    name: string,
    node: NodeObject,
    createdTs: string,
    phase?: 'Succeeded' | 'Failed',
  ): void => {
    const pod = makePod(rng, t, name, node, hostIPs.get(node.metadata.name), nextPodIp(), createdTs, {
      ready: nodeReady.get(node.metadata.name) ?? true,
      phase,
    });
    loadObj(state, 'pods', pod);
  };
  let total = 0;

  // DaemonSets: one pod on every node.
  for (const ds of [
    {
      name: 'kube-proxy',
      namespace: 'kube-system',
      image: 'registry.k8s.io/kube-proxy:v1.31.4',
      cpu: '100m',
      memory: '128Mi',
      hostNetwork: true,
    },
    {
      name: 'fluent-bit',
      namespace: 'logging',
      image: 'cr.fluentbit.io/fluent/fluent-bit:3.2.2',
      cpu: '50m',
      memory: '64Mi',
      emptyDir: undefined as string | undefined,
    },
  ]) {
    const uid = rng.uuid();
    const labels = {
      'k8s-app': ds.name,
      'controller-revision-hash': rng.suffix(9).slice(0, 9),
      'pod-template-generation': '1',
    };
    loadObj(state, 'daemonsets', {
      metadata: {
        name: ds.name,
        namespace: ds.namespace,
        uid,
        generation: 1,
        creationTimestamp: created(400),
        labels: { 'k8s-app': ds.name },
        annotations: { 'deprecated.daemonset.template.generation': '1' },
      },
      spec: {
        selector: { matchLabels: { 'k8s-app': ds.name } },
        template: {
          metadata: { labels: { 'k8s-app': ds.name } },
          spec: {
            containers: [{ name: ds.name, image: ds.image }],
            tolerations: DS_TOLERATIONS,
            priorityClassName: 'system-node-critical',
          },
        },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
        revisionHistoryLimit: 10,
      },
      status: {
        currentNumberScheduled: nodes.length,
        numberMisscheduled: 0,
        desiredNumberScheduled: nodes.length,
        numberReady: nodes.length,
        observedGeneration: 1,
        updatedNumberScheduled: nodes.length,
        numberAvailable: nodes.length,
      },
    });
    const t = makeTemplate(rng, {
      namespace: ds.namespace,
      generateName: `${ds.name}-`,
      labels,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'DaemonSet',
          name: ds.name,
          uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      app: {
        name: ds.name,
        image: ds.image,
        cpu: ds.cpu,
        memory: ds.memory,
        emptyDir: ds.name === 'fluent-bit' ? 'varlog-buffer' : undefined,
      },
      tolerations: DS_TOLERATIONS,
      startedMs: nowMs - 30 * 86_400_000,
      priorityClassName: 'system-node-critical',
      hostNetwork: ds.hostNetwork,
    });
    for (const n of nodes) {
      place(t, `${ds.name}-${rng.suffix(5)}`, n, created(30));
      total++;
    }
  }

  // Static (mirror) pods on control-plane nodes.
  for (const n of byRole.get('control-plane') ?? []) {
    for (const comp of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
      const t = makeTemplate(rng, {
        namespace: 'kube-system',
        generateName: '',
        labels: { component: comp, tier: 'control-plane' },
        annotations: {
          'kubernetes.io/config.hash': rng.hex(32),
          'kubernetes.io/config.mirror': rng.hex(32),
          'kubernetes.io/config.seen': rfc3339(nowMs - 30 * 86_400_000).replace(
            'Z',
            `.${String(rng.int(0, 999_999_999)).padStart(9, '0')}Z`,
          ),
          'kubernetes.io/config.source': 'file',
        },
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Node', name: n.metadata.name, uid: n.metadata.uid!, controller: true },
        ],
        app: {
          name: comp,
          image: `registry.k8s.io/${comp === 'etcd' ? 'etcd:3.5.16-0' : `${comp}:v1.31.4`}`,
          cpu: '100m',
          memory: '256Mi',
        },
        tolerations: [{ operator: 'Exists', effect: 'NoExecute' }],
        startedMs: nowMs - 30 * 86_400_000,
        priorityClassName: 'system-node-critical',
        hostNetwork: true,
      });
      place(t, `${comp}-${n.metadata.name}`, n, created(30));
      total++;
    }
  }

  // Deployments → ReplicaSets → pods.
  const budget = Math.max(0, o.nodes * o.podsPerNode - total);
  const finished = Math.floor(budget * 0.005);
  const unmanaged = Math.min(3, Math.floor(budget * 0.01));
  const forApps = Math.max(0, budget - finished - unmanaged);
  const eligibleApps = APPS.filter((a) => a.roles.some((r) => (byRole.get(r)?.length ?? 0) > 0));
  const weightSum = eligibleApps.reduce((s, a) => s + a.weight, 0);
  let assigned = 0;
  eligibleApps.forEach((app, idx) => {
    let replicas = Math.round((forApps * app.weight) / weightSum);
    if (idx === eligibleApps.length - 1) replicas = Math.max(0, forApps - assigned);
    assigned += replicas;
    if (replicas <= 0 && forApps > 0) replicas = Math.min(1, forApps);
    if (replicas <= 0) return;
    const hash = rng.suffix(10);
    const rsName = `${app.name}-${hash}`;
    const rsUid = rng.uuid();
    const labels = {
      app: app.name,
      'app.kubernetes.io/name': app.name,
      'app.kubernetes.io/part-of': app.namespace,
      'pod-template-hash': hash,
    };
    loadObj(state, 'replicasets', {
      metadata: {
        name: rsName,
        namespace: app.namespace,
        uid: rsUid,
        generation: 1,
        creationTimestamp: created(200),
        labels,
        annotations: {
          'deployment.kubernetes.io/desired-replicas': String(replicas),
          'deployment.kubernetes.io/max-replicas': String(replicas + 1),
          'deployment.kubernetes.io/revision': '7',
        },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: app.name,
            uid: rng.uuid(),
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        replicas,
        selector: { matchLabels: { app: app.name, 'pod-template-hash': hash } },
        template: { metadata: { labels }, spec: { containers: [{ name: app.name, image: app.image }] } },
      },
      status: {
        replicas,
        fullyLabeledReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
        observedGeneration: 1,
      },
    });
    const t = makeTemplate(rng, {
      namespace: app.namespace,
      generateName: `${rsName}-`,
      labels,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: rsName,
          uid: rsUid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      app,
      tolerations: app.roles.includes('gpu') ? GPU_TOLERATIONS : DEFAULT_TOLERATIONS,
      startedMs: nowMs - rng.int(1, 20) * 86_400_000,
    });
    const pool = app.roles.flatMap((r) => byRole.get(r) ?? []);
    for (let i = 0; i < replicas; i++)
      place(t, `${rsName}-${rng.suffix(5)}`, pool[Math.floor(rng.next() * pool.length)]!, created(20));
    if (app.pdb) {
      loadObj(state, 'poddisruptionbudgets', {
        metadata: {
          name: app.name,
          namespace: app.namespace,
          uid: rng.uuid(),
          generation: 1,
          creationTimestamp: created(200),
        },
        spec: { ...app.pdb, selector: { matchLabels: { app: app.name } } },
        status: {},
      });
    }
  });

  // Finished Job pods and a few unmanaged pods (drain treats both specially).
  const workers = byRole.get('worker') ?? nodes;
  for (let i = 0; i < finished; i++) {
    const job = i % 4 === 3 ? 'db-migrate' : 'nightly-report';
    const jobName = `${job}-${28_900_000 + i}`;
    const t = makeTemplate(rng, {
      namespace: 'data-pipeline',
      generateName: `${jobName}-`,
      labels: { 'batch.kubernetes.io/job-name': jobName, 'job-name': jobName },
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          name: jobName,
          uid: rng.uuid(),
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      app: { name: job, image: 'ghcr.io/acme/etl-worker:0.31.0', cpu: '500m', memory: '1Gi' },
      tolerations: DEFAULT_TOLERATIONS,
      startedMs: nowMs - 86_400_000,
    });
    t.spec = { ...t.spec, restartPolicy: 'Never' };
    place(
      t,
      `${jobName}-${rng.suffix(5)}`,
      workers[Math.floor(rng.next() * workers.length)]!,
      created(2),
      job === 'db-migrate' ? 'Failed' : 'Succeeded',
    );
  }
  for (let i = 0; i < unmanaged; i++) {
    const name = ['debug-shell', 'netshoot', 'curl-test'][i]!;
    const t = makeTemplate(rng, {
      namespace: 'default',
      generateName: '',
      labels: { run: name },
      app: { name, image: 'docker.io/nicolaka/netshoot:v0.13', cpu: '10m', memory: '32Mi' },
      tolerations: DEFAULT_TOLERATIONS,
      startedMs: nowMs - 3_600_000,
    });
    place(t, name, workers[Math.floor(rng.next() * workers.length)]!, created(1));
  }
}

function generateNodeEvents(state: SimState, rng: Rng, nodes: NodeObject[], nowMs: number): void {
  const limit = Math.min(nodes.length, 300);
  for (let i = 0; i < limit; i++) {
    const n = nodes[i]!;
    const name = n.metadata.name;
    const ready = n.status.conditions?.find((c) => c.type === 'Ready')?.status;
    const evs: [string, string, string, string][] = [['Normal', 'Starting', 'kubelet', 'Starting kubelet.']];
    evs.push([
      'Normal',
      'RegisteredNode',
      'node-controller',
      `Node ${name} event: Registered Node ${name} in Controller`,
    ]);
    if (ready === 'False')
      evs.push(['Normal', 'NodeNotReady', 'node-controller', `Node ${name} status is now: NodeNotReady`]);
    if (ready === 'Unknown')
      evs.push(['Normal', 'NodeNotReady', 'node-controller', `Node ${name} status is now: NodeNotReady`]);
    if (n.spec.unschedulable)
      evs.push(['Normal', 'NodeNotSchedulable', 'kubelet', `Node ${name} status is now: NodeNotSchedulable`]);
    if (i % 7 === 3)
      evs.push([
        'Warning',
        'FreeDiskSpaceFailed',
        'kubelet',
        'Failed to garbage collect required amount of images. Attempted to free 4509732454 bytes, but only found 0 bytes eligible to free.',
      ]);
    if (i % 11 === 5)
      evs.push([
        'Warning',
        'ImageGCFailed',
        'kubelet',
        'failed to get imageFs info: non-existent label "containerd-image"',
      ]);
    evs.forEach(([type, reason, component, message], k) => {
      const t = rfc3339(nowMs - (evs.length - k) * rng.int(30, 3600) * 1000);
      state.load(resourceDef('events'), {
        metadata: {
          name: `${name}.${rng.hex(16)}`,
          namespace: 'default',
          uid: rng.uuid(),
          creationTimestamp: t,
        },
        involvedObject: { kind: 'Node', name, uid: name, apiVersion: 'v1' },
        reason,
        message,
        source: { component, ...(component === 'kubelet' ? { host: name } : {}) },
        firstTimestamp: t,
        lastTimestamp: t,
        count: reason.startsWith('Free') ? rng.int(2, 40) : 1,
        type,
        eventTime: null,
        reportingComponent: component,
        reportingInstance: component === 'kubelet' ? name : '',
      } as unknown as KObject);
    });
  }
}
