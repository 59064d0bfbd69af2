import { describe, expect, it } from 'vitest';
import { matchLabels, parseLabelSelector, SelectorError } from '../../src/kube/selector.js';

const L = { app: 'web', tier: 'front', 'example.com/zone': 'a', gen: '5', empty: '' };
const m = (s: string, labels: Record<string, string> = L) => matchLabels(parseLabelSelector(s), labels);

describe('label selector', () => {
  it('parses every operator', () => {
    expect(parseLabelSelector('a, !b, c=d, e==f, g!=h, i in (j, k), l notin (m), n>1, o<2')).toEqual([
      { key: 'a', op: 'exists', values: [] },
      { key: 'b', op: '!', values: [] },
      { key: 'c', op: '=', values: ['d'] },
      { key: 'e', op: '=', values: ['f'] },
      { key: 'g', op: '!=', values: ['h'] },
      { key: 'i', op: 'in', values: ['j', 'k'] },
      { key: 'l', op: 'notin', values: ['m'] },
      { key: 'n', op: 'gt', values: ['1'] },
      { key: 'o', op: 'lt', values: ['2'] },
    ]);
    expect(parseLabelSelector('')).toEqual([]);
    expect(parseLabelSelector('empty=')).toEqual([{ key: 'empty', op: '=', values: [''] }]);
  });

  it('matches with Kubernetes semantics', () => {
    expect(m('app=web,tier in (front,back)')).toBe(true);
    expect(m('app=api')).toBe(false);
    expect(m('example.com/zone')).toBe(true);
    expect(m('!example.com/zone')).toBe(false);
    expect(m('missing!=x')).toBe(true); // != matches objects without the key
    expect(m('missing notin (x)')).toBe(true);
    expect(m('missing in (x)')).toBe(false);
    expect(m('gen>4,gen<6')).toBe(true);
    expect(m('gen>5')).toBe(false);
    expect(m('app>1')).toBe(false);
    expect(m('empty=')).toBe(true);
  });

  for (const bad of [
    'a=b=c',
    'in (x)',
    'a in ()',
    'a in (b',
    'a>x',
    '!',
    'a b',
    'a,',
    'Bad_/x',
    'a=-bad-',
    'a=' + 'x'.repeat(64),
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      expect(() => parseLabelSelector(bad)).toThrow(SelectorError);
    });
  }
});
