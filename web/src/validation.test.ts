import { describe, expect, it } from 'vitest';
import {
  checkLabelRows,
  checkLabelValue,
  checkQualifiedName,
  checkTaintEffect,
  checkTaintRows,
  isSystemKey,
} from './validation';

const code = (p: { code: string } | null) => p?.code ?? null;

describe('label and taint keys (qualified names)', () => {
  it.each([
    'app',
    'app.kubernetes.io/name',
    'example.com/team',
    'a',
    'A-b_c.D',
    'node-role.kubernetes.io/worker',
    `${'x'.repeat(63)}`,
  ])('accepts %s', (k) => expect(checkQualifiedName(k)).toBeNull());

  it.each([
    ['', 'keyEmpty'],
    ['a/b/c', 'keyTooManySlashes'],
    ['/name', 'prefixEmpty'],
    ['example.com/', 'nameEmpty'],
    ['-app', 'nameInvalid'],
    ['app-', 'nameInvalid'],
    ['has space', 'nameInvalid'],
    ['ünicode', 'nameInvalid'],
    ['x'.repeat(64), 'nameTooLong'],
    ['Example.com/app', 'prefixInvalid'],
    ['exa_mple.com/app', 'prefixInvalid'],
    [`${'a'.repeat(254)}/app`, 'prefixTooLong'],
  ])('rejects %j with %s', (k, c) => expect(code(checkQualifiedName(k))).toBe(c));

  it('allows a 253-character prefix made of DNS labels', () => {
    const label = 'a'.repeat(63);
    const prefix = [label, label, label, 'a'.repeat(61)].join('.');
    expect(prefix.length).toBe(253);
    expect(checkQualifiedName(`${prefix}/x`)).toBeNull();
  });
});

describe('label values', () => {
  it.each(['', 'v1', 'a.b-c_d', 'x'.repeat(63)])('accepts %j', (v) => expect(checkLabelValue(v)).toBeNull());
  it.each([
    ['x'.repeat(64), 'valueTooLong'],
    ['-v', 'valueInvalid'],
    ['v_', 'valueInvalid'],
    ['a b', 'valueInvalid'],
    ['a/b', 'valueInvalid'],
  ])('rejects %j with %s', (v, c) => expect(code(checkLabelValue(v))).toBe(c));
});

describe('taint effects', () => {
  it.each(['NoSchedule', 'PreferNoSchedule', 'NoExecute'])('accepts %s', (e) =>
    expect(checkTaintEffect(e)).toBeNull(),
  );
  it('rejects an empty or unknown effect', () => {
    expect(code(checkTaintEffect(''))).toBe('effectEmpty');
    expect(code(checkTaintEffect('noschedule'))).toBe('effectInvalid');
  });
});

describe('system keys', () => {
  it('treats kubernetes.io and k8s.io and their subdomains as reserved', () => {
    expect(isSystemKey('kubernetes.io/hostname')).toBe(true);
    expect(isSystemKey('topology.kubernetes.io/zone')).toBe(true);
    expect(isSystemKey('k8s.io/x')).toBe(true);
    expect(isSystemKey('node-role.kubernetes.io/worker')).toBe(true);
    expect(isSystemKey('example.com/kubernetes.io')).toBe(false);
    expect(isSystemKey('notkubernetes.io/x')).toBe(false);
    expect(isSystemKey('app')).toBe(false);
  });
});

describe('row checks', () => {
  it('reports a duplicate label key on the later row only', () => {
    const p = checkLabelRows([
      { key: 'team', value: 'a' },
      { key: 'team', value: 'b' },
    ]);
    expect([...p.keys()]).toEqual([1]);
    expect(p.get(1)?.key?.code).toBe('duplicateKey');
  });

  it('allows one taint key with two effects but not the same key and effect twice', () => {
    expect(
      checkTaintRows([
        { key: 'gpu', value: '', effect: 'NoSchedule' },
        { key: 'gpu', value: '', effect: 'NoExecute' },
      ]).size,
    ).toBe(0);
    const dup = checkTaintRows([
      { key: 'gpu', value: 'a', effect: 'NoSchedule' },
      { key: 'gpu', value: 'b', effect: 'NoSchedule' },
    ]);
    expect(dup.get(1)?.effect?.code).toBe('duplicateTaint');
  });
});
