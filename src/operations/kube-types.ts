// The slices of Kubernetes objects the operations read and write, typed as they travel on the wire (JSON).
// Only fields these operations use are declared; everything else passes through untouched.

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
export const TAINT_EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export interface OwnerReference {
  apiVersion?: string;
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

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
  metadata: ObjectMeta;
  spec?: { unschedulable?: boolean; taints?: Taint[]; [k: string]: unknown };
  status?: { conditions?: NodeCondition[]; [k: string]: unknown };
}

export interface PodVolume {
  name: string;
  emptyDir?: Record<string, unknown> | null;
  [k: string]: unknown;
}

export interface KubePod {
  metadata: ObjectMeta;
  spec?: { nodeName?: string; volumes?: PodVolume[]; terminationGracePeriodSeconds?: number };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface KubePdb {
  metadata: ObjectMeta;
  spec?: { selector?: LabelSelector | null; unhealthyPodEvictionPolicy?: string };
  status?: { disruptionsAllowed?: number; currentHealthy?: number; desiredHealthy?: number };
}

export interface KubeList<T> {
  items: T[];
  metadata?: { continue?: string; resourceVersion?: string };
}

export function nodeReadyStatus(node: KubeNode): 'Ready' | 'NotReady' | 'Unknown' {
  const c = node.status?.conditions?.find((x) => x.type === 'Ready');
  if (!c) return 'Unknown';
  return c.status === 'True' ? 'Ready' : c.status === 'False' ? 'NotReady' : 'Unknown';
}

/** metav1.GetControllerOf: the owner reference marked `controller: true`. */
export function controllerOf(meta: ObjectMeta): OwnerReference | undefined {
  return meta.ownerReferences?.find((r) => r.controller === true);
}
