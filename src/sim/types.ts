/**
 * The wire shapes of the Kubernetes objects the simulator stores. Objects are kept without `kind`/`apiVersion`
 * (the serializer adds them where the real server does) and are treated as immutable once stored: every write
 * stores a fresh object, so watch history, paging snapshots and in-flight responses can share references.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [k: string]: unknown;
}

export interface KObject {
  metadata: ObjectMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [k: string]: unknown;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
  lastProbeTime?: string | null;
  [k: string]: unknown;
}

export interface NodeObject extends KObject {
  spec: {
    taints?: Taint[];
    unschedulable?: boolean;
    podCIDR?: string;
    podCIDRs?: string[];
    providerID?: string;
  };
  status: {
    conditions?: Condition[];
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    addresses?: { type: string; address: string }[];
    nodeInfo?: Record<string, string>;
    [k: string]: unknown;
  };
}

export interface PodObject extends KObject {
  spec: {
    nodeName?: string;
    containers?: unknown[];
    volumes?: { name: string; emptyDir?: unknown; [k: string]: unknown }[];
    terminationGracePeriodSeconds?: number;
    [k: string]: unknown;
  };
  status: { phase?: string; conditions?: Condition[]; [k: string]: unknown };
}

export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface PdbObject extends KObject {
  spec: {
    minAvailable?: number | string;
    maxUnavailable?: number | string;
    selector?: LabelSelectorSpec;
    [k: string]: unknown;
  };
  status?: {
    observedGeneration?: number;
    disruptionsAllowed?: number;
    currentHealthy?: number;
    desiredHealthy?: number;
    expectedPods?: number;
    disruptedPods?: Record<string, string>;
    conditions?: Condition[];
    [k: string]: unknown;
  };
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep copy of plain JSON data (the only kind of data the simulator stores). */
export function cloneJson<T>(v: T): T {
  return structuredClone(v);
}
