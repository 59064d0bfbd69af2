// The cluster states a user sees, from the node informer's statistics alone.
import { describe, expect, it } from 'vitest';
import {
  clusterState,
  recheckDelay,
  servesFromMemory,
  type StateInput,
} from '../../src/cache/cluster-state.js';

const now = 1_000_000;
const input = (stats: Partial<StateInput['stats']>, o: Partial<StateInput> = {}): StateInput => ({
  stats: { hasSynced: true, consecutiveFailures: 0, ...stats },
  synced: false,
  stopped: false,
  now,
  graceMs: 5000,
  ...o,
});

describe('cluster state', () => {
  it('before the first LIST: syncing, then unreachable on failure, degraded when the server answers nonsense', () => {
    expect(clusterState(input({ hasSynced: false }))).toBe('syncing');
    const failing = { hasSynced: false, consecutiveFailures: 2, failingSince: now - 100 };
    expect(clusterState(input({ ...failing, lastErrorReason: 'Unreachable' }))).toBe('unreachable');
    expect(clusterState(input({ ...failing, lastErrorReason: 'MalformedWatch' }))).toBe('degraded');
    expect(servesFromMemory(input(failing))).toBe(false);
  });

  it('a listed cluster keeps serving from memory through the grace period, and says when to look again', () => {
    expect(clusterState(input({}, { synced: true }))).toBe('synced');
    const young = input({ consecutiveFailures: 1, failingSince: now - 1000, lastErrorReason: 'Timeout' });
    expect(servesFromMemory(young)).toBe(true);
    expect(clusterState(young)).toBe('synced');
    expect(recheckDelay(young, 'synced')).toBe(4001);
    const old = { ...young, now: now + 4001 };
    expect(servesFromMemory(old)).toBe(false);
    expect(clusterState(old)).toBe('unreachable');
    expect(recheckDelay(old, clusterState(old))).toBeUndefined();
    expect(clusterState({ ...old, stats: { ...old.stats, lastErrorReason: 'InternalError' } })).toBe(
      'degraded',
    );
  });

  it('stopped is stopped, whatever the informer last said', () => {
    const s = input({}, { synced: true, stopped: true });
    expect(clusterState(s)).toBe('stopped');
    expect(servesFromMemory(s)).toBe(false);
  });
});
