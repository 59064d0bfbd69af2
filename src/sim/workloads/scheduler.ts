/**
 * A minimal kube-scheduler: binds pods that have no node to a node that is schedulable (not cordoned, Ready),
 * whose taints the pod tolerates, whose labels match the pod's nodeSelector and whose allocatable cpu, memory
 * and pod count still fit the pod; among those it prefers the node with the fewest pods of the same owner,
 * then the fewest pods. Like the real scheduler at scale (percentageOfNodesToScore) it scores only a sample
 * of feasible nodes, so one pod costs the same on a 5,000-node cluster as on a 200-node one.
 */
import { resourceDef } from '../resources.js';
import type { SimState } from '../state.js';
import type { Condition, NodeObject, PodObject, Taint } from '../types.js';
import { controllerRef } from './owner-index.js';

/** Feasible nodes scored per pod before the best of them is taken. */
const NODES_TO_SCORE = 100;

interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

const UNITS: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

export function quantity(q: unknown): number {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return 0;
  const m = /^(\d+(?:\.\d+)?)(n|u|m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(q.trim());
  return m ? Number(m[1]) * (UNITS[m[2] ?? ''] ?? 1) : 0;
}

interface Requests {
  cpu: number;
  memory: number;
}

/** Stored objects are never modified, so a pod's parsed requests can be kept with it. */
const requestCache = new WeakMap<PodObject, Requests>();

function requests(pod: PodObject): Requests {
  const hit = requestCache.get(pod);
  if (hit) return hit;
  let cpu = 0;
  let memory = 0;
  for (const c of (pod.spec.containers ?? []) as { resources?: { requests?: Record<string, string> } }[]) {
    cpu += quantity(c.resources?.requests?.cpu);
    memory += quantity(c.resources?.requests?.memory);
  }
  const r = { cpu, memory };
  requestCache.set(pod, r);
  return r;
}

interface Allocatable {
  cpu: number;
  memory: number;
  pods: number;
}

const allocatableCache = new WeakMap<NodeObject, Allocatable>();

/** A node's allocatable cpu, memory and pod count (unbounded where the node reports none). */
function allocatable(node: NodeObject): Allocatable {
  const hit = allocatableCache.get(node);
  if (hit) return hit;
  const a = node.status?.allocatable ?? node.status?.capacity ?? {};
  const r = {
    cpu: a.cpu !== undefined ? quantity(a.cpu) : Infinity,
    memory: a.memory !== undefined ? quantity(a.memory) : Infinity,
    pods: a.pods !== undefined ? quantity(a.pods) : 110,
  };
  allocatableCache.set(node, r);
  return r;
}

/** What is already on a node: summed once per scheduling pass, then kept current as that pass binds. */
interface Usage {
  cpu: number;
  memory: number;
  count: number;
  byOwner: Map<string, number>;
}

export function tolerates(tolerations: Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if ((t.operator ?? 'Equal') === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

const isReady = (n: NodeObject): boolean =>
  (n.status?.conditions ?? []).some((c: Condition) => c.type === 'Ready' && c.status === 'True');

export class SimScheduler {
  private offset = 0;
  private readonly usage = new Map<string, Usage>();

  /** Starts a scheduling pass: usage is recomputed from the pods as they are now. */
  beginPass(): void {
    this.usage.clear();
  }

  private usageOf(node: string): Usage {
    let u = this.usage.get(node);
    if (u) return u;
    u = { cpu: 0, memory: 0, count: 0, byOwner: new Map() };
    const podsStore = this.state.store('pods');
    for (const key of podsStore.byNode?.get(node) ?? []) {
      const p = podsStore.items.get(key) as PodObject | undefined;
      if (p) this.add(u, p);
    }
    this.usage.set(node, u);
    return u;
  }

  private add(u: Usage, p: PodObject): void {
    const phase = p.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    const r = requests(p);
    u.count++;
    u.cpu += r.cpu;
    u.memory += r.memory;
    const owner = controllerRef(p)?.uid;
    if (owner) u.byOwner.set(owner, (u.byOwner.get(owner) ?? 0) + 1);
  }

  constructor(private readonly state: SimState) {}

  /** Why `node` cannot take `pod`, or undefined when it can. Exposed for tests of the filter. */
  unfit(pod: PodObject, node: NodeObject): string | undefined {
    if (node.spec?.unschedulable) return 'unschedulable';
    if (!isReady(node)) return 'not ready';
    const tolerations = (pod.spec.tolerations ?? []) as Toleration[];
    for (const t of node.spec?.taints ?? [])
      if ((t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(tolerations, t))
        return `untolerated taint ${t.key}`;
    const selector = (pod.spec.nodeSelector ?? {}) as Record<string, string>;
    for (const [k, v] of Object.entries(selector))
      if (node.metadata.labels?.[k] !== v) return `node selector ${k}`;
    return undefined;
  }

  /** Picks a node for `pod`, or undefined when none fits now. */
  pick(pod: PodObject): string | undefined {
    const nodes = this.state.store('nodes');
    const names = nodes.keys.get();
    if (!names.length) return undefined;
    const want = requests(pod);
    const owner = controllerRef(pod)?.uid;
    let best: { name: string; score: number } | undefined;
    let feasible = 0;
    const start = this.offset++ % names.length;
    for (let i = 0; i < names.length && feasible < NODES_TO_SCORE; i++) {
      const name = names[(start + i) % names.length]!;
      const node = nodes.items.get(name) as NodeObject;
      if (this.unfit(pod, node)) continue;
      const alloc = allocatable(node);
      const { cpu, memory, count, byOwner } = this.usageOf(name);
      const siblings = owner ? (byOwner.get(owner) ?? 0) : 0;
      if (count + 1 > alloc.pods || cpu + want.cpu > alloc.cpu || memory + want.memory > alloc.memory)
        continue;
      feasible++;
      const score = siblings * 1_000_000 + count;
      if (!best || score < best.score) best = { name, score };
    }
    return best?.name;
  }

  /** Binds `pod` to `node` as the binding subresource does: nodeName and the PodScheduled condition. */
  bind(pod: PodObject, node: string): PodObject {
    const conds = (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conds.push({
      type: 'PodScheduled',
      status: 'True',
      lastProbeTime: null,
      lastTransitionTime: this.state.now(),
    });
    const cached = this.usage.get(node);
    if (cached) this.add(cached, pod);
    return this.state.commit(
      resourceDef('pods'),
      'MODIFIED',
      { ...pod, spec: { ...pod.spec, nodeName: node }, status: { ...pod.status, conditions: conds } },
      pod,
    ) as PodObject;
  }

  /** Marks `pod` unschedulable (once) so clients see why it stays Pending. */
  markUnschedulable(pod: PodObject): void {
    if (pod.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False')) return;
    const conds = (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conds.push({
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message: '0/' + this.state.count('nodes') + ' nodes are available.',
      lastProbeTime: null,
      lastTransitionTime: this.state.now(),
    });
    this.state.commit(
      resourceDef('pods'),
      'MODIFIED',
      { ...pod, status: { ...pod.status, conditions: conds } },
      pod,
    );
  }
}
