/**
 * kubectl-grade drain (k8s.io/kubectl/pkg/drain): cordon, list the node's pods, apply kubectl's filters
 * (drain-filters.ts), refuse before touching anything if a pod is blocked, then evict every removable pod
 * with policy/v1 Eviction — all at once, each in its own retry loop. HTTP 429 (a PodDisruptionBudget says
 * no) waits 5 s, re-reads the pod and tries again, for as long as the timeout allows; it never falls back to
 * DELETE. Plain DELETE is used only when eviction is disabled. Each removed pod is then awaited until it is
 * gone (404, or a new pod with the same name has a different UID). Timeout 0 means no limit, as in kubectl.
 * Cancellation is an AbortSignal; everything waits through the injected Clock.
 *
 * A Drainer performs one node's drain, with the steps named as kubectl's drain.Helper names them; it must
 * not run inside an HTTP request (a job runs it). The dry run is drain-preview.ts.
 */
import type { KubeClient } from '../kube/client.js';
import { isKubeError, type KubeError } from '../kube/errors.js';
import { kubeErrorText } from '../kube/forbidden.js';
import type { CodedMessage } from '../messages/codes.js';
import { englishText } from '../messages/english.js';
import { drainEvictions } from '../metrics/registry.js';
import {
  blockedSummary,
  classifyPods,
  listNodePods,
  terminatingTooLong,
  type ClassifiedPod,
  type PodDecision,
} from './drain-filters.js';
import { drainCancelledMessage } from './drain-progress.js';
import type { DrainOptions, DrainProgress } from './drain-types.js';
import type { KubePod } from '../kube/types.js';
import { AbortedError, sleep, type Clock } from '../clock.js';

export type { DrainProgress } from './drain-types.js';

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
  /** `message` as a code the console translates. */
  coded: CodedMessage;
}

/** A drain that stopped: refused by filters, failed pods, timeout, or cancelled (`cancelled: true`). */
export class DrainError extends Error {
  override name = 'DrainError';
  constructor(
    readonly coded: CodedMessage,
    readonly kind: 'blocked' | 'failed' | 'cancelled',
    readonly pods: PodDecision[] = [],
  ) {
    super(englishText(coded));
  }
}

/** A pod's decision as the API shows it (without the pod object the filters worked on). */
export const podDecision = ({ namespace, name, action, reason, cause }: PodDecision): PodDecision => ({
  namespace,
  name,
  action,
  reason,
  cause,
});

const podPath = (ns: string, name: string) =>
  `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}`;

// metav1.StatusCause serialises its Type field as `reason` in JSON.
const isNamespaceTerminating = (e: KubeError) => {
  const causes = (e.status?.details as { causes?: { reason?: string }[] } | undefined)?.causes ?? [];
  return causes.some((c) => c.reason === 'NamespaceTerminating');
};

/** One node's drain. Use once: it keeps that drain's progress, failures and deadline. */
export class Drainer {
  private readonly progress: DrainProgress = {
    total: 0,
    gone: 0,
    evicted: 0,
    terminating: 0,
    waitingForBudget: 0,
    failed: 0,
  };
  private readonly failures: string[] = [];
  private deadline = Infinity;
  private readonly retryDelay: number;
  private readonly pollInterval: number;
  private readonly deleteOptions: { gracePeriodSeconds?: number };

  constructor(
    private readonly client: KubeClient,
    private readonly node: string,
    private readonly opts: DrainOptions,
    private readonly deps: DrainDeps,
  ) {
    this.retryDelay = deps.evictRetryDelayMs ?? 5000;
    this.pollInterval = deps.pollIntervalMs ?? 1000;
    this.deleteOptions = opts.gracePeriodSeconds >= 0 ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {};
  }

