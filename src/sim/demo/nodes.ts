/**
 * Generated nodes that look like a real mixed fleet: EKS-, GKE- and ACK-style names, labels and provider
 * IDs; control-plane, worker, infra and GPU pools; taints, a few NotReady nodes and one cordoned node; and
 * the bulky parts (images, managedFields) that make a real node 10-15 KB of JSON.
 */
import { rfc3339 } from '../clock.js';
import type { Rng } from '../random.js';
import type { Condition, NodeObject, Taint } from '../types.js';

export type Provider = 'aws' | 'gke' | 'ack';
export type PoolRole = 'control-plane' | 'worker' | 'infra' | 'gpu';

export interface PoolSpec {
  name: string;
  role: PoolRole;
  provider: Provider;
  instanceType: string;
  cpu: number;
  memGi: number;
  gpus: number;
  arch: 'amd64' | 'arm64';
}

export interface NodeShared {
  images: unknown[];
  managedFields: unknown[];
}

const ZONES: Record<Provider, { region: string; zones: string[] }> = {
  aws: { region: 'us-east-1', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] },
  gke: { region: 'europe-west1', zones: ['europe-west1-b', 'europe-west1-c', 'europe-west1-d'] },
  ack: { region: 'cn-hangzhou', zones: ['cn-hangzhou-h', 'cn-hangzhou-i', 'cn-hangzhou-j'] },
};

const OS: Record<Provider, { osImage: string; kernel: (arch: string) => string }> = {
  aws: {
    osImage: 'Amazon Linux 2023.6.20241212',
    kernel: (a) => `6.1.119-129.201.amzn2023.${a === 'arm64' ? 'aarch64' : 'x86_64'}`,
  },
  gke: { osImage: 'Container-Optimized OS from Google', kernel: () => '6.1.112+' },
  ack: {
    osImage: 'Alibaba Cloud Linux 3.2104 U10 (OpenAnolis Edition)',
    kernel: (a) => `5.10.134-17.3.al8.${a === 'arm64' ? 'aarch64' : 'x86_64'}`,
  },
};

export const POOL_LABEL: Record<Provider, string> = {
  aws: 'eks.amazonaws.com/nodegroup',
  gke: 'cloud.google.com/gke-nodepool',
  ack: 'alibabacloud.com/nodepool-id',
};

const IMAGE_SETS = [
  ['registry.k8s.io/kube-proxy', 'v1.31.4'],
  ['cr.fluentbit.io/fluent/fluent-bit', '3.2.2'],
  ['registry.k8s.io/pause', '3.10'],
  ['quay.io/prometheus/node-exporter', 'v1.8.2'],
  ['docker.io/calico/node', 'v3.28.2'],
  ['docker.io/calico/cni', 'v3.28.2'],
  ['registry.k8s.io/coredns/coredns', 'v1.11.3'],
  ['ghcr.io/acme/payments-api', '2.14.1'],
  ['ghcr.io/acme/checkout-web', '5.3.0'],
  ['ghcr.io/acme/search-indexer', '1.9.7'],
  ['ghcr.io/acme/ledger', '4.0.2'],
  ['docker.io/library/redis', '7.4.1-alpine'],
  ['docker.io/library/nginx', '1.27.3'],
  ['registry.k8s.io/ingress-nginx/controller', 'v1.12.0'],
  ['quay.io/prometheus/prometheus', 'v2.55.1'],
  ['docker.io/grafana/grafana', '11.4.0'],
  ['docker.io/bitnami/kafka', '3.9.0'],
  ['ghcr.io/acme/etl-worker', '0.31.0'],
  ['nvcr.io/nvidia/k8s-device-plugin', 'v0.17.0'],
  ['nvcr.io/nvidia/pytorch', '24.11-py3'],
  ['public.ecr.aws/eks/aws-ebs-csi-driver', 'v1.37.0'],
  ['registry.k8s.io/sig-storage/csi-node-driver-registrar', 'v2.12.0'],
  ['registry.k8s.io/sig-storage/livenessprobe', 'v2.14.0'],
  ['docker.io/istio/proxyv2', '1.24.2'],
  ['docker.io/library/postgres', '16.6'],
  ['ghcr.io/acme/recommendations', '3.2.0'],
  ['ghcr.io/acme/notifications', '1.4.4'],
  ['docker.io/jaegertracing/jaeger-agent', '1.62.0'],
];

