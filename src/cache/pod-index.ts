/**
 * The pod index: live per-node counts and CPU/memory request and limit sums of non-terminated pods without
 * caching pods. A cluster-wide pod informer whose transform reduces each pod to one integer — interned
 * request profile × 2^22 + interned node number × 4 + terminated bit + terminating bit — stored under the
 * pod's uid, so the retained cost is the uid string and one Map entry (~100–150 bytes per pod) instead of the
 * 5–50 KB of a whole pod. Profiles (request-profiles.ts) are shared by every pod asking for the same
 * resources; past 511 distinct profiles a pod's number leaves V8's small-integer range and costs a 16-byte
 * heap number more.
 *
 * Count changes are coalesced per node and flushed on a short timer; consumers get (node, count) pairs. It is
 * the watch-based PodCounter (pod-counter.ts); list-pod-counter.ts is the other.
 */
import type { Logger } from '../log/logger.js';
import type { KubeClient } from '../kube/client.js';
import { strategyFor } from '../kube/strategy.js';
import { TimerSet, systemClock, type Clock } from '../clock.js';
import { Reflector, type ReflectorOptions, type ReflectorStats } from '../informer/reflector.js';
import type { KubeObject } from '../informer/types.js';
import { podResources, type PodSpecResources } from '../usage/pod-resources.js';
import type { NodeRequests, WatchedPodCounter } from './pod-counter.js';
import { RequestProfiles } from './request-profiles.js';
import type { PodCountSource } from './types.js';

export type { NodeRequests } from './pod-counter.js';

interface RawPod extends KubeObject {
  spec?: { nodeName?: string } & PodSpecResources;
  status?: { phase?: string };
}

const TERMINATED = 2;
const DELETING = 1;
/** Node numbers take the low 22 bits (with the two flags): up to a million nodes. */
const NODE_SPAN = 2 ** 22;

export type PodIndexTuning = Pick<
  ReflectorOptions<number>,
  'backoff' | 'idleTimeoutMs' | 'watchTimeoutSeconds' | 'healthyAfterMs' | 'pageSize'
>;

export interface PodIndexOptions {
  cluster: string;
  client: KubeClient;
  clock?: Clock;
  random?: () => number;
  log?: Logger;
  tuning?: PodIndexTuning;
  /** Coalescing window for count changes (ms). */
  flushMs?: number;
  onCounts?: (changes: [node: string, count: number][]) => void;
  onState?: () => void;
}

/** Generations come from one sequence for every index, so a restarted index never repeats an earlier value. */
let generations = 0;

/**
 * Every node's numbers as flat arrays (one row per node, `ROW_WIDTH` numbers each: count, CPU request, memory
 * request, CPU limit, memory limit), so a table of thousands of nodes crosses a thread as two values.
 */
export interface PodTable {
  names: string[];
  rows: Float64Array;
}
export const ROW_WIDTH = 5;

export class PodIndex implements WatchedPodCounter {
  readonly reflector: Reflector<number>;
  private readonly nodeIds = new Map<string, number>([['', 0]]);
  private gen = ++generations;
  private readonly nodeNames: string[] = [''];
  private readonly counts: number[] = [0];
  private readonly profiles = new RequestProfiles();
  private readonly cpuReq: number[] = [0];
  private readonly memReq: number[] = [0];
  private readonly cpuLim: number[] = [0];
  private readonly memLim: number[] = [0];
  private readonly dirty = new Set<number>();
  private readonly timers: TimerSet;
  private flushTimer: unknown;

  constructor(private readonly o: PodIndexOptions) {
    const s = strategyFor('pods');
    this.timers = new TimerSet(o.clock ?? systemClock);
    this.reflector = new Reflector<number>({
      cluster: o.cluster,
      resource: 'pods',
      path: '/api/v1/pods',
      client: o.client,
      transform: (raw) => this.pack(raw as RawPod),
      keyOf: (raw) => raw.metadata?.uid ?? `${raw.metadata?.namespace}/${raw.metadata?.name}`,
      same: (a, b) => a === b,
      pageSize: s.pageSize,
      listTimeoutMs: s.timeoutMs * 4,
      listFromWatchCache: s.initialListFromWatchCache,
      clock: o.clock,
      random: o.random,
      log: o.log,
      ...o.tuning,
    });
    this.reflector.addHandler({
      added: (_k, v) => this.adjust(v, 1),
      updated: (_k, old, v) => {
        if (old === v) return;
        this.adjust(old, -1);
        this.adjust(v, 1);
      },
      deleted: (_k, old) => this.adjust(old, -1),
      state: () => o.onState?.(),
    });
  }

