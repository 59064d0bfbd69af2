import { describe, expect, it } from 'vitest';
import {
  matchesSelector,
  matchesTaint,
  parseSelector,
  parseTaintQuery,
  SelectorError,
  TaintFilterError,
} from './selector';

const labels = { zone: 'a', tier: 'web', 'node-role.kubernetes.io/worker': '', size: '8' };
const match = (s: string) => matchesSelector(labels, parseSelector(s));

describe('label selectors', () => {
  it('matches equality, inequality and existence', () => {
    expect(match('')).toBe(true);
    expect(match('zone=a')).toBe(true);
    expect(match('zone==a')).toBe(true);
    expect(match('zone=b')).toBe(false);
    expect(match('zone!=b')).toBe(true);
    expect(match('missing!=x')).toBe(true);
    expect(match('node-role.kubernetes.io/worker')).toBe(true);
    expect(match('!gpu')).toBe(true);
    expect(match('!zone')).toBe(false);
    expect(match('zone=a,tier=web')).toBe(true);
    expect(match('zone=a,tier=db')).toBe(false);
  });

  it('matches set-based requirements', () => {
    expect(match('zone in (a, b)')).toBe(true);
    expect(match('zone in (b,c)')).toBe(false);
    expect(match('zone notin (b,c)')).toBe(true);
    expect(match('gpu notin (x)')).toBe(true);
    expect(match('zone in (a),tier notin (db)')).toBe(true);
  });

  it('compares numbers with > and <', () => {
    expect(match('size>4')).toBe(true);
    expect(match('size<4')).toBe(false);
    expect(match('zone>1')).toBe(false);
  });

  it('treats an empty value as a value', () => {
    expect(match('zone=')).toBe(false);
    expect(match('node-role.kubernetes.io/worker=')).toBe(true);
  });

  it.each(['zone in (a', '=a', 'a b', 'zone=a,,tier=web', 'size>x'])('rejects %j', (s) => {
    expect(() => parseSelector(s)).toThrow(SelectorError);
  });

  it('rejects what the API server rejects, with its reason', () => {
    expect(() => parseSelector('zone=bad value!')).toThrow(SelectorError);
    expect(() => parseSelector(`${'k'.repeat(64)}=a`)).toThrow(/63 characters/);
  });
});

describe('taint filter', () => {
  const taints = [
    { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' as const },
    { key: 'maintenance', effect: 'NoExecute' as const },
  ];
  it.each([
    ['dedicated', true],
    ['dedicated=gpu', true],
    ['dedicated=cpu', false],
    ['dedicated:NoSchedule', true],
    ['dedicated:NoExecute', false],
    ['dedicated=gpu:NoSchedule', true],
    ['maintenance=:NoExecute', true],
    ['other', false],
    // The server's full syntax: several filters (all must hold) and `!` for nodes without a taint.
    ['dedicated,maintenance:NoExecute', true],
    ['dedicated,other', false],
    ['!other', true],
    ['!maintenance', false],
    ['dedicated=gpu,!maintenance:NoSchedule', true],
  ] as const)('%s → %s', (q, want) => expect(matchesTaint(taints, parseTaintQuery(q)!)).toBe(want));

  it('ignores an empty filter and rejects a dangling colon', () => {
    expect(parseTaintQuery('  ')).toBeNull();
    expect(() => parseTaintQuery('key:')).toThrow(TaintFilterError);
    expect(() => parseTaintQuery('key:NoWhere')).toThrow(/NoSchedule, PreferNoSchedule, NoExecute/);
  });
});
