/**
 * What a drain reports while it runs and when it is cancelled, in words. Evicted, terminating, gone and blocked
 * are told apart: an eviction the API accepted is a pod on its way out even while it still terminates, and a
 * cancel does not call it back, so it counts as removed.
 */
import type { DrainProgress } from './drain.js';

export function drainProgressText(p: DrainProgress): string {
  const parts = [`evicted ${p.evicted}/${p.total}`, `terminating ${p.terminating}`, `gone ${p.gone}`];
  if (p.waitingForBudget) parts.push(`${p.waitingForBudget} blocked by a PodDisruptionBudget`);
  if (p.failed) parts.push(`${p.failed} failed`);
  return parts.join(' · ');
}

export function drainCancelledText(p: DrainProgress): string {
  const removed = p.gone + p.terminating;
  const left = Math.max(0, p.total - removed - p.failed);
  return (
    `cancelled: ${removed} of ${p.total} pods removed or on their way out (${p.gone} gone, ${p.terminating} ` +
    `still terminating after their eviction), ${left} left on the node; the node stays cordoned`
  );
}
