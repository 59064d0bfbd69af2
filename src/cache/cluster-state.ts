/**
 * The state machine of one cluster's node cache, as pure functions of the node informer's statistics: when
 * memory may still answer (`servesFromMemory`), which state a user sees (`clusterState`) and when that state
 * must be looked at again without any event (`recheckDelay`). Kept apart from the cluster cache so the rules
 * read in one place and can be checked without an informer.
 */
import type { ClusterState } from '../clusters/types.js';
import { UNTRUSTED_ANSWER_REASONS, type KubeReason } from '../kube/errors.js';
import type { ReflectorStats } from '../informer/reflector.js';

export interface StateInput {
  stats: Pick<ReflectorStats, 'hasSynced' | 'consecutiveFailures' | 'failingSince' | 'lastErrorReason'>;
  /** Listed and no failure pending (Reflector.isSynced). */
  synced: boolean;
  stopped: boolean;
  now: number;
  /** A failing informer keeps answering from memory this long. */
  graceMs: number;
}

/** Serving from memory is allowed: listed, and any failure is younger than the grace period. */
export function servesFromMemory(s: StateInput): boolean {
  if (!s.stats.hasSynced || s.stopped) return false;
  if (s.synced) return true;
  const since = s.stats.failingSince;
  return since !== undefined && s.now - since < s.graceMs;
}

export function clusterState(s: StateInput): ClusterState {
  if (s.stopped) return 'stopped';
  const r = s.stats.lastErrorReason;
  // A server that answers, but with something no API server would send, is reachable and misbehaving.
  const refused = r !== undefined && UNTRUSTED_ANSWER_REASONS.has(r as KubeReason);
  if (!s.stats.hasSynced)
    return s.stats.consecutiveFailures > 0 ? (refused ? 'degraded' : 'unreachable') : 'syncing';
  if (servesFromMemory(s)) return 'synced';
  return r === 'Unreachable' || r === 'Timeout' || r === 'TLSError' ? 'unreachable' : 'degraded';
}

/** A failing informer turns from synced to degraded when the grace period ends: look again then. */
export function recheckDelay(s: StateInput, state: ClusterState): number | undefined {
  const since = s.stats.failingSince;
  if (state !== 'synced' || since === undefined || s.stopped) return undefined;
  return Math.max(1, since + s.graceMs - s.now + 1);
}
