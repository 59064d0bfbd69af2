/** Pods as a workload controller creates them from its template: owned, labelled, unscheduled. */
import { fnv1a } from '../../fnv.js';
import { cloneJson, isObject, type KObject, type PodObject } from '../types.js';
import type { Condition } from '../types.js';

export function podFromTemplate(
  owner: KObject,
  kind: 'ReplicaSet' | 'StatefulSet',
  name: { generateName: string } | { name: string },
  extraLabels: Record<string, string> = {},
): PodObject {
  const template = (owner.spec?.template ?? {}) as { metadata?: KObject['metadata']; spec?: unknown };
  const tmeta = template.metadata ?? ({} as KObject['metadata']);
  const spec = isObject(template.spec) ? (cloneJson(template.spec) as PodObject['spec']) : {};
  delete spec.nodeName;
  return {
    metadata: {
      ...name,
      namespace: owner.metadata.namespace,
      labels: { ...(tmeta.labels ?? {}), ...extraLabels },
      ...(tmeta.annotations ? { annotations: { ...tmeta.annotations } } : {}),
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind,
          name: owner.metadata.name,
          uid: owner.metadata.uid!,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    } as KObject['metadata'],
    spec,
    status: {},
  };
}

export function isRunningAndReady(p: PodObject): boolean {
  if (p.status?.phase !== 'Running') return false;
  return (p.status.conditions ?? []).some((c: Condition) => c.type === 'Ready' && c.status === 'True');
}

/** Counted by a controller: not being deleted and not finished. */
export function isActive(p: PodObject): boolean {
  const phase = p.status?.phase;
  return !p.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

/** A stable short hash of a pod template, in the alphabet Kubernetes uses for pod-template-hash. */
export function templateHash(template: unknown): string {
  let h = fnv1a(JSON.stringify(template ?? {}));
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let i = 0; i < 10; i++) {
    out += alphabet[h % alphabet.length];
    h = Math.floor(h / alphabet.length) ^ Math.imul(h, 31 + i);
    h >>>= 0;
  }
  return out;
}
