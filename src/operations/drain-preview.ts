/**
 * A drain's dry run: what draining a node with these options would do now — kubectl's filters applied to
 * every pod, plus what the PodDisruptionBudgets in their namespaces currently allow (or, with
 * `disableEviction`, which budgets the deletes would bypass). Nothing is written.
 */
import type { KubeClient } from '../kube/client.js';
import type { ClassifiedPod } from './drain-filters.js';
import type { DrainOptions } from './drain-types.js';
import { Drainer, podDecision, type DrainDeps, type DrainPreview } from './drain.js';
import { listPdbs, pdbApplies, selectorMatches } from './pdb.js';

/** Dry run: what a drain with these options would do now, including pods a budget currently protects. */
export async function previewDrain(
  client: KubeClient,
  node: string,
  opts: DrainOptions,
  deps: Pick<DrainDeps, 'clock' | 'signal'>,
): Promise<DrainPreview> {
  const decisions = await new Drainer(client, node, opts, deps).getPodsForDeletion();
  const bypassed = opts.disableEviction
    ? await markBudgetBypass(client, decisions, deps.signal)
    : (await markBudgetBlocks(client, decisions, deps.signal), undefined);
  return {
    node,
    pods: decisions.map(podDecision),
    wouldSucceed: !decisions.some((d) => d.action === 'blocked'),
    ...(bypassed ? { bypassesBudgets: bypassed } : {}),
  };
}

/** Deletes ignore budgets: say so on every pod one covers, and name the budgets. */
async function markBudgetBypass(
  client: KubeClient,
  decisions: ClassifiedPod[],
  signal?: AbortSignal,
): Promise<string[]> {
  const deleting = decisions.filter((d) => d.action === 'delete');
  const namespaces = [...new Set(deleting.map((d) => d.namespace))];
  const pdbsByNs = new Map(
    await Promise.all(namespaces.map(async (ns) => [ns, await listPdbs(client, ns, signal)] as const)),
  );
  const bypassed = new Set<string>();
  for (const d of deleting) {
    const covering = (pdbsByNs.get(d.namespace) ?? []).filter(
      (p) => selectorMatches(p.spec?.selector, d.pod.metadata.labels) && pdbApplies(d.pod, p),
    );
    if (covering.length === 0) continue;
    const names = covering.map((p) => p.metadata.name);
    for (const n of names) bypassed.add(`${d.namespace}/${n}`);
    d.cause = 'pdb';
    d.reason = `will be deleted, bypassing PodDisruptionBudget ${names.map((n) => `"${n}"`).join(', ')} (disableEviction)`;
  }
  return [...bypassed].sort();
}

async function markBudgetBlocks(
  client: KubeClient,
  decisions: ClassifiedPod[],
  signal?: AbortSignal,
): Promise<void> {
  const evicting = decisions.filter((d) => d.action === 'evict');
  const namespaces = [...new Set(evicting.map((d) => d.namespace))];
  const pdbsByNs = new Map(
    await Promise.all(namespaces.map(async (ns) => [ns, await listPdbs(client, ns, signal)] as const)),
  );
  const used = new Map<string, number>();
  for (const d of evicting) {
    const matching = (pdbsByNs.get(d.namespace) ?? []).filter((p) =>
      selectorMatches(p.spec?.selector, d.pod.metadata.labels),
    );
    if (matching.length > 1) {
      d.action = 'blocked';
      d.cause = 'pdb';
      d.reason = `more than one PodDisruptionBudget covers it (${matching.map((p) => p.metadata.name).join(', ')}); the API server refuses such evictions`;
      continue;
    }
    const pdb = matching[0];
    if (!pdb || !pdbApplies(d.pod, pdb)) continue;
    const allowed = pdb.status?.disruptionsAllowed ?? 0;
    const k = pdb.metadata.name;
    const n = used.get(k) ?? 0;
    used.set(k, n + 1);
    if (allowed <= 0) {
      d.action = 'blocked';
      d.cause = 'pdb';
      d.reason = `PodDisruptionBudget "${k}" currently allows no disruption; the eviction would wait and retry until it does or the timeout expires`;
    } else if (n >= allowed) {
      d.reason = `PodDisruptionBudget "${k}" allows ${allowed} disruption(s) at a time; this eviction waits until evicted pods are replaced and healthy`;
      d.cause = 'pdb';
    }
  }
}