  /**
   * kubectl's RunNodeDrain after RunCordonOrUncordon: cordons, refuses before touching anything if a pod is
   * blocked, then removes the rest. Resolves with a summary; rejects with DrainError (blocked/failed/
   * cancelled) or the error that stopped it.
   */
  async runNodeDrain(cordon: () => Promise<unknown>): Promise<DrainResult> {
    const { opts, progress } = this;
    await this.runCordonOrUncordon(cordon);
    const decisions = await this.guardAbort(this.getPodsForDeletion());
    const refusal = blockedSummary(decisions);
    if (refusal)
      throw new DrainError(
        { code: 'drain.refused', params: { detail: refusal } },
        'blocked',
        decisions.map(podDecision),
      );

    const toRemove = decisions.filter((d) => d.action === 'evict' || d.action === 'delete');
    const skipped = decisions.filter((d) => d.action === 'skip').map(podDecision);
    progress.total = toRemove.length;
    this.report();

    const start = this.deps.clock.now();
    this.deadline = opts.timeoutSeconds > 0 ? start + opts.timeoutSeconds * 1000 : Infinity;

    try {
      await this.deleteOrEvictPods(toRemove);
    } catch (e) {
      if (e instanceof AbortedError || this.cancelled()) {
        throw new DrainError(drainCancelledMessage(progress), 'cancelled');
      }
      throw e;
    }
    // Promise.all in the removal rejects on the first abort while siblings may still be settling; make sure
    // the cancellation is reported even if every loop swallowed it.
    if (this.cancelled()) {
      throw new DrainError(drainCancelledMessage(progress), 'cancelled');
    }
    const { failures } = this;
    if (failures.length) {
      throw new DrainError(
        {
          code: 'drain.failed',
          params: {
            failed: failures.length,
            total: toRemove.length,
            gone: progress.gone,
            detail: `${failures.slice(0, 10).join('; ')}${failures.length > 10 ? '; …' : ''}`,
          },
        },
        'failed',
      );
    }
    const skipCounts = new Map<string, number>();
    for (const s of skipped) skipCounts.set(s.cause, (skipCounts.get(s.cause) ?? 0) + 1);
    const coded: CodedMessage = {
      code: 'drain.done',
      params: {
        verb: opts.disableEviction ? 'deleted' : 'evicted',
        removed: toRemove.length,
        skipped: skipped.length,
        skippedDetail: [...skipCounts].map(([c, n]) => `${c} ${n}`).join(', '),
      },
    };
    return { removed: toRemove.length, skipped, message: englishText(coded), coded };
  }

  /** Cordons the node first: the caller's conflict-safe cordon (a no-op if it is already cordoned). */
  async runCordonOrUncordon(cordon: () => Promise<unknown>): Promise<void> {
    await this.guardAbort(cordon());
  }

  /** The node's pods (paged, `podSelector` applied), each with what kubectl's filters decide for it. */
  async getPodsForDeletion(): Promise<ClassifiedPod[]> {
    const { client, opts, deps } = this;
    const pods = await listNodePods(client, this.node, opts.podSelector, deps.signal);
    return classifyPods(client, pods, opts, new Date(deps.clock.now()), deps.signal);
  }

  /** Deletes (eviction disabled) or evicts the pods, then waits for each to be gone. */
  async deleteOrEvictPods(pods: ClassifiedPod[]): Promise<void> {
    if (this.opts.disableEviction) await this.deletePods(pods);
    else await this.evictPods(pods);
  }

  /** Evicts every pod at once, each in its own retry loop. */
  async evictPods(pods: ClassifiedPod[]): Promise<void> {
    await Promise.all(pods.map((d) => this.evictPod(d)));
  }

  private async evictPod(d: ClassifiedPod): Promise<void> {
    const { client, progress } = this;
    const { clock, signal } = this.deps;
    let active = d.pod;
    const uid = d.pod.metadata.uid;
    let waiting = false;
    let terminating = false;
    const setWaiting = (w: boolean) => {
      if (w === waiting) return;
      waiting = w;
      progress.waitingForBudget += w ? 1 : -1;
      this.report();
    };
    const gone = () => {
      setWaiting(false);
      progress.gone++;
      this.report();
    };
    try {
      for (;;) {
        this.checkStop();
        if (this.remaining() <= 0) throw new Error(this.timeoutMsg());
        try {
          await client.request({
            method: 'POST',
            path: `${podPath(d.namespace, d.name)}/eviction`,
            body: {
              apiVersion: 'policy/v1',
              kind: 'Eviction',
              metadata: { name: d.name, namespace: d.namespace },
              // Only the pod that was classified: a StatefulSet recreates a pod under the same name, maybe on
              // a node that is not being drained, and an eviction by name alone would take that one instead.
              deleteOptions: uid ? { ...this.deleteOptions, preconditions: { uid } } : this.deleteOptions,
            },
            signal,
          });
          drainEvictions.inc({ cluster: client.cluster, result: 'accepted' });
          progress.evicted++;
          break;
        } catch (e) {
          if (this.cancelled()) throw new AbortedError();
          if (isKubeError(e, 'NotFound')) {
            drainEvictions.inc({ cluster: client.cluster, result: 'gone' });
            gone();
            return;
          }
          if (isKubeError(e, 'TooManyRequests')) {
            drainEvictions.inc({ cluster: client.cluster, result: 'pdb_retry' });
            setWaiting(true);
          } else if (isKubeError(e, 'Conflict')) {
            // The UID precondition failed (the pod was replaced), or a budget update raced: the read below
            // tells which.
          } else if (isKubeError(e, 'Forbidden') && isNamespaceTerminating(e)) {
            // The namespace is going away: a pod already being deleted just needs waiting for.
            if (active.metadata.deletionTimestamp) break;
          } else {
            drainEvictions.inc({ cluster: client.cluster, result: 'error' });
            throw new Error(`eviction failed: ${kubeErrorText(e)}`);
          }
          await sleep(clock, Math.max(0, Math.min(this.retryDelay, this.remaining())), signal);
        }
        try {
          const now = await this.getPod(active);
          if (uid && now.metadata.uid !== uid) {
            // Gone and replaced under the same name while we waited: the pod this drain is about is gone.
            drainEvictions.inc({ cluster: client.cluster, result: 'gone' });
            gone();
            return;
          }
          active = now;
        } catch (e) {
          if (this.cancelled()) throw new AbortedError();
          // Gone while we waited: done. In a terminating namespace the eviction itself never answers 404
          // (admission refuses it first), so this read is the only place the pod's removal shows.
          if (isKubeError(e, 'NotFound')) {
            gone();
            return;
          }
          // As kubectl: ignore other read errors and let the next eviction attempt sort it out.
        }
      }
      setWaiting(false);
      progress.terminating++;
      terminating = true;
      this.report();
      await this.waitForDelete(active);
      progress.terminating--;
      progress.gone++;
      this.report();
    } catch (e) {
      setWaiting(false);
      // A cancel leaves an accepted eviction counted as terminating: it goes ahead regardless.
      if (e instanceof AbortedError || this.cancelled()) throw new AbortedError();
      if (terminating) progress.terminating--;
      this.fail(d, (e as Error).message);
    }
  }

