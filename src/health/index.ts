/**
 * Node health history (src/health): records every transition of a node's health — not Ready, pressure
 * conditions, network unavailable, cordons — as intervals in the store, from the live cache's changes, on the
 * leader replica only; answers the node timeline and the fleet view; purges by retention. It reads the cache
 * and the store and knows nothing of HTTP.
 */
import type { Kysely } from 'kysely';
import type { Logger } from '../log/logger.js';
import type { Database } from '../store/schema.js';
import { DAY_MS, HealthHistory } from './history.js';
import {
  HealthRecorder,
  type HealthRecorderOptions,
  type HealthSource,
  type LeaderSignal,
} from './recorder.js';

export { HealthHistory } from './history.js';
export { HealthRecorder } from './recorder.js';
export { fleetHealth } from './fleet.js';

/** How often the retention purge runs on the leader. */
export const HEALTH_RETENTION_INTERVAL_MS = 60 * 60 * 1000;

export interface NodeHealthService {
  history: HealthHistory;
  recorder: HealthRecorder;
  /** Deletes intervals that ended more than `retentionDays` ago; returns how many. */
  purge(): Promise<number>;
  now(): number;
}

export function createNodeHealth(o: {
  db: Kysely<Database>;
  source: HealthSource;
  leader: LeaderSignal;
  log: Logger;
  retentionDays: number;
  now?: () => number;
  flushMs?: number;
  onTransition?: HealthRecorderOptions['onTransition'];
}): NodeHealthService {
  const now = o.now ?? Date.now;
  const history = new HealthHistory(o.db);
  const recorder = new HealthRecorder({
    source: o.source,
    history,
    leader: o.leader,
    log: o.log,
    now,
    flushMs: o.flushMs,
    onTransition: o.onTransition,
  });
  return {
    history,
    recorder,
    now,
    purge: () => history.purge(o.retentionDays, now()),
  };
}

export { DAY_MS };
