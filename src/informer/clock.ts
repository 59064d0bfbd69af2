/**
 * Time as a dependency: the informer, caches and realtime hub take a Clock so tests can drive back-off and
 * coalescing windows without sleeping.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * Timers owned by one component. `clearAll()` is how a stopping component proves it leaves nothing behind,
 * and `size` lets tests assert it.
 */
export class TimerSet {
  private readonly live = new Set<unknown>();

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.live.size;
  }

  set(fn: () => void, ms: number): unknown {
    const h: unknown = this.clock.setTimeout(() => {
      this.live.delete(h);
      fn();
    }, ms);
    this.live.add(h);
    return h;
  }

  clear(h: unknown): void {
    if (h === undefined || !this.live.has(h)) return;
    this.live.delete(h);
    this.clock.clearTimeout(h);
  }

  /** Resolves after `ms`, or when `clearAll` runs (then with false). */
  sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const h = this.set(() => {
        this.sleepers.delete(wake);
        resolve(true);
      }, ms);
      const wake = () => {
        this.clear(h);
        resolve(false);
      };
      this.sleepers.add(wake);
    });
  }

  private readonly sleepers = new Set<() => void>();

  clearAll(): void {
    for (const h of this.live) this.clock.clearTimeout(h);
    this.live.clear();
    const s = [...this.sleepers];
    this.sleepers.clear();
    for (const w of s) w();
  }
}