export function sharedForPool(rng: Rng, pool: PoolSpec, createdMs: number): NodeShared {
  const n = pool.role === 'gpu' ? 38 : pool.role === 'control-plane' ? 22 : 32;
  const images: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const [repo, tag] = IMAGE_SETS[(i * 7 + pool.name.length) % IMAGE_SETS.length]!;
    const digest = rng.hex(64);
    images.push({
      names: [`${repo}@sha256:${digest}`, `${repo}:${tag}`],
      sizeBytes: rng.int(4_000_000, pool.role === 'gpu' && i % 5 === 0 ? 9_800_000_000 : 480_000_000),
    });
  }
  const t = rfc3339(createdMs);
  const f = (keys: string[]): Record<string, unknown> => Object.fromEntries(keys.map((k) => [k, {}]));
  const conds = ['DiskPressure', 'MemoryPressure', 'PIDPressure', 'Ready'];
  const managedFields = [
    {
      manager: 'kubelet',
      operation: 'Update',
      apiVersion: 'v1',
      time: t,
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': {
          'f:annotations': {
            '.': {},
            ...f([
              'f:node.alpha.kubernetes.io/ttl',
              'f:volumes.kubernetes.io/controller-managed-attach-detach',
            ]),
          },
          'f:labels': {
            '.': {},
            ...f([
              'f:beta.kubernetes.io/arch',
              'f:beta.kubernetes.io/os',
              'f:kubernetes.io/arch',
              'f:kubernetes.io/hostname',
              'f:kubernetes.io/os',
              'f:node.kubernetes.io/instance-type',
              'f:topology.kubernetes.io/region',
              'f:topology.kubernetes.io/zone',
            ]),
          },
        },
        'f:spec': { 'f:providerID': {} },
      },
    },
    {
      manager: 'kube-controller-manager',
      operation: 'Update',
      apiVersion: 'v1',
      time: t,
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:annotations': f(['f:node.alpha.kubernetes.io/ttl']) },
        'f:spec': { 'f:podCIDR': {}, 'f:podCIDRs': { '.': {}, 'v:"10.244.0.0/24"': {} } },
      },
    },
    {
      manager: 'kubelet',
      operation: 'Update',
      apiVersion: 'v1',
      time: t,
      fieldsType: 'FieldsV1',
      subresource: 'status',
      fieldsV1: {
        'f:status': {
          'f:allocatable': f([
            'f:cpu',
            'f:ephemeral-storage',
            'f:hugepages-1Gi',
            'f:hugepages-2Mi',
            'f:memory',
            'f:pods',
            ...(pool.gpus ? ['f:nvidia.com/gpu'] : []),
          ]),
          'f:capacity': f([
            'f:cpu',
            'f:ephemeral-storage',
            'f:hugepages-1Gi',
            'f:hugepages-2Mi',
            'f:memory',
            'f:pods',
            ...(pool.gpus ? ['f:nvidia.com/gpu'] : []),
          ]),
          'f:conditions': Object.fromEntries(
            conds.map((c) => [
              `k:{"type":"${c}"}`,
              f(['f:lastHeartbeatTime', 'f:lastTransitionTime', 'f:message', 'f:reason', 'f:status']),
            ]),
          ),
          'f:daemonEndpoints': { 'f:kubeletEndpoint': { 'f:Port': {} } },
          'f:images': {},
          'f:nodeInfo': f([
            'f:architecture',
            'f:bootID',
            'f:containerRuntimeVersion',
            'f:kernelVersion',
            'f:kubeProxyVersion',
            'f:kubeletVersion',
            'f:machineID',
            'f:operatingSystem',
            'f:osImage',
            'f:systemUUID',
          ]),
          'f:runtimeHandlers': {},
        },
      },
    },
  ];
  return { images, managedFields };
}

function ipFor(i: number, provider: Provider): string {
  const base = provider === 'aws' ? 12 : provider === 'gke' ? 132 : 0;
  const third = Math.floor(i / 250);
  return `10.${base + Math.floor(third / 256)}.${third % 256}.${(i % 250) + 2}`;
}

export function nodeName(rng: Rng, i: number, pool: PoolSpec, ip: string, prefix: string): string {
  switch (pool.provider) {
    case 'aws':
      return `${prefix}ip-${ip.replace(/\./g, '-')}.ec2.internal`;
    case 'gke':
      return `${prefix}gke-prod-${pool.name}-${rng.hex(8)}-${rng.suffix(4)}`;
    case 'ack':
      return `${prefix}cn-hangzhou.${ip}`;
  }
}

