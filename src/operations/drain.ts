/**
 * kubectl-grade drain (k8s.io/kubectl/pkg/drain): cordon, list the node's pods, apply kubectl's filters
 * (drain-filters.ts), refuse before touching anything if a pod is blocked, then evict every removable pod
 * with policy/v1 Eviction — all at once, each in its own retry loop. HTTP 429 (a PodDisruptionBudget says
 * no) waits 5 s, re-reads the pod and tries again, for as long as the timeout allows; it never falls back to
 * DELETE. Plain DELETE is used only when eviction is disabled. Each removed pod is then awaited until it is
 * gone (404, or a new pod with the same name has a different UID). Timeout 0 means no limit, as in kubectl.
 * Cancellation is an AbortSignal; everything waits through the injected Clock.
 *
 * This module performs one node's drain; it must not run inside an HTTP request (jobs.ts runs it).
 */
import type { KubeClient } from '../kube/client.js';
import { isKubeError, type KubeError } from '../kube/errors.js';
import { kubeErrorText } from '../kube/forbidden.js';
import { drainEvictions } from '../metrics/registry.js';
import {
  blockedSummary,
  classifyPods,
  listNodePods,
  terminatingTooLong,
  type ClassifiedPod,
  type PodDecision,
} from './drain-filters.js';
import type { KubePod } from './kube-types.js';
import { listPdbs, pdbApplies, selectorMatches } from './pdb.js';
import { AbortedError, type Clock } from './ports.js';
import type { DrainOptions } from './validation.js';
import { drainCancelledText } from './drain-progress.js';

export interface DrainProgress {
  /** Pods to remove. */
  total: number;
  /** Removed and confirmed gone. */
  gone: number;
  /** Evictions (or, with eviction disabled, deletions) the API server accepted. */
  evicted: number;
  /** Of those, pods not yet gone: they go ahead even if the drain is cancelled now. */
  terminating: number;
  /** Currently refused by a PodDisruptionBudget and waiting to retry. */
  waitingForBudget: number;
  failed: number;
}

export interface DrainDeps {
  clock: Clock;
  signal?: AbortSignal;
  /** kubectl's EvictErrorRetryDelay (5 s). */
  evictRetryDelayMs?: number;
  /** kubectl polls for deletion every second. */
  pollIntervalMs?: number;
  onProgress?: (p: DrainProgress) => void;
}

export interface DrainPreview {
  node: string;
  pods: PodDecision[];
  wouldSucceed: boolean;
  /**
   * With `disableEviction`: pods are deleted, not evicted, and these PodDisruptionBudgets (namespace/name)
   * cover pods that would go regardless of what they allow.
   */
  bypassesBudgets?: string[];
}

export interface DrainResult {
  removed: number;
  skipped: PodDecision[];
  message: string;
}

/** A drain that stopped: refused by filters, failed pods, timeout, or cancelled (`cancelled: true`). */
export class DrainError extends Error {
  override name = 'DrainError';
  constructor(
    message: string,
    readonly kind: 'blocked' | 'failed' | 'cancelled',
    readonly pods: PodDecision[] = [],
  ) {
    super(message);
  }
}

const strip = ({ namespace, name, action, reason, cause }: PodDecision): PodDecision => ({
  namespace,
  name,
  action,
  reason,
  cause,
});

const podPath = (ns: string, name: string) =>
  `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}`;

