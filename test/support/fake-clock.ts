// The one fake Clock for tests: time moves only when the test calls advance(), and due timers fire in order.
import type { Clock } from '../../src/clock.js';

/** A clock driven by the test: timers fire only on advance(). */
export class FakeClock implements Clock {
  t = 1_700_000_000_000;
  private seq = 0;
  readonly timers = new Map<number, { at: number; fn: () => void }>();
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (h: unknown): void => {
    this.timers.delete(h as number);
  };
  /** Advance time, firing due timers in order (and letting promise continuations run between them). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await quiet();
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
    await quiet();
  }
  /** Delay of the next pending timer, if any. */
  nextDelay(): number | undefined {
    let min: number | undefined;
    for (const { at } of this.timers.values()) if (min === undefined || at - this.t < min) min = at - this.t;
    return min;
  }
}

/**
 * Resolves when nothing is left to run but I/O and timers: Node drains every pending promise continuation
 * (however long the chain of `await`s) before it runs a check-phase callback. With the fake clock that
 * means the code under test waits on a timer or on the fake client, whatever the number of awaits.
 */
export function quiet(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