export interface NodeState {
  ready: 'True' | 'False' | 'Unknown';
  cordon?: { reason: string; by: string; at: string };
}

function quantityKi(gi: number): string {
  return `${gi * 1024 * 1024 - 1_048_576 + 44_000}Ki`;
}

export function makeNode(
  rng: Rng,
  i: number,
  pool: PoolSpec,
  shared: NodeShared,
  prefix: string,
  nowMs: number,
  st: NodeState,
): NodeObject {
  const ip = ipFor(i + 10, pool.provider);
  const name = nodeName(rng, i, pool, ip, prefix);
  const z = ZONES[pool.provider];
  const zone = z.zones[i % z.zones.length]!;
  const created = nowMs - rng.int(3, 400) * 86_400_000 - rng.int(0, 86_400_000);
  const createdTs = rfc3339(created);
  const heartbeat = rfc3339(nowMs - rng.int(1, 50) * 1000);
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': pool.arch,
    'beta.kubernetes.io/instance-type': pool.instanceType,
    'beta.kubernetes.io/os': 'linux',
    'failure-domain.beta.kubernetes.io/region': z.region,
    'failure-domain.beta.kubernetes.io/zone': zone,
    'kubernetes.io/arch': pool.arch,
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    'node.kubernetes.io/instance-type': pool.instanceType,
    'topology.kubernetes.io/region': z.region,
    'topology.kubernetes.io/zone': zone,
    [POOL_LABEL[pool.provider]]: pool.name,
    pool: pool.name,
    'acme.io/team': pool.role === 'gpu' ? 'ml-platform' : pool.role === 'infra' ? 'platform' : 'shared',
  };
  if (pool.role === 'control-plane') {
    labels['node-role.kubernetes.io/control-plane'] = '';
    labels['node.kubernetes.io/exclude-from-external-load-balancers'] = '';
  } else labels[`node-role.kubernetes.io/${pool.role}`] = '';
  if (pool.gpus) {
    labels['nvidia.com/gpu.present'] = 'true';
    labels['nvidia.com/gpu.product'] = pool.instanceType.startsWith('g5')
      ? 'NVIDIA-A10G'
      : 'Tesla-V100-SXM2-16GB';
    labels['nvidia.com/gpu.count'] = String(pool.gpus);
  }
  const instanceId =
    pool.provider === 'aws' ? `i-0${rng.hex(16)}` : pool.provider === 'ack' ? `i-bp1${rng.hex(17)}` : name;
  const providerID =
    pool.provider === 'aws'
      ? `aws:///${zone}/${instanceId}`
      : pool.provider === 'gke'
        ? `gce://acme-prod/${zone}/${name}`
        : `${z.region}.${instanceId}`;
  const annotations: Record<string, string> = {
    'alpha.kubernetes.io/provided-node-ip': ip,
    'csi.volume.kubernetes.io/nodeid': JSON.stringify(
      pool.provider === 'aws'
        ? { 'ebs.csi.aws.com': instanceId }
        : pool.provider === 'gke'
          ? { 'pd.csi.storage.gke.io': `projects/acme-prod/zones/${zone}/instances/${name}` }
          : { 'diskplugin.csi.alibabacloud.com': instanceId },
    ),
    'node.alpha.kubernetes.io/ttl': '0',
    'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
  };
  if (pool.role === 'control-plane')
    annotations['kubeadm.alpha.kubernetes.io/cri-socket'] = 'unix:///run/containerd/containerd.sock';
  const taints: Taint[] = [];
  if (pool.role === 'control-plane')
    taints.push({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' });
  if (pool.gpus) taints.push({ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' });
  if (st.ready === 'False')
    taints.push({
      key: 'node.kubernetes.io/not-ready',
      effect: 'NoSchedule',
      timeAdded: rfc3339(nowMs - 600_000),
    });
  if (st.ready === 'Unknown') {
    taints.push({
      key: 'node.kubernetes.io/unreachable',
      effect: 'NoSchedule',
      timeAdded: rfc3339(nowMs - 900_000),
    });
    taints.push({
      key: 'node.kubernetes.io/unreachable',
      effect: 'NoExecute',
      timeAdded: rfc3339(nowMs - 840_000),
    });
  }
  if (st.cordon) {
    taints.push({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: st.cordon.at });
    annotations['nodes.knm.io/cordon-reason'] = st.cordon.reason;
    annotations['nodes.knm.io/cordoned-by'] = st.cordon.by;
    annotations['nodes.knm.io/cordoned-at'] = st.cordon.at;
  }
  const cpu = String(pool.cpu);
  const capacity: Record<string, string> = {
    cpu,
    'ephemeral-storage': '104845292Ki',
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: quantityKi(pool.memGi),
    pods: pool.role === 'gpu' ? '58' : '110',
  };
  const allocatable: Record<string, string> = {
    cpu: `${pool.cpu * 1000 - 90 - pool.cpu * 10}m`,
    'ephemeral-storage': '95551679124',
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: quantityKi(pool.memGi - 1),
    pods: capacity.pods!,
  };
  if (pool.gpus) {
    capacity['nvidia.com/gpu'] = String(pool.gpus);
    allocatable['nvidia.com/gpu'] = String(pool.gpus);
  }
  const cond = (
    type: string,
    status: string,
    reason: string,
    message: string,
    transition: string,
  ): Condition => ({
    type,
    status,
    lastHeartbeatTime: heartbeat,
    lastTransitionTime: transition,
    reason,
    message,
  });
  const ready =
    st.ready === 'True'
      ? cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status', createdTs)
      : st.ready === 'False'
        ? cond(
            'Ready',
            'False',
            'KubeletNotReady',
            'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized',
            rfc3339(nowMs - 600_000),
          )
        : cond(
            'Ready',
            'Unknown',
            'NodeStatusUnknown',
            'Kubelet stopped posting node status.',
            rfc3339(nowMs - 900_000),
          );
  const unknown = st.ready === 'Unknown';
  const pressure = (type: string, reason: string, message: string): Condition =>
    unknown
      ? cond(
          type,
          'Unknown',
          'NodeStatusUnknown',
          'Kubelet stopped posting node status.',
          rfc3339(nowMs - 900_000),
        )
      : cond(type, 'False', reason, message, createdTs);
  const conditions: Condition[] = [];
  if (pool.provider !== 'ack')
    conditions.push(
      pool.provider === 'gke'
        ? cond('NetworkUnavailable', 'False', 'RouteCreated', 'RouteController created a route', createdTs)
        : cond('NetworkUnavailable', 'False', 'CalicoIsUp', 'Calico is running on this node', createdTs),
    );
  conditions.push(
    pressure('MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    pressure('DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    pressure('PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    ready,
  );
  const addresses = [{ type: 'InternalIP', address: ip }];
  if (pool.provider === 'gke' || (pool.provider === 'aws' && i % 4 === 0))
    addresses.push({
      type: 'ExternalIP',
      address: `${pool.provider === 'gke' ? 34 : 54}.${(i >> 8) & 255}.${i & 255}.${rng.int(1, 254)}`,
    });
  if (pool.provider === 'aws')
    addresses.push({ type: 'InternalDNS', address: `ip-${ip.replace(/\./g, '-')}.ec2.internal` });
  addresses.push({ type: 'Hostname', address: name });
  const kubeletVersion = i % 17 === 5 ? 'v1.31.2' : 'v1.31.4';
  const podCidr = `10.244.${i & 255}.0/24`.replace('10.244', `10.${244 + ((i >> 8) & 7)}`);
  return {
    metadata: {
      name,
      uid: rng.uuid(),
      creationTimestamp: createdTs,
      labels,
      annotations,
      managedFields: shared.managedFields,
    },
    spec: {
      podCIDR: podCidr,
      podCIDRs: [podCidr],
      providerID,
      ...(taints.length ? { taints } : {}),
      ...(st.cordon ? { unschedulable: true } : {}),
    },
    status: {
      capacity,
      allocatable,
      conditions,
      addresses,
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: rng.hex(32),
        systemUUID: rng.uuid().toUpperCase(),
        bootID: rng.uuid(),
        kernelVersion: OS[pool.provider].kernel(pool.arch),
        osImage: OS[pool.provider].osImage,
        containerRuntimeVersion: 'containerd://1.7.23',
        kubeletVersion,
        kubeProxyVersion: kubeletVersion,
        operatingSystem: 'linux',
        architecture: pool.arch,
      },
      images: shared.images,
      runtimeHandlers: [
        { name: 'runc', features: { recursiveReadOnlyMounts: true, userNamespaces: true } },
        { name: '', features: { recursiveReadOnlyMounts: true, userNamespaces: true } },
      ],
    },
  } as NodeObject;
}
