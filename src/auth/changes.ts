/**
 * Identity changes announced inside this process: a session ended, a token revoked, a user changed or removed.
 * Long-lived connections (the realtime WebSocket) listen, re-check the identity they were opened with at once,
 * and close when it is gone — instead of finding out at their next periodic re-check. Other replicas sharing the
 * store hear nothing and fall back to that periodic re-check.
 */
import type { AuthUser } from './identity.js';

export interface IdentityChange {
  /** Hash of an ended session (AuthUser.sessionId). */
  sessionId?: string;
  /** A revoked API token. */
  tokenId?: string;
  /** A user whose sessions, tokens or rights changed, or who was removed. */
  userId?: string;
}

export type IdentityListener = (change: IdentityChange) => void;

export class IdentityChanges {
  private readonly listeners = new Set<IdentityListener>();

  /** Returns the function that stops listening. */
  on(fn: IdentityListener): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  emit(change: IdentityChange): void {
    for (const fn of [...this.listeners]) {
      try {
        fn(change);
      } catch {
        // One listener's failure must not keep the others from hearing of an ended session.
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}

/** Could this change end or alter what `user` may do? */
export function affects(user: AuthUser, change: IdentityChange): boolean {
  return (
    (change.userId !== undefined && change.userId === user.id) ||
    (change.sessionId !== undefined && change.sessionId === user.sessionId) ||
    (change.tokenId !== undefined && change.tokenId === user.tokenId)
  );
}
