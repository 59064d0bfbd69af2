/**
 * The recovery gate: after a node is drained, every controller that owned one of its evicted pods must be back
 * to its desired ready count and every PodDisruptionBudget covering those pods must allow disruptions again
 * before the plan moves on.
 *
 * The objects are read with a GET each from the API server, not from a cache: the live cache follows nodes
 * only, and a gate waits on a handful of objects for a few minutes, so watching every workload of every
 * cluster to answer it would cost far more than these reads; a GET is also the API server's current answer,
 * which is what "recovered" has to mean before the next node loses its pods.
 */
import type { KubeClient } from '../../kube/client.js';
import { isKubeError } from '../../kube/errors.js';
import { kubeErrorText } from '../../kube/forbidden.js';
import type { ClassifiedPod } from '../drain-filters.js';
import { controllerOf } from '../../kube/objects.js';
import type { KubePdb, ObjectMeta } from '../../kube/types.js';
import { listPdbs, selectorMatches } from '../pdb.js';
import type { GateCheck, GateObjectRef } from './types.js';

/** Bound on what one node's gate follows (an untrusted cluster can put any number of owners on its pods). */
export const MAX_GATE_OBJECTS = 200;

interface Workload {
  metadata: ObjectMeta & { generation?: number };
  spec?: { replicas?: number };
  status?: { readyReplicas?: number; observedGeneration?: number };
}

const paths: Record<GateObjectRef['kind'], (ns: string, name: string) => string> = {
  Deployment: (ns, n) =>
    `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/deployments/${encodeURIComponent(n)}`,
  ReplicaSet: (ns, n) =>
    `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/replicasets/${encodeURIComponent(n)}`,
  StatefulSet: (ns, n) =>
    `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/statefulsets/${encodeURIComponent(n)}`,
  PodDisruptionBudget: (ns, n) =>
    `/apis/policy/v1/namespaces/${encodeURIComponent(ns)}/poddisruptionbudgets/${encodeURIComponent(n)}`,
};

export const refKey = (r: GateObjectRef) => `${r.kind}/${r.namespace}/${r.name}`;

export function mergeRefs(a: readonly GateObjectRef[], b: readonly GateObjectRef[]): GateObjectRef[] {
  const out = new Map<string, GateObjectRef>();
  for (const r of [...a, ...b]) out.set(refKey(r), { kind: r.kind, namespace: r.namespace, name: r.name });
  return [...out.values()].slice(0, MAX_GATE_OBJECTS);
}

/**
 * What the gate of a node will wait on, from the pods its drain removes: a pod's ReplicaSet stands for its
 * Deployment when it has one (the Deployment's count is what its owners expect), a StatefulSet for itself,
 * and each budget selecting one of the pods. Pods of other controllers (Jobs, DaemonSets…) are not waited on.
 */
export async function gateObjectsOf(
  client: KubeClient,
  removed: readonly Pick<ClassifiedPod, 'namespace' | 'pod'>[],
  signal?: AbortSignal,
): Promise<GateObjectRef[]> {
  const refs = new Map<string, GateObjectRef>();
  const add = (r: GateObjectRef) => {
    if (refs.size < MAX_GATE_OBJECTS) refs.set(refKey(r), r);
  };
  const rsOwner = new Map<string, Promise<GateObjectRef>>();
  for (const { namespace, pod } of removed) {
    const c = controllerOf(pod.metadata);
    if (c?.kind === 'StatefulSet') add({ kind: 'StatefulSet', namespace, name: c.name });
    if (c?.kind === 'ReplicaSet') {
      const k = `${namespace}/${c.name}`;
      if (!rsOwner.has(k))
        rsOwner.set(
          k,
          client
            .request<Workload>({ path: paths.ReplicaSet(namespace, c.name), signal })
            .then((rs): GateObjectRef => {
              const d = controllerOf(rs.metadata);
              return d?.kind === 'Deployment'
                ? { kind: 'Deployment', namespace, name: d.name }
                : { kind: 'ReplicaSet', namespace, name: c.name };
            })
            .catch((e: unknown): GateObjectRef => {
              // Gone already: wait on the ReplicaSet name, which the gate then reads as gone.
              if (isKubeError(e, 'NotFound')) return { kind: 'ReplicaSet', namespace, name: c.name };
              throw e;
            }),
        );
    }
  }
  for (const r of await Promise.all(rsOwner.values())) add(r);
  const namespaces = [...new Set(removed.map((p) => p.namespace))];
  const pdbs = new Map<string, KubePdb[]>(
    await Promise.all(namespaces.map(async (ns) => [ns, await listPdbs(client, ns, signal)] as const)),
  );
  for (const { namespace, pod } of removed)
    for (const p of pdbs.get(namespace) ?? [])
      if (selectorMatches(p.spec?.selector, pod.metadata.labels))
        add({ kind: 'PodDisruptionBudget', namespace, name: p.metadata.name });
  return [...refs.values()];
}

