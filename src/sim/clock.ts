/**
 * Time for the simulator. Every timer the simulator starts goes through a `TimerSet` so `close()` can clear
 * them all, and tests can inject a clock to control timestamps and timer firing.
 */
export interface SimClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: SimClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // A simulator must never keep a process alive on its own timers (tests, CLI shutdown).
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Timers owned by one simulator instance; cleared together on close. */
export class TimerSet {
  private readonly handles = new Set<unknown>();
  private closed = false;

  constructor(private readonly clock: SimClock) {}

  after(ms: number, fn: () => void): unknown {
    if (this.closed) return undefined;
    const h = this.clock.setTimeout(
      () => {
        this.handles.delete(h);
        if (!this.closed) fn();
      },
      Math.max(0, ms),
    );
    this.handles.add(h);
    return h;
  }

  /** Repeats `fn` every `ms` until cancelled; returns a cancel function. */
  every(ms: number, fn: () => void): () => void {
    let h: unknown;
    let stopped = false;
    const tick = (): void => {
      if (stopped) return;
      fn();
      if (!stopped) h = this.after(ms, tick);
    };
    h = this.after(ms, tick);
    return () => {
      stopped = true;
      this.cancel(h);
    };
  }

  cancel(h: unknown): void {
    if (h === undefined) return;
    if (this.handles.delete(h)) this.clock.clearTimeout(h);
  }

  clear(): void {
    for (const h of this.handles) this.clock.clearTimeout(h);
    this.handles.clear();
  }

  close(): void {
    this.closed = true;
    this.clear();
  }

  get size(): number {
    return this.handles.size;
  }
}

/** Kubernetes timestamps are RFC 3339 with second precision. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}
