// Time for the notifier, injected so tests drive debounce and back-off with a fake clock.
import type { Clock } from '../clock.js';

export const realTimers: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    // Pending notifications never keep the process alive on their own; stop() reports what was left.
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
