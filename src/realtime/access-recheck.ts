/**
 * Live subscriptions under a cluster's own RBAC stay reviewed. A cluster that acts as the signed-in user was
 * asked when the client subscribed whether this user may list its nodes; that answer is remembered for
 * `everyMs` (the access reviews' lifetime), so each client's subscriptions to such clusters are asked again
 * when it runs out — and at once when the user's own rights change (role, groups, cluster list). A cluster
 * that now refuses (or cannot be asked: fail closed) is revoked with its reason; a cluster a wildcard
 * subscriber was refused and that now allows is restored. One review per client at a time; a request arriving
 * meanwhile runs once more after it.
 */
import { actingIdentity, type ActingIdentity } from '../auth/identity.js';
import type { TimerSet } from '../clock.js';
import type { Logger } from '../log/logger.js';
import type { HubClient } from './clients.js';

export interface ReadAccess {
  denied(who: ActingIdentity, clusters: readonly string[]): Promise<Map<string, string>>;
  /** Whether the cluster's own RBAC decides who sees it; only those are reviewed again (default: all). */
  applies?(cluster: string): boolean;
}

export interface AccessRecheckOptions {
  readAccess: ReadAccess;
  timers: TimerSet;
  everyMs: number;
  log: Logger;
  /** The clusters to review for a client: those it is subscribed to and those it was refused. */
  scope(c: HubClient): string[];
  /** Stop sending `cluster` to `c` and tell it why. */
  revoke(c: HubClient, cluster: string, reason: string): void;
  /**
   * `cluster` was refused to `c` and is allowed again; `resubscribe` when this review had ended a subscription
   * to it (or the client follows every cluster).
   */
  restore(c: HubClient, cluster: string, resubscribe: boolean): void;
}

interface State {
  timer?: unknown;
  /** Subscriptions a review ended, to be resumed if the cluster allows again. */
  revoked: Set<string>;
  running?: Promise<void>;
  again: boolean;
}

export class AccessRechecks {
  private readonly states = new Map<HubClient, State>();

  constructor(private readonly o: AccessRecheckOptions) {}

  /**
   * (Re)arms `c`'s next review while it has clusters. Armed even when none of them is decided by its own RBAC
   * yet: a cluster can start acting as the signed-in user (here or on another replica) under a live subscription.
   */
  schedule(c: HubClient): void {
    const s = this.state(c);
    this.o.timers.clear(s.timer);
    s.timer = undefined;
    if (c.closed || this.o.scope(c).length === 0) return;
    s.timer = this.o.timers.set(() => {
      s.timer = undefined;
      void this.now(c);
    }, this.o.everyMs);
  }

  /** Reviews `c`'s clusters now (e.g. its user's rights changed). */
  now(c: HubClient): Promise<void> {
    const s = this.state(c);
    if (s.running) {
      s.again = true;
      return s.running;
    }
    s.running = this.run(c).finally(() => {
      s.running = undefined;
      if (s.again && !c.closed) {
        s.again = false;
        void this.now(c);
      }
    });
    return s.running;
  }

  forget(c: HubClient): void {
    const s = this.states.get(c);
    if (!s) return;
    this.o.timers.clear(s.timer);
    this.states.delete(c);
  }

  get size(): number {
    return this.states.size;
  }

  private async run(c: HubClient): Promise<void> {
    if (c.closed) return;
    const clusters = this.reviewed(c);
    if (clusters.length === 0) return this.schedule(c);
    const who = actingIdentity(c.user);
    // Each cluster is asked and applied on its own, so a slow API server does not delay another's revocation.
    await Promise.all(clusters.map((n) => this.review(c, who, n)));
    this.schedule(c);
  }

  private async review(c: HubClient, who: ActingIdentity, n: string): Promise<void> {
    let reason: string | undefined;
    try {
      reason = (await this.o.readAccess.denied(who, [n])).get(n);
    } catch (e) {
      // Fail closed, as reads do: a subscription whose review cannot be renewed ends with the reason.
      this.o.log.warn(
        { err: (e as Error).message, cluster: n },
        'access re-review failed; ending the subscription',
      );
      reason = `cluster "${n}" could not be asked what you may see`;
    }
    if (c.closed) return;
    const s = this.state(c);
    if (reason !== undefined) {
      if (c.clusters.has(n)) {
        s.revoked.add(n);
        this.o.revoke(c, n, reason);
      } else c.hidden.set(n, reason);
    } else if (c.hidden.has(n)) {
      this.o.restore(c, n, s.revoked.delete(n) || c.wildcard);
    }
  }

  private reviewed(c: HubClient): string[] {
    const applies = this.o.readAccess.applies;
    return this.o.scope(c).filter((n) => !applies || applies.call(this.o.readAccess, n));
  }

  private state(c: HubClient): State {
    let s = this.states.get(c);
    if (!s) {
      s = { again: false, revoked: new Set() };
      this.states.set(c, s);
    }
    return s;
  }
}
