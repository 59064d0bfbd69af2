/**
 * A node's CPU and memory used / requested / limited as shares of its allocatable. Allocatable is parsed once
 * per node record (records are replaced on a visible change, so the memo can never go stale).
 */
import { parseQuantity } from '../cache/quantity.js';
import type { NodeRecord } from '../cache/types.js';
import type { UsageSample } from './history.js';
import type { PodResources } from './pod-resources.js';
import type { NodeResourceShares } from './types.js';

const allocatables = new WeakMap<object, { cpu: number | null; memory: number | null }>();

/** Allocatable CPU (millicores) and memory (bytes); null when missing, unparsable or zero. */
export function allocatableOf(rec: Pick<NodeRecord, 'allocatable'>): {
  cpu: number | null;
  memory: number | null;
} {
  let a = allocatables.get(rec);
  if (!a) {
    const cpu = parseQuantity(rec.allocatable.cpu);
    const memory = parseQuantity(rec.allocatable.memory);
    a = {
      cpu: cpu !== undefined && cpu > 0 ? cpu * 1000 : null,
      memory: memory !== undefined && memory > 0 ? memory : null,
    };
    allocatables.set(rec, a);
  }
  return a;
}

/** Four decimals: a hundredth of a percent is finer than any bar or filter needs, and keeps rows small. */
const share = (v: number, of: number | null): number | null =>
  of === null ? null : Math.round((v / of) * 10_000) / 10_000;

export const NO_SHARES: Readonly<NodeResourceShares> = Object.freeze({
  cpuUsed: null,
  memUsed: null,
  cpuRequested: null,
  memRequested: null,
  cpuLimits: null,
  memLimits: null,
});

export function resourceShares(
  rec: Pick<NodeRecord, 'allocatable'>,
  requests: PodResources | null,
  usage: UsageSample | undefined,
): NodeResourceShares {
  if (!requests && !usage) return NO_SHARES;
  const a = allocatableOf(rec);
  return {
    cpuUsed: usage ? share(usage.cpu, a.cpu) : null,
    memUsed: usage ? share(usage.memory, a.memory) : null,
    cpuRequested: requests ? share(requests.cpuRequest, a.cpu) : null,
    memRequested: requests ? share(requests.memRequest, a.memory) : null,
    cpuLimits: requests ? share(requests.cpuLimit, a.cpu) : null,
    memLimits: requests ? share(requests.memLimit, a.memory) : null,
  };
}
