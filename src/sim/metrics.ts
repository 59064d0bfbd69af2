/**
 * The resource metrics API (`metrics.k8s.io/v1beta1`) as metrics-server serves it: NodeMetrics and
 * PodMetrics, read-only, computed at request time. Usage is a bounded random walk around what the node's
 * pods request, stepped once per metrics window (15 s, metrics-server's default resolution), so consecutive
 * scrapes move plausibly instead of jumping. Switched off, the group disappears from discovery and its paths
 * answer 404, as on a cluster without metrics-server.
 */
import { Rng } from './random.js';
import type { SimState } from './state.js';
import type { KObject } from './types.js';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
const GV = `${METRICS_GROUP}/${METRICS_VERSION}`;
const PREFIX = `/apis/${GV}`;
/** metrics-server's default --metric-resolution. */
export const METRICS_WINDOW_MS = 15_000;
/** Usage never falls below, or rises above, these shares of what the pods request (plus the node's own). */
const MIN_FACTOR = 0.15;
const MAX_FACTOR = 1.4;
/** What the kubelet and system daemons use on every node, whatever runs there. */
const SYSTEM_CPU_MILLI = 120;
const SYSTEM_MEM_BYTES = 400 * 2 ** 20;

const SUFFIX: Record<string, number> = {
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

function quantity(q: unknown): number {
  if (typeof q !== 'string') return 0;
  const m = /^(\d+(?:\.\d+)?)(n|u|m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(q.trim());
  return m ? Number(m[1]) * (SUFFIX[m[2] ?? ''] ?? 1) : 0;
}

interface Walk {
  cpu: number;
  mem: number;
  step: number;
}

interface PodShape extends KObject {
  spec?: {
    nodeName?: string;
    containers?: { name?: string; resources?: { requests?: Record<string, string> } }[];
  };
  status?: { phase?: string };
}

interface Requests {
  cpuMilli: number;
  memBytes: number;
}

export class SimMetrics {
  enabled: boolean;
  private readonly walks = new Map<string, Walk>();
  private readonly rng: Rng;
  private sums?: { rv: number; byNode: Map<string, Requests> };

  constructor(
    private readonly state: () => SimState,
    opts: { enabled?: boolean; seed?: number } = {},
  ) {
    this.enabled = opts.enabled ?? true;
    this.rng = new Rng((opts.seed ?? 1) * 7919 + 17);
  }

  /** The APIGroup entry for /apis while enabled. */
  group(): unknown[] {
    if (!this.enabled) return [];
    const gv = { groupVersion: GV, version: METRICS_VERSION };
    return [{ name: METRICS_GROUP, versions: [gv], preferredVersion: gv }];
  }

  handles(pathname: string): boolean {
    const p = pathname.replace(/\/+$/, '');
    return p === `/apis/${METRICS_GROUP}` || p === PREFIX || p.startsWith(`${PREFIX}/`);
  }

  /** The answer for a metrics path: status and body; 404 while switched off. */
  answer(pathname: string, method: string): { code: number; body: unknown } {
    const p = pathname.replace(/\/+$/, '');
    if (!this.enabled) return { code: 404, body: notFoundStatus() };
    if (method !== 'GET' && method !== 'HEAD')
      return {
        code: 405,
        body: status(
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource',
        ),
      };
    if (p === `/apis/${METRICS_GROUP}`)
      return { code: 200, body: { kind: 'APIGroup', apiVersion: 'v1', ...(this.group()[0] as object) } };
    if (p === PREFIX) return { code: 200, body: resourceList() };
    const rest = p
      .slice(PREFIX.length + 1)
      .split('/')
      .map(decodeURIComponent);
    if (rest[0] === 'nodes' && rest.length <= 2) {
      const items = this.nodeMetrics(rest[1]);
      if (rest.length === 2) {
        return items[0]
          ? { code: 200, body: items[0] }
          : { code: 404, body: status(404, 'NotFound', `nodemetrics.metrics.k8s.io "${rest[1]}" not found`) };
      }
      return { code: 200, body: { kind: 'NodeMetricsList', apiVersion: GV, metadata: {}, items } };
    }
    let ns: string | undefined;
    let podRest = rest;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      ns = rest[1];
      podRest = rest.slice(2);
    }
    if (podRest[0] === 'pods' && podRest.length === 1)
      return {
        code: 200,
        body: { kind: 'PodMetricsList', apiVersion: GV, metadata: {}, items: this.podMetrics(ns) },
      };
    return { code: 404, body: notFoundStatus() };
  }

  /** Requests of the non-terminated pods on each node, recomputed only when something changed. */
  private requestsByNode(): Map<string, Requests> {
    const st = this.state();
    if (this.sums?.rv === st.resourceVersion) return this.sums.byNode;
    const byNode = new Map<string, Requests>();
    for (const raw of st.store('pods').items.values()) {
      const pod = raw as PodShape;
      const node = pod.spec?.nodeName;
      const phase = pod.status?.phase;
      if (!node || phase === 'Succeeded' || phase === 'Failed') continue;
      const r = podRequests(pod);
      const sum = byNode.get(node) ?? { cpuMilli: 0, memBytes: 0 };
      sum.cpuMilli += r.cpuMilli;
      sum.memBytes += r.memBytes;
      byNode.set(node, sum);
    }
    this.sums = { rv: st.resourceVersion, byNode };
    return byNode;
  }

  /** The node's current usage factor, advanced by one random step per window elapsed since it was last read. */
  private walk(node: string, now: number): Walk {
    const step = Math.floor(now / METRICS_WINDOW_MS);
    let w = this.walks.get(node);
    if (!w) {
      w = { cpu: 0.3 + this.rng.next() * 0.6, mem: 0.5 + this.rng.next() * 0.4, step };
      this.walks.set(node, w);
    }
    // A long gap needs no more than a few steps to look random again.
    const n = Math.min(8, Math.max(0, step - w.step));
    for (let i = 0; i < n; i++) {
      w.cpu = clamp(w.cpu + (this.rng.next() - 0.5) * 0.16);
      w.mem = clamp(w.mem + (this.rng.next() - 0.5) * 0.04);
    }
    w.step = step;
    return w;
  }

  private nodeMetrics(only?: string): unknown[] {
    const st = this.state();
    const now = st.clock.now();
    const sums = this.requestsByNode();
    const stamp = new Date(Math.floor(now / METRICS_WINDOW_MS) * METRICS_WINDOW_MS).toISOString();
    const out: unknown[] = [];
    const nodes = st.store('nodes').items;
    const names = only !== undefined ? [only] : [...nodes.keys()];
    for (const name of names) {
      const node = nodes.get(name) as
        (KObject & { status?: { allocatable?: Record<string, string> } }) | undefined;
      if (!node) continue;
      const w = this.walk(name, now);
      const req = sums.get(name) ?? { cpuMilli: 0, memBytes: 0 };
      const alloc = node.status?.allocatable ?? {};
      const cpuCap = quantity(alloc.cpu) * 1000 || Infinity;
      const memCap = quantity(alloc.memory) || Infinity;
      const cpu = Math.min(cpuCap, SYSTEM_CPU_MILLI + req.cpuMilli * w.cpu);
      const mem = Math.min(memCap, SYSTEM_MEM_BYTES + req.memBytes * w.mem);
      out.push({
        metadata: {
          name,
          creationTimestamp: new Date(now).toISOString(),
          ...(node.metadata?.labels ? { labels: node.metadata.labels } : {}),
        },
        timestamp: stamp,
        window: '20.05s',
        usage: { cpu: `${Math.round(cpu * 1e6)}n`, memory: `${Math.round(mem / 1024)}Ki` },
      });
    }
    return out;
  }

  private podMetrics(namespace?: string): unknown[] {
    const st = this.state();
    const now = st.clock.now();
    const stamp = new Date(Math.floor(now / METRICS_WINDOW_MS) * METRICS_WINDOW_MS).toISOString();
    const out: unknown[] = [];
    for (const raw of st.store('pods').items.values()) {
      const pod = raw as PodShape;
      if (namespace !== undefined && pod.metadata?.namespace !== namespace) continue;
      const node = pod.spec?.nodeName;
      if (!node || pod.status?.phase !== 'Running') continue;
      const w = this.walk(node, now);
      out.push({
        metadata: {
          name: pod.metadata?.name,
          namespace: pod.metadata?.namespace,
          creationTimestamp: new Date(now).toISOString(),
          ...(pod.metadata?.labels ? { labels: pod.metadata.labels } : {}),
        },
        timestamp: stamp,
        window: '20.05s',
        containers: (pod.spec?.containers ?? []).map((c) => ({
          name: c.name,
          usage: {
            cpu: `${Math.round(quantity(c.resources?.requests?.cpu) * w.cpu * 1e9)}n`,
            memory: `${Math.round((quantity(c.resources?.requests?.memory) * w.mem) / 1024)}Ki`,
          },
        })),
      });
    }
    return out;
  }
}

function clamp(f: number): number {
  return Math.min(MAX_FACTOR, Math.max(MIN_FACTOR, f));
}

function podRequests(pod: PodShape): Requests {
  let cpuMilli = 0;
  let memBytes = 0;
  for (const c of pod.spec?.containers ?? []) {
    cpuMilli += quantity(c.resources?.requests?.cpu) * 1000;
    memBytes += quantity(c.resources?.requests?.memory);
  }
  return { cpuMilli, memBytes };
}

function resourceList(): unknown {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: GV,
    resources: [
      { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
      { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
    ],
  };
}

function status(code: number, reason: string, message: string): unknown {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    details: {},
    code,
  };
}

/** What kube-apiserver answers for a group nobody serves. */
const notFoundStatus = (): unknown =>
  status(404, 'NotFound', 'the server could not find the requested resource');