/** Dry run: what a drain with these options would do now, including pods a budget currently protects. */
export async function previewDrain(
  client: KubeClient,
  node: string,
  opts: DrainOptions,
  deps: Pick<DrainDeps, 'clock' | 'signal'>,
): Promise<DrainPreview> {
  const pods = await listNodePods(client, node, opts.podSelector, deps.signal);
  const decisions = await classifyPods(client, pods, opts, deps.clock.now(), deps.signal);
  const bypassed = opts.disableEviction
    ? await markBudgetBypass(client, decisions, deps.signal)
    : (await markBudgetBlocks(client, decisions, deps.signal), undefined);
  return {
    node,
    pods: decisions.map(strip),
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

// metav1.StatusCause serialises its Type field as `reason` in JSON.
const isNamespaceTerminating = (e: KubeError) => {
  const causes = (e.status?.details as { causes?: { reason?: string }[] } | undefined)?.causes ?? [];
  return causes.some((c) => c.reason === 'NamespaceTerminating');
};

/**
 * Drains one node: `cordon` is called first (the caller's conflict-safe cordon). Resolves with a summary;
 * rejects with DrainError (blocked/failed/cancelled) or the error that stopped it.
 */
export async function runDrain(
  client: KubeClient,
  node: string,
  opts: DrainOptions,
  deps: DrainDeps & { cordon: () => Promise<unknown> },
): Promise<DrainResult> {
  const { clock, signal } = deps;
  const retryDelay = deps.evictRetryDelayMs ?? 5000;
  const pollInterval = deps.pollIntervalMs ?? 1000;
  const cancelled = () => signal?.aborted === true;
  const guardAbort = <T>(p: Promise<T>): Promise<T> =>
    p.catch((e: unknown) => {
      if (cancelled()) throw new AbortedError();
      throw e;
    });

  await guardAbort(deps.cordon());
  const pods = await guardAbort(listNodePods(client, node, opts.podSelector, signal));
  const decisions = await guardAbort(classifyPods(client, pods, opts, clock.now(), signal));
  const refusal = blockedSummary(decisions);
  if (refusal)
    throw new DrainError(`drain refused, nothing was evicted: ${refusal}`, 'blocked', decisions.map(strip));

  const toRemove = decisions.filter((d) => d.action === 'evict' || d.action === 'delete');
  const skipped = decisions.filter((d) => d.action === 'skip').map(strip);
  const progress: DrainProgress = {
    total: toRemove.length,
    gone: 0,
    evicted: 0,
    terminating: 0,
    waitingForBudget: 0,
    failed: 0,
  };
  const report = () => deps.onProgress?.({ ...progress });
  report();

  const start = clock.now().getTime();
  const deadline = opts.timeoutSeconds > 0 ? start + opts.timeoutSeconds * 1000 : Infinity;
  const timeoutMsg = () => `global timeout reached: ${opts.timeoutSeconds}s`;
  const remaining = () => deadline - clock.now().getTime();
  const checkStop = () => {
    if (cancelled()) throw new AbortedError();
  };

  const deleteOptions = opts.gracePeriodSeconds >= 0 ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {};
  const getPod = (p: KubePod) =>
    client.request<KubePod>({ path: podPath(p.metadata.namespace ?? 'default', p.metadata.name), signal });

  /** Polls until the pod is gone or replaced (different UID), or until the deadline. */
  const waitGone = async (pod: KubePod): Promise<void> => {
    for (;;) {
      checkStop();
      try {
        const p = await getPod(pod);
        if (p.metadata.uid !== pod.metadata.uid) return;
        if (terminatingTooLong(p, opts.skipWaitForDeleteTimeoutSeconds, clock.now())) return;
      } catch (e) {
        if (isKubeError(e, 'NotFound')) return;
        throw e;
      }
      if (remaining() <= 0) throw new Error(timeoutMsg());
      await clock.sleep(Math.min(pollInterval, remaining()), signal);
    }
  };

  const failures: string[] = [];
  const fail = (d: PodDecision, why: string) => {
    progress.failed++;
    failures.push(`${d.namespace}/${d.name}: ${why}`);
    report();
  };

  const evictOne = async (d: ClassifiedPod): Promise<void> => {
    let active = d.pod;
    let waiting = false;
    let terminating = false;
    const setWaiting = (w: boolean) => {
      if (w === waiting) return;
      waiting = w;
      progress.waitingForBudget += w ? 1 : -1;
      report();
    };
    try {
      for (;;) {
        checkStop();
        if (remaining() <= 0) throw new Error(timeoutMsg());
        try {
          await client.request({
            method: 'POST',
            path: `${podPath(d.namespace, d.name)}/eviction`,
            body: {
              apiVersion: 'policy/v1',
              kind: 'Eviction',
              metadata: { name: d.name, namespace: d.namespace },
              deleteOptions,
            },
            signal,
          });
          drainEvictions.inc({ cluster: client.cluster, result: 'accepted' });
          progress.evicted++;
          break;
        } catch (e) {
          if (cancelled()) throw new AbortedError();
          if (isKubeError(e, 'NotFound')) {
            drainEvictions.inc({ cluster: client.cluster, result: 'gone' });
            setWaiting(false);
            progress.gone++;
            report();
            return;
          }
          if (isKubeError(e, 'TooManyRequests')) {
            drainEvictions.inc({ cluster: client.cluster, result: 'pdb_retry' });
            setWaiting(true);
          } else if (isKubeError(e, 'Forbidden') && isNamespaceTerminating(e)) {
            // The namespace is going away: a pod already being deleted just needs waiting for.
            if (active.metadata.deletionTimestamp) break;
          } else {
            drainEvictions.inc({ cluster: client.cluster, result: 'error' });
            throw new Error(`eviction failed: ${kubeErrorText(e)}`);
          }
          await clock.sleep(Math.max(0, Math.min(retryDelay, remaining())), signal);
        }
        try {
          active = await getPod(active);
        } catch (e) {
          if (cancelled()) throw new AbortedError();
          // Gone while we waited: done. In a terminating namespace the eviction itself never answers 404
          // (admission refuses it first), so this read is the only place the pod's removal shows.
          if (isKubeError(e, 'NotFound')) {
            setWaiting(false);
            progress.gone++;
            report();
            return;
          }
          // As kubectl: ignore other read errors and let the next eviction attempt sort it out.
        }
      }
      setWaiting(false);
      progress.terminating++;
      terminating = true;
      report();
      await waitGone(active);
      progress.terminating--;
      progress.gone++;
      report();
    } catch (e) {
      setWaiting(false);
      // A cancel leaves an accepted eviction counted as terminating: it goes ahead regardless.
      if (e instanceof AbortedError || cancelled()) throw new AbortedError();
      if (terminating) progress.terminating--;
      fail(d, (e as Error).message);
    }
  };

  const deleteAll = async (): Promise<void> => {
    const accepted = new Set<PodDecision>();
    for (const d of toRemove) {
      checkStop();
      try {
        await client.request({
          method: 'DELETE',
          path: podPath(d.namespace, d.name),
          body: { apiVersion: 'v1', kind: 'DeleteOptions', ...deleteOptions },
          signal,
        });
        drainEvictions.inc({ cluster: client.cluster, result: 'deleted' });
        accepted.add(d);
        progress.evicted++;
        progress.terminating++;
        report();
      } catch (e) {
        if (cancelled()) throw new AbortedError();
        if (!isKubeError(e, 'NotFound')) {
          // kubectl stops at the first failed delete.
          fail(d, `delete failed: ${kubeErrorText(e)}`);
          return;
        }
      }
    }
    await Promise.all(
      toRemove.map(async (d) => {
        try {
          await waitGone(d.pod);
          if (accepted.has(d)) progress.terminating--;
          progress.gone++;
          report();
        } catch (e) {
          if (e instanceof AbortedError || cancelled()) throw new AbortedError();
          if (accepted.has(d)) progress.terminating--;
          fail(d, (e as Error).message);
        }
      }),
    );
  };

  try {
    if (opts.disableEviction) await deleteAll();
    else await Promise.all(toRemove.map(evictOne));
  } catch (e) {
    if (e instanceof AbortedError || cancelled()) {
      throw new DrainError(drainCancelledText(progress), 'cancelled');
    }
    throw e;
  }
  // Promise.all above rejects on the first abort while siblings may still be settling; make sure the
  // cancellation is reported even if every loop swallowed it.
  if (cancelled()) {
    throw new DrainError(drainCancelledText(progress), 'cancelled');
  }
  if (failures.length) {
    throw new DrainError(
      `${failures.length} of ${toRemove.length} pods were not removed (${progress.gone} were): ${failures.slice(0, 10).join('; ')}${failures.length > 10 ? '; …' : ''}`,
      'failed',
    );
  }
  const verb = opts.disableEviction ? 'deleted' : 'evicted';
  const skipCounts = new Map<string, number>();
  for (const s of skipped) skipCounts.set(s.cause, (skipCounts.get(s.cause) ?? 0) + 1);
  const skipText = skipped.length
    ? `; skipped ${skipped.length} (${[...skipCounts].map(([c, n]) => `${c} ${n}`).join(', ')})`
    : '';
  return {
    removed: toRemove.length,
    skipped,
    message: `drained: ${verb} ${toRemove.length} pod(s)${skipText}`,
  };
}
