// Wave planning: the order nodes go through maintenance and how many are out at once.
import { describe, expect, it } from 'vitest';
import { planWaves, waveSize, type PlannedNode } from '../../src/operations/maintenance/waves.js';

const n = (name: string, extra: Partial<PlannedNode> = {}): PlannedNode => ({
  cluster: 'c1',
  name,
  ...extra,
});
const names = (waves: PlannedNode[][]) => waves.map((w) => w.map((x) => x.name));

describe('wave size', () => {
  it('is the count given, or the share of the pool rounded down, never below one node', () => {
    expect(waveSize(2, 12)).toBe(2);
    expect(waveSize('25%', 12)).toBe(3);
    expect(waveSize('10%', 12)).toBe(1);
    expect(waveSize('5%', 12)).toBe(1);
    expect(waveSize('100%', 7)).toBe(7);
  });
});

describe('planWaves', () => {
  const pool = ['a', 'b', 'c', 'd', 'e'].map((x) => n(x));

  it('keeps the order given and cuts it into waves of maxUnavailable', () => {
    expect(names(planWaves(pool, 'given', 2))).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(names(planWaves(pool, 'given', '40%'))).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('zone round-robin takes one node of each zone in turn, so a wave spans zones', () => {
    const nodes = [
      n('a1', { zone: 'a' }),
      n('a2', { zone: 'a' }),
      n('a3', { zone: 'a' }),
      n('b1', { zone: 'b' }),
      n('b2', { zone: 'b' }),
      n('c1', { zone: 'c' }),
      n('x'),
    ];
    expect(names(planWaves(nodes, 'zone', 3))).toEqual([['a1', 'b1', 'c1'], ['x', 'a2', 'b2'], ['a3']]);
  });

  it('fewest pods first, ties in the order given', () => {
    const nodes = [n('a', { pods: 9 }), n('b', { pods: 1 }), n('c', { pods: 4 }), n('d', { pods: 1 })];
    expect(names(planWaves(nodes, 'fewest-pods', 1))).toEqual([['b'], ['d'], ['c'], ['a']]);
  });

  it('a single node or a share above the pool is one wave', () => {
    expect(names(planWaves([n('a')], 'given', '50%'))).toEqual([['a']]);
    expect(names(planWaves(pool, 'given', 10))).toEqual([['a', 'b', 'c', 'd', 'e']]);
  });
});
