/**
 * Time as a dependency, for every part of the server: the informer, caches, realtime hub and usage poller
 * schedule callbacks through it, and drains, write back-offs, jobs and maintenance plans read the time and wait
 * through `sleep(clock, …)`, so tests drive back-off, coalescing windows and drain timeouts on virtual time with
 * the real figures in the code under test.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class AbortedError extends Error {
  override name = 'AbortError';
  constructor(message = 'cancelled') {
    super(message);
  }
}

/** Resolves after `ms` on `clock`, or rejects with an AbortedError as soon as `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError());
    const onAbort = () => {
      clock.clearTimeout(t);
      reject(new AbortedError());
    };
    const t = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Virtual time running `1/scale` times faster than real time: with scale 0.001 a 5 s back-off takes 5 ms and
 * a 30 s drain timeout expires after 30 ms, so tests keep kubectl's real figures in the code under test.
 */
export function scaledClock(scale: number): Clock {
  const t0 = Date.now();
  return {
    now: () => t0 + (Date.now() - t0) / scale,
    setTimeout: (fn, ms) => setTimeout(fn, ms * scale),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  };
}

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
