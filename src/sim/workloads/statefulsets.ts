/**
 * The StatefulSet controller, reduced to what recovery after a drain needs: pods <name>-0 … <name>-(n-1);
 * a missing ordinal is recreated under the same name only once its predecessor is completely gone, and with
 * the default OrderedReady policy only while every lower ordinal is Running and Ready; scale-down removes the
 * highest ordinal first. Status counts replicas, readyReplicas, currentReplicas/updatedReplicas and
 * availableReplicas as the real controller reports them.
 */
import { resourceDef } from '../resources.js';
import type { SimState } from '../state.js';
import type { KObject, PodObject } from '../types.js';
import { createObject, deleteObject } from '../writes.js';
import type { OwnerIndex } from './owner-index.js';
import { isActive, isRunningAndReady, podFromTemplate, templateHash } from './pod-template.js';
import { ownedPods, writeStatus } from './replicasets.js';

function ordinalOf(sts: KObject, pod: PodObject): number {
  const prefix = `${sts.metadata.name}-`;
  const name = pod.metadata.name;
  if (!name.startsWith(prefix)) return -1;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : -1;
}

export function syncStatefulSet(state: SimState, index: OwnerIndex, sts: KObject): void {
  const ns = sts.metadata.namespace!;
  const spec = sts.spec as {
    replicas?: number;
    serviceName?: string;
    podManagementPolicy?: string;
    template?: { spec?: unknown };
  };
  const want = Number(spec.replicas ?? 1);
  const parallel = spec.podManagementPolicy === 'Parallel';
  const revision = `${sts.metadata.name}-${templateHash(spec.template)}`;
  const byOrdinal = new Map<number, PodObject>();
  for (const p of ownedPods(state, index, sts)) {
    const o = ordinalOf(sts, p);
    if (o >= 0) byOrdinal.set(o, p);
  }
  const podsDef = resourceDef('pods');
  for (let i = 0; i < want; i++) {
    const pod = byOrdinal.get(i);
    if (!pod) {
      const name = `${sts.metadata.name}-${i}`;
      const body = podFromTemplate(
        sts,
        'StatefulSet',
        { name },
        {
          'apps.kubernetes.io/pod-index': String(i),
          'controller-revision-hash': revision,
          'statefulset.kubernetes.io/pod-name': name,
        },
      );
      body.spec.hostname = name;
      if (spec.serviceName) body.spec.subdomain = spec.serviceName;
      try {
        byOrdinal.set(i, createObject(state, podsDef, ns, body, { api: true }) as PodObject);
      } catch {
        // The old pod of that name still exists outside our index (or the namespace is going): next sync.
      }
      if (!parallel) break;
      continue;
    }
    if (!parallel && !(isActive(pod) && isRunningAndReady(pod))) break;
  }
  const extra = [...byOrdinal.entries()]
    .filter(([o, p]) => o >= want && isActive(p))
    .sort((a, b) => b[0] - a[0]);
  if (extra.length) deleteObject(state, podsDef, ns, extra[0]![1].metadata.name, {});

  const pods = [...byOrdinal.values()];
  const ready = pods.filter((p) => isActive(p) && isRunningAndReady(p)).length;
  const live = pods.filter(isActive).length;
  const cur = state.raw('statefulsets', sts.metadata.name, ns);
  if (!cur || cur.metadata.uid !== sts.metadata.uid) return;
  const status: Record<string, unknown> = {
    observedGeneration: cur.metadata.generation ?? 1,
    replicas: pods.length,
    ...(ready ? { readyReplicas: ready } : {}),
    ...(live ? { currentReplicas: live, updatedReplicas: live } : {}),
    currentRevision: revision,
    updateRevision: revision,
    collisionCount: 0,
    availableReplicas: ready,
  };
  writeStatus(state, 'statefulsets', cur, status);
}
