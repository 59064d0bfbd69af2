/**
 * Which pods a drain removes, skips or refuses: kubectl's pod filters (k8s.io/kubectl/pkg/drain/filters.go)
 * in kubectl's order — terminating-too-long, DaemonSet, mirror, emptyDir, unreplicated — where the first
 * filter that does not allow deletion decides. Any "blocked" pod aborts a real drain before anything is
 * evicted. Finished pods (Succeeded/Failed) pass every filter: kubectl removes them too.
 */
import type { KubeClient } from '../kube/client.js';
import { isKubeError } from '../kube/errors.js';
import { kubeErrorText } from '../kube/forbidden.js';
import { controllerOf } from '../kube/objects.js';
import type { KubeList, KubePod } from '../kube/types.js';
import type { PodAction, PodCause } from './drain-types.js';
import type { DrainOptions } from './validation.js';

export type { PodAction, PodCause };

export interface PodDecision {
  namespace: string;
  name: string;
  action: PodAction;
  /** Why, in words. */
  reason: string;
  /** Why, as a stable code for clients and tests. */
  cause: PodCause;
}

export interface ClassifiedPod extends PodDecision {
  pod: KubePod;
}

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

const isFinished = (p: KubePod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const hasEmptyDir = (p: KubePod) =>
  (p.spec?.volumes ?? []).some((v) => v.emptyDir !== undefined && v.emptyDir !== null);

/** kubectl's shouldSkipPod: deleted more than `skipSeconds` ago (whole seconds, strictly greater). */
export function terminatingTooLong(pod: KubePod, skipSeconds: number, now: Date): boolean {
  const dt = pod.metadata.deletionTimestamp;
  if (skipSeconds <= 0 || !dt) return false;
  return Math.trunc((now.getTime() - Date.parse(dt)) / 1000) > skipSeconds;
}

/** Lists the node's pods in all namespaces, paged as kubectl does (500 a page). */
export async function listNodePods(
  client: KubeClient,
  node: string,
  podSelector: string | undefined,
  signal?: AbortSignal,
  pageSize = 500,
): Promise<KubePod[]> {
  const pods: KubePod[] = [];
  let cont: string | undefined;
  do {
    const page = await client.request<KubeList<KubePod>>({
      path: '/api/v1/pods',
      query: {
        fieldSelector: `spec.nodeName=${node}`,
        labelSelector: podSelector,
        limit: pageSize,
        continue: cont,
      },
      signal,
    });
    pods.push(...(page.items ?? []));
    cont = page.metadata?.continue || undefined;
  } while (cont);
  return pods;
}

type FilterResult =
  | { delete: true; warning?: { cause: PodCause; message: string } }
  | { delete: false; action: 'skip' | 'blocked'; cause: PodCause; message: string };

const okay: FilterResult = { delete: true };

/**
 * Classifies every pod. DaemonSet existence is read from the API (apps/v1), once per DaemonSet, as kubectl
 * reads it per pod; errors other than NotFound block the pod, as they do in kubectl.
 */
export async function classifyPods(
  client: KubeClient,
  pods: KubePod[],
  opts: DrainOptions,
  now: Date,
  signal?: AbortSignal,
): Promise<ClassifiedPod[]> {
  const dsCache = new Map<string, Promise<undefined | Error>>();
  const daemonSetError = (ns: string, name: string) => {
    const k = `${ns}/${name}`;
    let p = dsCache.get(k);
    if (!p) {
      p = client
        .request({
          path: `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/daemonsets/${encodeURIComponent(name)}`,
          signal,
        })
        .then(
          () => undefined,
          (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
        );
      dsCache.set(k, p);
    }
    return p;
  };

  const filters: ((pod: KubePod) => FilterResult | Promise<FilterResult>)[] = [
    // 1. already terminating for longer than skip-wait-for-delete-timeout
    (pod) =>
      terminatingTooLong(pod, opts.skipWaitForDeleteTimeoutSeconds, now)
        ? {
            delete: false,
            action: 'skip',
            cause: 'terminating',
            message: `terminating for more than ${opts.skipWaitForDeleteTimeoutSeconds}s (skipWaitForDeleteTimeoutSeconds)`,
          }
        : okay,
    // 2. DaemonSet-managed
    async (pod) => {
      const ref = controllerOf(pod.metadata);
      if (!ref || ref.kind !== 'DaemonSet') return okay;
      if (isFinished(pod)) return okay;
      const err = await daemonSetError(pod.metadata.namespace ?? 'default', ref.name);
      if (err) {
        if (isKubeError(err, 'NotFound') && opts.force) {
          return {
            delete: true,
            warning: {
              cause: 'daemonset-missing',
              message: `its DaemonSet "${ref.name}" no longer exists (removed because force is set)`,
            },
          };
        }
        const hint = isKubeError(err, 'NotFound')
          ? ` — its DaemonSet "${ref.name}" no longer exists; set force to remove it`
          : '';
        return {
          delete: false,
          action: 'blocked',
          cause: isKubeError(err, 'NotFound') ? 'daemonset-missing' : 'error',
          message: `${kubeErrorText(err)}${hint}`,
        };
      }
      if (!opts.ignoreDaemonSets) {
        return {
          delete: false,
          action: 'blocked',
          cause: 'daemonset',
          message: 'DaemonSet-managed pod (set ignoreDaemonSets to leave it running)',
        };
      }
      return { delete: false, action: 'skip', cause: 'daemonset', message: 'DaemonSet-managed pod, ignored' };
    },
    // 3. mirror (static) pods: the kubelet owns them
    (pod) =>
      pod.metadata.annotations && MIRROR_POD_ANNOTATION in pod.metadata.annotations
        ? {
            delete: false,
            action: 'skip',
            cause: 'mirror',
            message: 'mirror (static) pod, managed by the kubelet',
          }
        : okay,
    // 4. local storage
    (pod) => {
      if (!hasEmptyDir(pod) || isFinished(pod)) return okay;
      if (!opts.deleteEmptyDirData) {
        return {
          delete: false,
          action: 'blocked',
          cause: 'emptydir',
          message: 'pod has emptyDir local storage (set deleteEmptyDirData to delete it)',
        };
      }
      return { delete: true, warning: { cause: 'emptydir', message: 'its emptyDir data will be deleted' } };
    },
    // 5. no controller
    (pod) => {
      if (isFinished(pod) || controllerOf(pod.metadata)) return okay;
      if (opts.force) {
        return {
          delete: true,
          warning: {
            cause: 'unmanaged',
            message: 'no controller will recreate it (removed because force is set)',
          },
        };
      }
      return {
        delete: false,
        action: 'blocked',
        cause: 'unmanaged',
        message: 'pod declares no controller (set force to delete it)',
      };
    },
  ];

  const removeAction: PodAction = opts.disableEviction ? 'delete' : 'evict';
  return Promise.all(
    pods.map(async (pod): Promise<ClassifiedPod> => {
      const base = { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name, pod };
      const warnings: { cause: PodCause; message: string }[] = [];
      for (const f of filters) {
        const r = await f(pod);
        if (!r.delete) return { ...base, action: r.action, cause: r.cause, reason: r.message };
        if (r.warning) warnings.push(r.warning);
      }
      if (isFinished(pod)) {
        return {
          ...base,
          action: removeAction,
          cause: 'finished',
          reason: `finished (${pod.status?.phase}); always removable`,
        };
      }
      return {
        ...base,
        action: removeAction,
        cause: warnings[0]?.cause ?? 'removable',
        reason: warnings.length
          ? warnings.map((w) => w.message).join('; ')
          : opts.disableEviction
            ? 'will be deleted'
            : 'will be evicted',
      };
    }),
  );
}

/** kubectl's aggregate refusal: one line per cause, naming the pods. */
export function blockedSummary(decisions: PodDecision[]): string | undefined {
  const blocked = decisions.filter((d) => d.action === 'blocked');
  if (blocked.length === 0) return undefined;
  const byReason = new Map<string, string[]>();
  for (const d of blocked)
    byReason.set(d.reason, [...(byReason.get(d.reason) ?? []), `${d.namespace}/${d.name}`]);
  return [...byReason].map(([why, pods]) => `cannot remove ${pods.join(', ')}: ${why}`).join('; ');
}
