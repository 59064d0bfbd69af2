/**
 * The pod index: live per-node counts of non-terminated pods without caching pods. A cluster-wide pod
 * informer whose transform reduces each pod to one small integer — (interned node number × 4) + terminated
 * bit + terminating bit — stored under the pod's uid, so the retained cost is the uid string and one Map
 * entry (~100–150 bytes per pod) instead of the 5–50 KB of a whole pod.
 *
 * Count changes are coalesced per node and flushed on a short timer; consumers get (node, count) pairs.
 */
import type { Logger } from '../log/logger.js';
import type { KubeClient } from '../kube/client.js';
import { strategyFor } from '../kube/strategy.js';
import { TimerSet, systemClock, type Clock } from '../informer/clock.js';
import { Reflector, type ReflectorOptions } from '../informer/reflector.js';
import type { KubeObject } from '../informer/types.js';

interface RawPod extends KubeObject {
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

const TERMINATED = 2;
const DELETING = 1;

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

export class PodIndex {
  readonly reflector: Reflector<number>;
  private readonly nodeIds = new Map<string, number>([['', 0]]);
  private gen = ++generations;
  private readonly nodeNames: string[] = [''];
  private readonly counts: number[] = [0];
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
    }
    const phase = p.status?.phase;
    const terminated = phase === 'Succeeded' || phase === 'Failed';
    return id * 4 + (terminated ? TERMINATED : 0) + (p.metadata?.deletionTimestamp ? DELETING : 0);
  }

  private adjust(v: number, d: number): void {
    if (v & TERMINATED) return;
    const id = v >>> 2;
    if (id === 0) return;
    this.counts[id]! += d;
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

  /** Non-terminated pods bound to `node`; null until the first LIST completed. */
  count(node: string): number | null {
    if (!this.reflector.everSynced) return null;
    const id = this.nodeIds.get(node);
    return id === undefined ? 0 : this.counts[id]!;
  }

  get podCount(): number {
    return this.reflector.store.size;
  }

  waitForSync(timeoutMs: number): Promise<boolean> {
    return this.reflector.waitForSync(timeoutMs);
  }
}
