// The slices of Kubernetes objects this product reads and writes, typed as they travel on the wire (JSON).
// Only fields something here uses are declared; everything else passes through untouched. Everything from an
// API server is untrusted, so what the server may leave out is optional. Types only (and the taint effects),
// so the console can share them without bundling server code.

export interface OwnerReference {
  apiVersion?: string;
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  managedFields?: { time?: string }[];
}

/** The metadata of an object read by name or written by us: it has its name. */
export type NamedObjectMeta = ObjectMeta & { name: string };

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export interface KubeList<T = KubeObject> {
  metadata?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items?: T[];
}

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
export const TAINT_EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect;
  timeAdded?: string;
}

export interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface KubeNode {
  apiVersion?: string;
  kind?: string;
  metadata: NamedObjectMeta;
  spec?: { unschedulable?: boolean; taints?: Taint[]; [k: string]: unknown };
  status?: { conditions?: NodeCondition[]; [k: string]: unknown };
}

export interface PodVolume {
  name: string;
  emptyDir?: Record<string, unknown> | null;
  [k: string]: unknown;
}

export interface KubePod {
  metadata: NamedObjectMeta;
  spec?: { nodeName?: string; volumes?: PodVolume[]; terminationGracePeriodSeconds?: number };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** metav1.LabelSelector as an object carries it (for the parsed string form see selector.ts). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface KubePdb {
  metadata: NamedObjectMeta;
  spec?: { selector?: LabelSelector | null; unhealthyPodEvictionPolicy?: string };
  status?: {
    disruptionsAllowed?: number;
    currentHealthy?: number;
    desiredHealthy?: number;
    expectedPods?: number;
    /** Pods whose eviction was accepted but whose deletion the disruption controller has not yet seen. */
    disruptedPods?: Record<string, string>;
  };
}
