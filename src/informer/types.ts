import type { KubeObject } from '../kube/types.js';

export type { KubeList, KubeObject, ObjectMeta } from '../kube/types.js';

/** `namespace/name`, or `name` for cluster-scoped objects (client-go's MetaNamespaceKeyFunc). */
export function namespacedKey(obj: KubeObject): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name ?? ''}` : (m.name ?? '');
}

/**
 * Compare two resourceVersions. Kubernetes says they are opaque, but every real API server (etcd revisions)
 * and our simulator use integers, and read-your-writes needs an order: compare numerically when both are
 * integers; otherwise answer undefined (unknown order) and let the caller trust the newer arrival.
 */
export function compareResourceVersions(a: string | undefined, b: string | undefined): number | undefined {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return undefined;
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
