/**
 * What a pod asks of its node: CPU (millicores) and memory (bytes) requests and limits, computed as the
 * scheduler does — the sum of its containers and restartable (sidecar) init containers, at least the largest
 * ordinary init container, plus the pod's overhead. A container without a limit adds nothing to the limits
 * sum, as in `kubectl describe node`.
 */
import { parseQuantity } from '../cache/quantity.js';

export interface PodResources {
  cpuRequest: number;
  memRequest: number;
  cpuLimit: number;
  memLimit: number;
}

interface Container {
  restartPolicy?: string;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
}

export interface PodSpecResources {
  containers?: unknown;
  initContainers?: unknown;
  overhead?: unknown;
}

const ZERO: PodResources = Object.freeze({ cpuRequest: 0, memRequest: 0, cpuLimit: 0, memLimit: 0 });

function amount(map: unknown, key: 'cpu' | 'memory'): number {
  if (typeof map !== 'object' || map === null) return 0;
  const q = (map as Record<string, unknown>)[key];
  const v = typeof q === 'string' ? parseQuantity(q) : typeof q === 'number' ? q : undefined;
  if (v === undefined || !Number.isFinite(v) || v < 0) return 0;
  return key === 'cpu' ? Math.round(v * 1000) : Math.round(v);
}

function of(c: Container): PodResources {
  const r = c.resources;
  return {
    cpuRequest: amount(r?.requests, 'cpu'),
    memRequest: amount(r?.requests, 'memory'),
    cpuLimit: amount(r?.limits, 'cpu'),
    memLimit: amount(r?.limits, 'memory'),
  };
}

const KEYS = ['cpuRequest', 'memRequest', 'cpuLimit', 'memLimit'] as const;

export function podResources(spec: PodSpecResources | undefined): PodResources {
  if (!spec) return ZERO;
  const sum: PodResources = { cpuRequest: 0, memRequest: 0, cpuLimit: 0, memLimit: 0 };
  const init: PodResources = { cpuRequest: 0, memRequest: 0, cpuLimit: 0, memLimit: 0 };
  const list = (v: unknown): Container[] =>
    Array.isArray(v) ? (v.filter((c) => typeof c === 'object' && c !== null) as Container[]) : [];
  for (const c of list(spec.containers)) {
    const r = of(c);
    for (const k of KEYS) sum[k] += r[k];
  }
  for (const c of list(spec.initContainers)) {
    const r = of(c);
    if (c.restartPolicy === 'Always') for (const k of KEYS) sum[k] += r[k];
    else for (const k of KEYS) init[k] = Math.max(init[k], r[k]);
  }
  const overhead = spec.overhead;
  const oh = { cpu: amount(overhead, 'cpu'), memory: amount(overhead, 'memory') };
  return {
    cpuRequest: Math.max(sum.cpuRequest, init.cpuRequest) + oh.cpu,
    memRequest: Math.max(sum.memRequest, init.memRequest) + oh.memory,
    cpuLimit: Math.max(sum.cpuLimit, init.cpuLimit) + (sum.cpuLimit || init.cpuLimit ? oh.cpu : 0),
    memLimit: Math.max(sum.memLimit, init.memLimit) + (sum.memLimit || init.memLimit ? oh.memory : 0),
  };
}
