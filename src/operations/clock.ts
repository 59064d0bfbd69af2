/**
 * Time and waiting for node operations: drains, write back-offs, jobs and maintenance plans read the wall
 * time and sleep through this Clock (abortable), so tests run them on virtual time with kubectl's real
 * figures in the code. The informer, caches and realtime hub schedule callbacks instead, through the timer
 * Clock of src/informer/clock.ts.
 */

/** Time and waiting, injected so tests run drains and back-offs without real delays. */
export interface Clock {
  now(): Date;
  /** Resolves after `ms`, or rejects with an AbortError as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export class AbortedError extends Error {
  override name = 'AbortError';
  constructor(message = 'cancelled') {
    super(message);
  }
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(new AbortedError());
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        reject(new AbortedError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * Virtual time running `1/scale` times faster than real time: with scale 0.001 a 5 s back-off takes 5 ms and
 * a 30 s drain timeout expires after 30 ms, so tests keep kubectl's real figures in the code under test.
 */
export function scaledClock(scale: number): Clock {
  const t0 = Date.now();
  return {
    now: () => new Date(t0 + (Date.now() - t0) / scale),
    sleep: (ms, signal) => systemClock.sleep(ms * scale, signal),
  };
}
