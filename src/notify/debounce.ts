/**
 * Holds each health change for a while before it is sent: a change undone within the wait (a node NotReady
 * for ten seconds, then Ready again) cancels its pending message, so a flapping node sends nothing. Changes in
 * the same direction while one is held (NotReady False → Unknown) only refresh its details.
 */
import type { Clock } from '../clock.js';
import type { HealthTransition } from './types.js';

interface Held {
  t: HealthTransition;
  timer: unknown;
}

export class HealthDebouncer {
  private readonly held = new Map<string, Held>();
  /** Changes cancelled by their opposite within the wait. */
  suppressed = 0;

  constructor(
    private readonly timers: Clock,
    private readonly release: (scope: string, t: HealthTransition) => void,
    /** Most changes held at once; beyond it the oldest is released at once rather than lost. */
    private readonly limit = 10_000,
  ) {}

  get size(): number {
    return this.held.size;
  }

  /** `scope` separates callers with their own wait (one per webhook). */
  push(scope: string, t: HealthTransition, waitMs: number): void {
    const key = `${scope}\u0000${t.cluster}\u0000${t.node}\u0000${t.kind}`;
    const h = this.held.get(key);
    if (h) {
      if (h.t.healthy !== t.healthy) {
        this.timers.clearTimeout(h.timer);
        this.held.delete(key);
        this.suppressed++;
      } else h.t = { ...t, at: h.t.at };
      return;
    }
    if (waitMs <= 0) return this.release(scope, t);
    if (this.held.size >= this.limit) {
      const [oldKey, old] = this.held.entries().next().value as [string, Held];
      this.timers.clearTimeout(old.timer);
      this.held.delete(oldKey);
      this.release(oldKey.split('\u0000')[0]!, old.t);
    }
    const entry: Held = {
      t,
      timer: this.timers.setTimeout(() => {
        this.held.delete(key);
        this.release(scope, entry.t);
      }, waitMs),
    };
    this.held.set(key, entry);
  }

  clear(): void {
    for (const h of this.held.values()) this.timers.clearTimeout(h.timer);
    this.held.clear();
  }
}
