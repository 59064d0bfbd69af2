/**
 * Which preflight operations each node action needs, and the reason shown on an action the identity cannot
 * perform on the selected nodes' clusters (the matrix's wording: "needs patch on nodes").
 */
import type { PermissionOperation } from '../../../src/clusters/permissions';
import { denials } from '../stores/permissions';

export type NodeAction = 'cordon' | 'uncordon' | 'labels' | 'taints' | 'drain' | 'template';
/**
 * Node actions, the drain option that deletes pods instead of evicting them, and starting a rolling
 * maintenance plan on the selection.
 */
export type GatedAction = NodeAction | 'disableEviction' | 'maintenance';

/** Alternatives: an action is denied only when every one of them is (a drain can delete instead of evict). */
const ACTION_NEEDS: Record<GatedAction, PermissionOperation[]> = {
  cordon: ['cordon'],
  uncordon: ['cordon'],
  labels: ['label'],
  taints: ['taint'],
  drain: ['evict', 'deletePods'],
  template: ['label', 'taint', 'cordon'],
  disableEviction: ['deletePods'],
  maintenance: ['maintenance'],
};

/** '' when allowed (or unknown); otherwise the reason, naming the cluster when the selection spans several. */
export function deniedReason(
  action: GatedAction,
  clusters: string[],
  t: (key: string, named: Record<string, unknown>) => string,
): string {
  const denied = denials(clusters, ACTION_NEEDS[action]);
  const several = new Set(clusters).size > 1;
  return denied
    .map((d) => {
      const what = d.missing.join(', ');
      const why = d.actingAs
        ? t('clusters.permissions.needsAs', { what, user: d.actingAs })
        : t('clusters.permissions.needs', { what });
      return several ? `${d.cluster}: ${why}` : why;
    })
    .join('; ');
}