  /** Deletes the pods one after the other (kubectl stops at the first failed delete), then waits for all. */
  async deletePods(pods: ClassifiedPod[]): Promise<void> {
    const { client, progress } = this;
    const accepted = new Set<PodDecision>();
    for (const d of pods) {
      this.checkStop();
      try {
        await client.request({
          method: 'DELETE',
          path: podPath(d.namespace, d.name),
          body: { apiVersion: 'v1', kind: 'DeleteOptions', ...this.deleteOptions },
          signal: this.deps.signal,
        });
        drainEvictions.inc({ cluster: client.cluster, result: 'deleted' });
        accepted.add(d);
        progress.evicted++;
        progress.terminating++;
        this.report();
      } catch (e) {
        if (this.cancelled()) throw new AbortedError();
        if (!isKubeError(e, 'NotFound')) {
          // kubectl stops at the first failed delete.
          this.fail(d, `delete failed: ${kubeErrorText(e)}`);
          return;
        }
      }
    }
    await Promise.all(
      pods.map(async (d) => {
        try {
          await this.waitForDelete(d.pod);
          if (accepted.has(d)) progress.terminating--;
          progress.gone++;
          this.report();
        } catch (e) {
          if (e instanceof AbortedError || this.cancelled()) throw new AbortedError();
          if (accepted.has(d)) progress.terminating--;
          this.fail(d, (e as Error).message);
        }
      }),
    );
  }

  /** Polls until the pod is gone or replaced (different UID), or until the deadline. */
  async waitForDelete(pod: KubePod): Promise<void> {
    const { clock, signal } = this.deps;
    for (;;) {
      this.checkStop();
      try {
        const p = await this.getPod(pod);
        if (p.metadata.uid !== pod.metadata.uid) return;
        if (terminatingTooLong(p, this.opts.skipWaitForDeleteTimeoutSeconds, new Date(clock.now()))) return;
      } catch (e) {
        if (isKubeError(e, 'NotFound')) return;
        throw e;
      }
      if (this.remaining() <= 0) throw new Error(this.timeoutMsg());
      await sleep(clock, Math.min(this.pollInterval, this.remaining()), signal);
    }
  }

  private getPod(p: KubePod): Promise<KubePod> {
    return this.client.request<KubePod>({
      path: podPath(p.metadata.namespace ?? 'default', p.metadata.name),
      signal: this.deps.signal,
    });
  }

  private cancelled(): boolean {
    return this.deps.signal?.aborted === true;
  }

  /** A step that failed because the drain was cancelled reports the cancel, not its own error. */
  private guardAbort<T>(p: Promise<T>): Promise<T> {
    return p.catch((e: unknown) => {
      if (this.cancelled()) throw new AbortedError();
      throw e;
    });
  }

  private checkStop(): void {
    if (this.cancelled()) throw new AbortedError();
  }

  private remaining(): number {
    return this.deadline - this.deps.clock.now();
  }

  private timeoutMsg(): string {
    return `global timeout reached: ${this.opts.timeoutSeconds}s`;
  }

  private report(): void {
    this.deps.onProgress?.({ ...this.progress });
  }

  private fail(d: PodDecision, why: string): void {
    this.progress.failed++;
    this.failures.push(`${d.namespace}/${d.name}: ${why}`);
    this.report();
  }
}