/** A controller is recovered when it has observed its latest spec and has as many ready replicas as desired. */
export function checkWorkload(ref: GateObjectRef, w: Workload): GateCheck {
  const replicas = w.spec?.replicas ?? 1;
  const readyReplicas = w.status?.readyReplicas ?? 0;
  const generation = w.metadata.generation;
  const stale = generation !== undefined && (w.status?.observedGeneration ?? 0) < generation;
  const ready = !stale && readyReplicas >= replicas;
  return {
    ...ref,
    ready,
    readyReplicas,
    replicas,
    ...(stale ? { stale } : {}),
    text: `${ref.kind} ${ref.namespace}/${ref.name} ${readyReplicas}/${replicas} ready${stale ? ' (spec change not yet observed)' : ''}`,
  };
}

/**
 * A budget is open again when it allows a disruption, or, for a budget that never allows one (minAvailable
 * 100%, maxUnavailable 0), when every pod it expects is healthy and no accepted eviction is still pending.
 * "Healthy count back at desiredHealthy" is not enough: a maxUnavailable budget sits exactly there with a pod
 * still down, and so does a budget whose controller has not yet counted the pod just evicted.
 */
export function checkPdb(ref: GateObjectRef, p: KubePdb): GateCheck {
  const disruptionsAllowed = p.status?.disruptionsAllowed ?? 0;
  const currentHealthy = p.status?.currentHealthy ?? 0;
  const desiredHealthy = p.status?.desiredHealthy ?? 0;
  const expected = Math.max(desiredHealthy, p.status?.expectedPods ?? desiredHealthy);
  const pending = Object.keys(p.status?.disruptedPods ?? {}).length > 0;
  const ready = disruptionsAllowed >= 1 || (!pending && currentHealthy >= expected);
  return {
    ...ref,
    ready,
    disruptionsAllowed,
    currentHealthy,
    desiredHealthy,
    text: `PDB ${ref.namespace}/${ref.name} allows ${disruptionsAllowed} (${currentHealthy}/${desiredHealthy} healthy)`,
  };
}

/** Reads every object of a gate; an object that no longer exists has nothing to wait for. */
export async function readGate(
  client: KubeClient,
  refs: readonly GateObjectRef[],
  signal?: AbortSignal,
): Promise<GateCheck[]> {
  return Promise.all(
    refs.map(async (ref): Promise<GateCheck> => {
      try {
        const obj = await client.request<Workload & KubePdb>({
          path: paths[ref.kind](ref.namespace, ref.name),
          signal,
        });
        return ref.kind === 'PodDisruptionBudget' ? checkPdb(ref, obj) : checkWorkload(ref, obj);
      } catch (e) {
        if (isKubeError(e, 'NotFound'))
          return {
            ...ref,
            ready: true,
            gone: true,
            text: `${ref.kind} ${ref.namespace}/${ref.name} is gone`,
          };
        if (signal?.aborted) throw e;
        const error = kubeErrorText(e).slice(0, 300);
        return {
          ...ref,
          ready: false,
          error,
          text: `${ref.kind} ${ref.namespace}/${ref.name} unreadable: ${error}`,
        };
      }
    }),
  );
}

export const gateOpen = (checks: readonly GateCheck[]) => checks.every((c) => c.ready);
