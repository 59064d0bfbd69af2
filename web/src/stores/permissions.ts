/**
 * The permission preflight of each cluster in view, asked when first needed and again once it is a minute old,
 * kept until the cluster leaves the list. A matrix that could not be fetched (or that the API server could not answer) counts as unknown:
 * nothing is disabled for it, since the server still refuses what the identity may not do. On a cluster that acts
 * as the signed-in user the matrix is this user's (`actingAs`), so it is forgotten when the session ends.
 */
import { reactive } from 'vue';
import type { PermissionMatrix, PermissionOperation } from '../../../src/clusters/permissions';
import { clusters as clustersApi } from '../api/endpoints';

export const permissionStore = reactive({
  /** A cluster's matrix; null while it is being asked or when asking failed. */
  byCluster: {} as Record<string, PermissionMatrix | null>,
});

/** When each cluster was last asked. */
const asked = new Map<string, number>();
/**
 * An answer older than this is asked again the next time it is needed (a drawer opens, the list changes): the
 * cluster's RBAC for this user can change, and the server remembers its reviews for 30 s.
 */
export const PERMISSIONS_STALE_MS = 60_000;

function ask(name: string, keepCurrent = false): void {
  const at = Date.now();
  asked.set(name, at);
  // Asking again keeps the current answer meanwhile, so buttons do not flicker to "unknown".
  if (!keepCurrent) permissionStore.byCluster[name] = null;
  clustersApi
    .permissions(name)
    .then((m) => {
      if (asked.get(name) === at) permissionStore.byCluster[name] = m;
    })
    .catch(() => undefined);
}

/** Ask for the clusters not asked yet, and again for those whose answer is stale. */
export function ensurePermissions(names: Iterable<string>): void {
  for (const name of names) {
    if (!name) continue;
    const at = asked.get(name);
    if (at === undefined) ask(name);
    else if (Date.now() - at >= PERMISSIONS_STALE_MS) ask(name, true);
  }
}

/** Follow the cluster list: forget removed clusters (a re-added one is asked again), ask new ones. */
export function syncPermissions(names: string[]): void {
  const keep = new Set(names);
  for (const name of [...asked.keys()]) {
    if (keep.has(name)) continue;
    asked.delete(name);
    delete permissionStore.byCluster[name];
  }
  ensurePermissions(names);
}

export interface Denial {
  cluster: string;
  missing: string[];
  /** The user the cluster's own RBAC refused, when it acts as the signed-in user. */
  actingAs?: string;
}

/**
 * The clusters among `clusters` whose identity may do none of `alternatives` (a drain may evict or delete
 * pods), each with what the first alternative lacks. Unknown matrices deny nothing.
 */
export function denials(clusters: Iterable<string>, alternatives: PermissionOperation[]): Denial[] {
  const out: Denial[] = [];
  for (const cluster of new Set(clusters)) {
    const m = permissionStore.byCluster[cluster];
    if (!m?.checked) continue;
    const ops = alternatives.map((a) => m.operations.find((o) => o.operation === a));
    if (ops.some((o) => !o || o.allowed)) continue;
    out.push({ cluster, missing: ops[0]!.missing, ...(m.actingAs ? { actingAs: m.actingAs } : {}) });
  }
  return out;
}

/** Forget every matrix, so the next view asks again. */
export function resetPermissions(): void {
  asked.clear();
  for (const k of Object.keys(permissionStore.byCluster)) delete permissionStore.byCluster[k];
}
