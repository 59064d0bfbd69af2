/**
 * The change classifier: which fields a user would see change between two versions of a node. An empty
 * answer means the update is insignificant (kubelet heartbeats, resourceVersion bumps, annotations nobody
 * shows) and must not reach browsers. Field names are NodeRow's, so the realtime `changed` list and the UI
 * speak the same language.
 */
import { CORDON_REASON, CORDONED_AT, CORDONED_BY, type NodeRecord } from './types.js';

/** Equal string maps (labels, capacity): same keys with the same values. */
export function sameMap(
  a: Readonly<Record<string, string | undefined>>,
  b: Readonly<Record<string, string | undefined>>,
): boolean {
  if (a === b) return true;
  let n = 0;
  for (const k in a) {
    if (a[k] !== b[k]) return false;
    n++;
  }
  for (const _k in b) n--;
  return n === 0;
}

function sameList<T>(a: readonly T[], b: readonly T[], eq: (x: T, y: T) => boolean): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!eq(a[i]!, b[i]!)) return false;
  return true;
}

const CORDON_KEYS = [CORDON_REASON, CORDONED_BY, CORDONED_AT];
const SYSTEM_FIELDS = [
  ['kubeletVersion', 'kubeletVersion'],
  ['osImage', 'osImage'],
  ['kernelVersion', 'kernelVersion'],
  ['containerRuntime', 'containerRuntimeVersion'],
  ['architecture', 'architecture'],
] as const;

export function changedFields(a: NodeRecord, b: NodeRecord): string[] {
  const out: string[] = [];
  if (a.uid !== b.uid) out.push('uid');
  if (a.status !== b.status) out.push('status');
  if (a.unschedulable !== b.unschedulable) out.push('schedulable');
  if (CORDON_KEYS.some((k) => a.annotations[k] !== b.annotations[k])) out.push('cordon');
  if (!sameMap(a.labels, b.labels)) out.push('labels');
  if (!sameList(a.roles, b.roles, (x, y) => x === y)) out.push('roles');
  if (
    !sameList(a.taints, b.taints, (x, y) => x.key === y.key && x.value === y.value && x.effect === y.effect)
  )
    out.push('taints');
  if (
    !sameList(
      a.conditions,
      b.conditions,
      (x, y) =>
        x.type === y.type &&
        x.status === y.status &&
        x.reason === y.reason &&
        x.message === y.message &&
        x.lastTransitionTime === y.lastTransitionTime,
    )
  )
    out.push('conditions');
  if (!sameMap(a.capacity, b.capacity)) out.push('capacity');
  if (!sameMap(a.allocatable, b.allocatable)) out.push('allocatable');
  if (a.internalIP !== b.internalIP) out.push('internalIP');
  if (a.externalIP !== b.externalIP) out.push('externalIP');
  if (a.hostname !== b.hostname) out.push('hostname');
  for (const [field, key] of SYSTEM_FIELDS) if (a.systemInfo[key] !== b.systemInfo[key]) out.push(field);
  return out;
}
