/**
 * Permission preflight: before anyone presses a button, ask the cluster's API server what this identity may do
 * (one SelfSubjectAccessReview per distinct permission) and answer a matrix of the product's operations, each
 * allowed or denied with the permissions it lacks. The console disables what is denied and says why.
 */
import type { KubeClient } from '../kube/client.js';
import { kubeErrorText } from '../kube/forbidden.js';
import { describePermission } from '../kube/forbidden.js';

export const PERMISSION_OPERATIONS = [
  'readNodes',
  'cordon',
  'label',
  'taint',
  'evict',
  'deletePods',
  'maintenance',
] as const;
export type PermissionOperation = (typeof PERMISSION_OPERATIONS)[number];

export interface Permission {
  verb: string;
  resource: string;
  subresource?: string;
  group: string;
}

const p = (verb: string, resource: string, group = '', subresource?: string): Permission => ({
  verb,
  resource,
  group,
  ...(subresource ? { subresource } : {}),
});

/** What each operation needs, the same rules the chart's ClusterRole grants (deploy/helm/.../clusterrole.yaml). */
export const OPERATION_NEEDS: Record<PermissionOperation, Permission[]> = {
  // The live node cache: LIST then WATCH; single reads when a write conflicts.
  readNodes: [p('list', 'nodes'), p('watch', 'nodes'), p('get', 'nodes')],
  // Cordon, labels and taints are JSON patches of the node.
  cordon: [p('patch', 'nodes')],
  label: [p('patch', 'nodes')],
  taint: [p('patch', 'nodes')],
  // A drain cordons, lists the node's pods, checks their controllers and budgets, and evicts.
  evict: [
    p('patch', 'nodes'),
    p('list', 'pods'),
    p('get', 'pods'),
    p('get', 'daemonsets', 'apps'),
    p('list', 'poddisruptionbudgets', 'policy'),
    p('create', 'pods', '', 'eviction'),
  ],
  // A drain with eviction disabled deletes pods instead.
  deletePods: [p('patch', 'nodes'), p('list', 'pods'), p('get', 'pods'), p('delete', 'pods')],
  // A rolling maintenance plan drains each node (evictions), then its recovery gate reads the ReplicaSet that
  // owned an evicted pod (to find its Deployment), that Deployment or StatefulSet, and each covering budget.
  maintenance: [
    p('patch', 'nodes'),
    p('list', 'pods'),
    p('get', 'pods'),
    p('get', 'daemonsets', 'apps'),
    p('list', 'poddisruptionbudgets', 'policy'),
    p('create', 'pods', '', 'eviction'),
    p('get', 'replicasets', 'apps'),
    p('get', 'deployments', 'apps'),
    p('get', 'statefulsets', 'apps'),
    p('get', 'poddisruptionbudgets', 'policy'),
  ],
};

export interface OperationPermission {
  operation: PermissionOperation;
  allowed: boolean;
  /** Each missing permission as `kubectl auth can-i` takes it: "create on pods/eviction". */
  missing: string[];
}

export interface PermissionMatrix {
  /** False when the API server could not be asked; then `operations` is empty and nothing is known. */
  checked: boolean;
  checkedAt: string;
  operations: OperationPermission[];
  error?: string;
  /**
   * The user the cluster was asked about, on a cluster that acts as the signed-in user (its own RBAC decides
   * for that person); absent when the answer is the product's own identity's.
   */
  actingAs?: string;
}

export const permissionText = (q: Permission): string =>
  describePermission({
    verb: q.verb,
    group: q.group,
    resource: q.subresource ? `${q.resource}/${q.subresource}` : q.resource,
  });

interface ReviewAnswer {
  status?: { allowed?: unknown; denied?: unknown };
}

async function review(client: KubeClient, q: Permission, timeoutMs: number): Promise<boolean> {
  const answer = await client.request<ReviewAnswer>({
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      // No namespace: the product acts in every namespace, so it asks about all of them.
      spec: {
        resourceAttributes: {
          verb: q.verb,
          group: q.group,
          resource: q.resource,
          subresource: q.subresource,
        },
      },
    },
    timeoutMs,
  });
  // Untrusted answer: only an explicit true allows.
  return answer?.status?.allowed === true && answer.status.denied !== true;
}

export async function checkPermissions(
  client: KubeClient,
  opts: { timeoutMs?: number; now?: () => Date } = {},
): Promise<PermissionMatrix> {
  const checkedAt = (opts.now?.() ?? new Date()).toISOString();
  const distinct = new Map<string, Permission>();
  for (const needs of Object.values(OPERATION_NEEDS))
    for (const q of needs) distinct.set(permissionText(q), q);
  let allowed: Map<string, boolean>;
  try {
    const answers = await Promise.all(
      [...distinct].map(
        async ([key, q]) => [key, await review(client, q, opts.timeoutMs ?? 10_000)] as const,
      ),
    );
    allowed = new Map(answers);
  } catch (e) {
    return {
      checked: false,
      checkedAt,
      operations: [],
      error: `could not ask the API server: ${kubeErrorText(e)}`,
    };
  }
  return {
    checked: true,
    checkedAt,
    operations: PERMISSION_OPERATIONS.map((operation) => {
      const missing = OPERATION_NEEDS[operation].map(permissionText).filter((k) => !allowed.get(k));
      return { operation, allowed: missing.length === 0, missing: [...new Set(missing)] };
    }),
  };
}

/** Remembers each client's matrix briefly, so a page of clusters does not ask every API server on each load. */
export class PermissionCache {
  private readonly entries = new WeakMap<KubeClient, { at: number; matrix: Promise<PermissionMatrix> }>();
  constructor(
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(client: KubeClient, opts: { refresh?: boolean; timeoutMs?: number } = {}): Promise<PermissionMatrix> {
    const hit = this.entries.get(client);
    if (hit && !opts.refresh && this.now() - hit.at < this.ttlMs) return hit.matrix;
    const matrix = checkPermissions(client, { timeoutMs: opts.timeoutMs });
    const entry = { at: this.now(), matrix };
    this.entries.set(client, entry);
    // A server that could not be asked is asked again next time.
    void matrix.then((m) => {
      if (!m.checked && this.entries.get(client) === entry) this.entries.delete(client);
    });
    return matrix;
  }
}
