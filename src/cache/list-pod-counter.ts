/**
 * Pod counts from a paged pod LIST, for clusters whose pod index is switched off (a pod watch too costly for
 * them). It exists to keep that LIST on a timer of its own: readers only say that counts are wanted
 * (`wanted()`), and a recount is scheduled when the last one is older than the TTL, so building a row or
 * answering a change event never starts a cluster-wide LIST. Nobody asking means no LIST at all: the counts
 * then simply age.
 */
import type { Logger } from '../log/logger.js';
import type { KubeClient } from '../kube/client.js';
import { TimerSet, type Clock } from '../clock.js';
import { countPodsByNode } from './direct.js';
import type { PodCounter } from './pod-counter.js';
import type { PodCountSource } from './types.js';

export interface ListPodCounterOptions {
  cluster: string;
  client: KubeClient;
  clock: Clock;
  log: Logger;
  /** Counts are reused this long before a read asks for a recount. */
  ttlMs: number;
  /** After each LIST: the counts before (undefined the first time) and now. */
  onCounts(before: ReadonlyMap<string, number> | undefined, now: ReadonlyMap<string, number>): void;
}

export class ListPodCounter implements PodCounter {
  private counts?: Map<string, number>;
  /** When the last LIST ended (0: never). */
  private at = 0;
  private inflight = false;
  private timer: unknown;
  private stopped = false;
  private readonly timers: TimerSet;
  /** Why the last LIST failed, if it did. */
  error?: string;

  constructor(private readonly o: ListPodCounterOptions) {
    this.timers = new TimerSet(o.clock);
  }

  source(): PodCountSource {
    return this.counts ? 'list' : 'none';
  }

  count(node: string): number | null {
    return this.counts ? (this.counts.get(node) ?? 0) : null;
  }

  /** A LIST has no generation: its counts may change at every refresh without anything else changing. */
  get generation(): undefined {
    return undefined;
  }

  requests(): null {
    return null;
  }

  wanted(): void {
    if (this.stopped || this.inflight || this.timer !== undefined) return;
    if (this.at !== 0 && this.o.clock.now() - this.at < this.o.ttlMs) return;
    this.timer = this.timers.set(() => this.refresh(), 0);
  }

  private refresh(): void {
    this.timer = undefined;
    if (this.stopped) return;
    this.inflight = true;
    countPodsByNode(this.o.client)
      .then((counts) => {
        if (this.stopped) return;
        const before = this.counts;
        this.counts = counts;
        this.error = undefined;
        this.o.onCounts(before, counts);
      })
      .catch((err: unknown) => {
        this.error = (err as Error).message;
        this.o.log.warn({ cluster: this.o.cluster, err: this.error }, 'pod count LIST failed');
      })
      .finally(() => {
        this.at = this.o.clock.now();
        this.inflight = false;
      });
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.clearAll();
    this.timer = undefined;
    this.counts = undefined;
  }
}
