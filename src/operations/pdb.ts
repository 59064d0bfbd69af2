// PodDisruptionBudgets as a drain preview sees them: which budget covers a pod, and whether an eviction of
// that pod would be refused right now (what the API server's eviction handler checks).
import type { KubeClient } from '../kube/client.js';
import type { KubeList, KubePdb, KubePod, LabelSelector } from '../kube/types.js';

/** metav1.LabelSelectorAsSelector semantics; policy/v1: an empty selector matches every pod, a null one none. */
export function selectorMatches(
  sel: LabelSelector | null | undefined,
  labels: Record<string, string> = {},
): boolean {
  if (!sel) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const r of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const vals = r.values ?? [];
    switch (r.operator) {
      case 'In':
        if (!has || !vals.includes(labels[r.key]!)) return false;
        break;
      case 'NotIn':
        if (has && vals.includes(labels[r.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

export async function listPdbs(
  client: KubeClient,
  namespace: string,
  signal?: AbortSignal,
): Promise<KubePdb[]> {
  const list = await client.request<KubeList<KubePdb>>({
    path: `/apis/policy/v1/namespaces/${encodeURIComponent(namespace)}/poddisruptionbudgets`,
    signal,
  });
  return list.items ?? [];
}

const isReady = (p: KubePod) =>
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/**
 * The eviction handler ignores budgets for pods that are terminal, pending or already being deleted; for a
 * running but unready pod it allows eviction when the budget says AlwaysAllow or is currently healthy enough.
 */
export function pdbApplies(pod: KubePod, pdb: KubePdb): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp)
    return false;
  if (!isReady(pod)) {
    if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return false;
    const desired = pdb.status?.desiredHealthy ?? 0;
    if ((pdb.status?.currentHealthy ?? 0) >= desired && desired > 0) return false;
  }
  return true;
}
