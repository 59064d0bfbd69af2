/**
 * Keeps an open connection's identity current: re-checks it when an identity change concerns it (logout,
 * revoked token, changed or removed user — at once), when its session would lapse (idle or absolute expiry —
 * at that moment), and every `everyMs` in any case (changes made by another replica, expired tokens).
 * A lapsed identity ends the connection; changed rights are handed on.
 */
import type { AuthUser } from '../auth/identity.js';
import { affects, type IdentityChanges } from '../auth/changes.js';
import { systemClock, type Clock } from '../clock.js';

export interface IdentityCheck {
  user: AuthUser;
  /** When it lapses unless used (ms since epoch), if it can. */
  validUntil?: number;
}

export interface IdentityWatchOptions {
  user: AuthUser;
  check: () => Promise<IdentityCheck | null>;
  changes?: Pick<IdentityChanges, 'on'>;
  everyMs: number;
  clock?: Clock;
  /** The first lapse time, when known at connect. */
  validUntil?: number;
  onUser(user: AuthUser): void;
  onEnded(): void;
  onError(err: unknown): void;
}

/** Starts watching; the returned function stops (call it when the connection closes). */
export function watchIdentity(o: IdentityWatchOptions): () => void {
  const clock = o.clock ?? systemClock;
  let user = o.user;
  let timer: unknown;
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;

  const schedule = (validUntil?: number) => {
    clock.clearTimeout(timer);
    if (stopped) return;
    // A moment past the lapse, so the check sees it expired (expiry is `now >= deadline`).
    const untilLapse = validUntil === undefined ? Infinity : Math.max(0, validUntil - clock.now() + 1);
    const wait = Math.min(o.everyMs > 0 ? o.everyMs : Infinity, untilLapse);
    if (wait !== Infinity) timer = clock.setTimeout(() => void run(), wait);
  };

  const run = (): Promise<void> => {
    // One check at a time; a change arriving meanwhile asks for one more after it.
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        const r = await o.check();
        if (stopped) return;
        if (!r) {
          stop();
          o.onEnded();
          return;
        }
        user = r.user;
        o.onUser(r.user);
        schedule(r.validUntil);
      } catch (e) {
        if (!stopped) {
          o.onError(e);
          schedule();
        }
      }
    })().finally(() => {
      running = undefined;
      if (again && !stopped) {
        again = false;
        void run();
      }
    });
    return running;
  };

  const off = o.changes?.on((change) => {
    if (affects(user, change)) void run();
  });
  const stop = () => {
    stopped = true;
    clock.clearTimeout(timer);
    off?.();
  };
  // Without a known lapse time, learn it (and any change made since the upgrade) with a first check.
  if (o.validUntil === undefined) void run();
  else schedule(o.validUntil);
  return stop;
}
