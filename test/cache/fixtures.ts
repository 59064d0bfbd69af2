// Realistic raw Node objects (as the API server sends them: managedFields, images, heartbeats) for tests.
import type { KubeObject } from '../../src/informer/types.js';

export interface NodeOpts {
  rv?: number;
  ready?: 'True' | 'False' | 'Unknown';
  unschedulable?: boolean;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  ip?: string;
  heartbeat?: string;
  kubelet?: string;
  cpu?: string;
  memory?: string;
  gpu?: string;
  uid?: string;
}

export function rawNode(name: string, o: NodeOpts = {}): KubeObject {
  const hb = o.heartbeat ?? '2025-01-01T00:00:00Z';
  const cap: Record<string, string> = {
    cpu: o.cpu ?? '8',
    memory: o.memory ?? '32Gi',
    pods: '110',
    'ephemeral-storage': '100Gi',
  };
  if (o.gpu) cap['nvidia.com/gpu'] = o.gpu;
  const cond = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    lastHeartbeatTime: hb,
    lastTransitionTime: '2024-12-01T00:00:00Z',
    reason,
    message,
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      uid: o.uid ?? `uid-${name}`,
      resourceVersion: String(o.rv ?? 1),
      creationTimestamp: '2024-12-01T00:00:00Z',
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/worker': '',
        ...o.labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', ...o.annotations },
      managedFields: [
        {
          manager: 'kubelet',
          operation: 'Update',
          time: hb,
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:status': {} },
        },
      ],
    } as unknown as KubeObject['metadata'],
    spec: {
      unschedulable: o.unschedulable || undefined,
      taints: o.taints,
      podCIDR: '10.244.0.0/24',
      podCIDRs: ['10.244.0.0/24'],
      providerID: `sim://${name}`,
    },
    status: {
      capacity: cap,
      allocatable: { ...cap, cpu: '7800m' },
      conditions: [
        cond(
          'MemoryPressure',
          'False',
          'KubeletHasSufficientMemory',
          'kubelet has sufficient memory available',
        ),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        cond(
          'Ready',
          o.ready ?? 'True',
          o.ready === 'False' ? 'KubeletNotReady' : 'KubeletReady',
          'kubelet is posting ready status',
        ),
      ],
      addresses: [
        { type: 'InternalIP', address: o.ip ?? '10.0.0.1' },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: {
        machineID: `m-${name}`,
        systemUUID: `s-${name}`,
        bootID: `b-${name}`,
        kernelVersion: '6.1.0',
        osImage: 'Ubuntu 22.04.4 LTS',
        containerRuntimeVersion: 'containerd://1.7.13',
        kubeletVersion: o.kubelet ?? 'v1.30.2',
        kubeProxyVersion: o.kubelet ?? 'v1.30.2',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      images: [{ names: ['registry.k8s.io/pause:3.9'], sizeBytes: 321520 }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    },
  } as KubeObject;
}