  private pack(p: RawPod): number {
    const node = p.spec?.nodeName ?? '';
    let id = this.nodeIds.get(node);
    if (id === undefined) {
      id = this.nodeNames.length;
      this.nodeIds.set(node, id);
      this.nodeNames.push(node);
      this.counts.push(0);
      this.cpuReq.push(0);
      this.memReq.push(0);
      this.cpuLim.push(0);
      this.memLim.push(0);
    }
    const phase = p.status?.phase;
    const terminated = phase === 'Succeeded' || phase === 'Failed';
    // A finished pod asks for nothing: its profile is not worth interning.
    const profile = terminated || !node ? 0 : this.profiles.idOf(podResources(p.spec));
    return (
      profile * NODE_SPAN +
      id * 4 +
      (terminated ? TERMINATED : 0) +
      (p.metadata?.deletionTimestamp ? DELETING : 0)
    );
  }

  private adjust(v: number, d: number): void {
    const low = v % NODE_SPAN;
    if (low & TERMINATED) return;
    const id = low >>> 2;
    if (id === 0) return;
    this.counts[id]! += d;
    const prof = (v - low) / NODE_SPAN;
    if (prof !== 0) {
      const t = this.profiles;
      this.cpuReq[id]! += d * t.cpuRequest[prof]!;
      this.memReq[id]! += d * t.memRequest[prof]!;
      this.cpuLim[id]! += d * t.cpuLimit[prof]!;
      this.memLim[id]! += d * t.memLimit[prof]!;
    }
    this.gen = ++generations;
    if (this.reflector.everSynced && this.o.onCounts) {
      this.dirty.add(id);
      if (this.flushTimer === undefined)
        this.flushTimer = this.timers.set(() => this.flush(), this.o.flushMs ?? 100);
    }
  }

  private flush(): void {
    this.flushTimer = undefined;
    const out: [string, number][] = [];
    for (const id of this.dirty) out.push([this.nodeNames[id]!, this.counts[id]!]);
    this.dirty.clear();
    if (out.length) this.o.onCounts?.(out);
  }

  start(): void {
    this.reflector.start();
  }

  async stop(): Promise<void> {
    this.timers.clearAll();
    this.flushTimer = undefined;
    await this.reflector.stop();
  }

  get pendingTimers(): number {
    return this.timers.size + this.reflector.pendingTimers;
  }

  get synced(): boolean {
    return this.reflector.everSynced;
  }

  /** Counts every change of any node's count (and the first sync, which turns counts from null to numbers). */
  get generation(): number {
    return this.reflector.everSynced ? this.gen : 0;
  }

  source(): PodCountSource {
    return this.reflector.everSynced ? 'index' : 'none';
  }

  /** The watch keeps counts current by itself. */
  wanted(): void {}

  /** Non-terminated pods bound to `node`; null until the first LIST completed. */
  count(node: string): number | null {
    if (!this.reflector.everSynced) return null;
    const id = this.nodeIds.get(node);
    return id === undefined ? 0 : this.counts[id]!;
  }

  /** Requests and limits of the non-terminated pods bound to `node`; null until the first LIST completed. */
  requests(node: string): NodeRequests | null {
    if (!this.reflector.everSynced) return null;
    const id = this.nodeIds.get(node);
    if (id === undefined) return { cpuRequest: 0, memRequest: 0, cpuLimit: 0, memLimit: 0 };
    return {
      cpuRequest: this.cpuReq[id]!,
      memRequest: this.memReq[id]!,
      cpuLimit: this.cpuLim[id]!,
      memLimit: this.memLim[id]!,
    };
  }

  /** Distinct request/limit tuples interned (diagnostics, benchmark). */
  get profileCount(): number {
    return this.profiles.size;
  }

  get podCount(): number {
    return this.reflector.store.size;
  }

  waitForSync(timeoutMs: number): Promise<boolean> {
    return this.reflector.waitForSync(timeoutMs);
  }

  stats(): ReflectorStats {
    return this.reflector.stats();
  }

  /** The numbers of `nodes` (every node with a pod when omitted) as one PodTable. */
  table(nodes?: readonly string[]): PodTable {
    const ids = nodes
      ? nodes.map((n) => this.nodeIds.get(n) ?? -1)
      : Array.from({ length: this.nodeNames.length - 1 }, (_, i) => i + 1);
    const names: string[] = [];
    const rows = new Float64Array(ids.length * ROW_WIDTH);
    ids.forEach((id, i) => {
      names.push(nodes ? nodes[i]! : this.nodeNames[id]!);
      if (id < 0) return;
      const o = i * ROW_WIDTH;
      rows[o] = this.counts[id]!;
      rows[o + 1] = this.cpuReq[id]!;
      rows[o + 2] = this.memReq[id]!;
      rows[o + 3] = this.cpuLim[id]!;
      rows[o + 4] = this.memLim[id]!;
    });
    return { names, rows };
  }
}
