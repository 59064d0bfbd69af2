/**
 * The resource table: every kind the simulator serves, with what discovery reports about it and which
 * field-selector labels the real API server accepts for it (k8s.io/kubernetes pkg/apis/core/v1/conversion.go).
 */
import type { KObject } from './types.js';

export interface SubresourceDef {
  name: string;
  kind: string;
  verbs: string[];
  group?: string;
  version?: string;
}

export interface ResourceDef {
  /** Plural resource name, as in URLs. */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  group: string;
  version: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources: SubresourceDef[];
  /** Field-selector labels accepted for this kind, each with how to read it from an object. */
  fields: Record<string, (o: KObject) => string>;
  /** Whether writes to the main resource bump metadata.generation on spec change. */
  generation: boolean;
  storageVersionHash: string;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const at = (o: KObject, ...path: string[]): unknown => {
  let cur: unknown = o;
  for (const p of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
};
const f =
  (...path: string[]) =>
  (o: KObject): string =>
    str(at(o, ...path));
const boolField =
  (...path: string[]) =>
  (o: KObject): string =>
    at(o, ...path) === true ? 'true' : 'false';

const metaFields = {
  'metadata.name': f('metadata', 'name'),
  'metadata.namespace': f('metadata', 'namespace'),
};

export const RESOURCES: ResourceDef[] = [
  {
    resource: 'nodes',
    singular: 'node',
    kind: 'Node',
    listKind: 'NodeList',
    group: '',
    version: 'v1',
    namespaced: false,
    verbs: ALL_VERBS,
    shortNames: ['no'],
    subresources: [{ name: 'status', kind: 'Node', verbs: STATUS_VERBS }],
    // Nodes register their own conversion, so metadata.namespace is NOT accepted for them.
    fields: {
      'metadata.name': f('metadata', 'name'),
      'spec.unschedulable': boolField('spec', 'unschedulable'),
    },
    generation: false,
    storageVersionHash: 'XwShjMxG9Fs=',
  },
  {
    resource: 'pods',
    singular: 'pod',
    kind: 'Pod',
    listKind: 'PodList',
    group: '',
    version: 'v1',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      { name: 'eviction', kind: 'Eviction', verbs: ['create'], group: 'policy', version: 'v1' },
      { name: 'status', kind: 'Pod', verbs: STATUS_VERBS },
    ],
    fields: {
      ...metaFields,
      'spec.nodeName': f('spec', 'nodeName'),
      'spec.restartPolicy': f('spec', 'restartPolicy'),
      'spec.schedulerName': f('spec', 'schedulerName'),
      'spec.serviceAccountName': f('spec', 'serviceAccountName'),
      'spec.hostNetwork': boolField('spec', 'hostNetwork'),
      'status.phase': f('status', 'phase'),
      'status.podIP': f('status', 'podIP'),
      'status.nominatedNodeName': f('status', 'nominatedNodeName'),
    },
    generation: true,
    storageVersionHash: 'xPOwRZ+Yhw8=',
  },
  {
    resource: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    listKind: 'NamespaceList',
    group: '',
    version: 'v1',
    namespaced: false,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['ns'],
    subresources: [{ name: 'status', kind: 'Namespace', verbs: STATUS_VERBS }],
    fields: { 'metadata.name': f('metadata', 'name'), 'status.phase': f('status', 'phase') },
    generation: false,
    storageVersionHash: 'Q3oi5N2YM8M=',
  },
  {
    resource: 'events',
    singular: 'event',
    kind: 'Event',
    listKind: 'EventList',
    group: '',
    version: 'v1',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['ev'],
    subresources: [],
    fields: {
      ...metaFields,
      'involvedObject.kind': f('involvedObject', 'kind'),
      'involvedObject.namespace': f('involvedObject', 'namespace'),
      'involvedObject.name': f('involvedObject', 'name'),
      'involvedObject.uid': f('involvedObject', 'uid'),
      'involvedObject.apiVersion': f('involvedObject', 'apiVersion'),
      'involvedObject.resourceVersion': f('involvedObject', 'resourceVersion'),
      'involvedObject.fieldPath': f('involvedObject', 'fieldPath'),
      reason: f('reason'),
      reportingComponent: f('reportingComponent'),
      source: f('source', 'component'),
      type: f('type'),
    },
    generation: false,
    storageVersionHash: 'r2yiGXH7wu8=',
  },
  {
    resource: 'poddisruptionbudgets',
    singular: 'poddisruptionbudget',
    kind: 'PodDisruptionBudget',
    listKind: 'PodDisruptionBudgetList',
    group: 'policy',
    version: 'v1',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['pdb'],
    subresources: [{ name: 'status', kind: 'PodDisruptionBudget', verbs: STATUS_VERBS }],
    fields: metaFields,
    generation: true,
    storageVersionHash: '6BGBu0kpHtk=',
  },
  {
    resource: 'daemonsets',
    singular: 'daemonset',
    kind: 'DaemonSet',
    listKind: 'DaemonSetList',
    group: 'apps',
    version: 'v1',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['ds'],
    categories: ['all'],
    subresources: [{ name: 'status', kind: 'DaemonSet', verbs: STATUS_VERBS }],
    fields: metaFields,
    generation: true,
    storageVersionHash: 'dd7pWHUlMKQ=',
  },
  {
    resource: 'replicasets',
    singular: 'replicaset',
    kind: 'ReplicaSet',
    listKind: 'ReplicaSetList',
    group: 'apps',
    version: 'v1',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['rs'],
    categories: ['all'],
    subresources: [{ name: 'status', kind: 'ReplicaSet', verbs: STATUS_VERBS }],
    fields: metaFields,
    generation: true,
    storageVersionHash: 'P1RzHs8/mWQ=',
  },
  {
    resource: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    listKind: 'DeploymentList',
    group: 'apps',
    version: 'v1',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: [{ name: 'status', kind: 'Deployment', verbs: STATUS_VERBS }],
    fields: metaFields,
    generation: true,
    storageVersionHash: '8aSe+NMegvE=',
  },
  {
    resource: 'statefulsets',
    singular: 'statefulset',
    kind: 'StatefulSet',
    listKind: 'StatefulSetList',
    group: 'apps',
    version: 'v1',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['sts'],
    categories: ['all'],
    subresources: [{ name: 'status', kind: 'StatefulSet', verbs: STATUS_VERBS }],
    fields: metaFields,
    generation: true,
    storageVersionHash: 'H+vl74LkKdo=',
  },
  // Node heartbeats in kube-node-lease. Nothing here renews them (nor does kwok on the real side), but
  // `kubectl describe node` reads the node's Lease and must get a NotFound for it, not an unknown resource.
  {
    resource: 'leases',
    singular: 'lease',
    kind: 'Lease',
    listKind: 'LeaseList',
    group: 'coordination.k8s.io',
    version: 'v1',
    namespaced: true,
    verbs: ALL_VERBS,
    subresources: [],
    fields: metaFields,
    generation: false,
    storageVersionHash: 'gqkMMb/YqFM=',
  },
];

export type ResourceName =
  | 'nodes'
  | 'pods'
  | 'namespaces'
  | 'events'
  | 'poddisruptionbudgets'
  | 'daemonsets'
  | 'replicasets'
  | 'deployments'
  | 'statefulsets'
  | 'leases';

export const RESOURCE_BY_NAME = new Map(RESOURCES.map((r) => [r.resource, r]));

export function resourceDef(name: string): ResourceDef {
  const d = RESOURCE_BY_NAME.get(name);
  if (!d) throw new Error(`unknown resource ${name}`);
  return d;
}

export const apiVersionOf = (d: ResourceDef): string => (d.group ? `${d.group}/${d.version}` : d.version);

export function findResource(group: string, version: string, resource: string): ResourceDef | undefined {
  const d = RESOURCE_BY_NAME.get(resource);
  return d && d.group === group && d.version === version ? d : undefined;
}

/** The etcd-style storage key; paging order and continue tokens are defined over it. */
export const storageKey = (d: ResourceDef, namespace: string | undefined, name: string): string =>
  d.namespaced ? `${namespace ?? ''}/${name}` : name;

const ETCD_DIR: Record<string, string> = { nodes: 'minions' };

/** Where the real server keeps a resource in etcd (shows up in precondition-failure messages). */
export const storagePrefix = (d: ResourceDef): string => `/registry/${ETCD_DIR[d.resource] ?? d.resource}/`;
