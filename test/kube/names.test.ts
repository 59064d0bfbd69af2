// Kubernetes' naming rules as users meet them: which label/taint keys and values are accepted, and that an
// operation's parameters, a label selector and a taint filter refuse a bad one for the same stated reason.
import { describe, expect, it } from 'vitest';
import { parseTaintFilter } from '../../src/cache/taint-filter.js';
import { dns1123SubdomainProblem, labelValueProblem, qualifiedNameProblem } from '../../src/kube/names.js';
import { parseLabelSelector } from '../../src/kube/selector.js';
import { parseLabelsIntent, parseTaintsIntent, validateNodeName } from '../../src/operations/index.js';

describe('label keys (qualified names)', () => {
  it.each([
    ['app', true],
    ['app.kubernetes.io/name', true],
    ['example.com/My_Key.v2', true],
    ['a', true],
    ['x'.repeat(63), true],
    [`${'a'.repeat(253)}/k`, true],
    ['x'.repeat(64), false],
    [`${'a'.repeat(254)}/k`, false],
    ['', false],
    ['/k', false],
    ['example.com/', false],
    ['a/b/c', false],
    ['Example.com/k', false],
    ['-start', false],
    ['end-', false],
    ['has space', false],
    ['ünïcode', false],
  ])('%s → valid %s', (key, ok) => {
    expect(qualifiedNameProblem(key) === undefined).toBe(ok);
  });

  it.each([
    ['', 'name part must be non-empty'],
    ['example.com/', 'name part must be non-empty'],
    ['/k', 'prefix part must be non-empty'],
    [`${'a'.repeat(254)}/k`, 'prefix part must be no more than 253 characters'],
    [
      'Example.com/k',
      "prefix part must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
    ],
    ['x'.repeat(64), 'name part must be no more than 63 characters'],
    [
      'end-',
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
    ],
    [
      'a/b/c',
      "must be a name with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName'); it has more than one '/'",
    ],
  ])('%j: %s', (key, problem) => {
    expect(qualifiedNameProblem(key)).toBe(problem);
  });
});

describe('label values', () => {
  it.each([
    ['', true],
    ['v1.2_3-x', true],
    ['x'.repeat(63), true],
    ['x'.repeat(64), false],
    ['-x', false],
    ['x.', false],
    ['a/b', false],
  ])('%j → valid %s', (v, ok) => {
    expect(labelValueProblem(v) === undefined).toBe(ok);
  });

  it('says why a value is refused', () => {
    expect(labelValueProblem('x'.repeat(64))).toBe('must be no more than 63 characters');
    expect(labelValueProblem('-x')).toBe(
      "must be empty or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
    );
  });
});

describe('node names (DNS subdomains)', () => {
  it.each([
    ['node-1', true],
    ['ip-10-0-0-1.ec2.internal', true],
    ['a'.repeat(253), true],
    ['a'.repeat(254), false],
    ['', false],
    ['Node-1', false],
    ['a..b', false],
    ['a/../b', false],
  ])('%j → valid %s', (v, ok) => {
    expect(dns1123SubdomainProblem(v) === undefined).toBe(ok);
  });
});

describe('one reason wherever a key or value is checked', () => {
  const message = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('expected a refusal');
  };

  it.each(['Example.com/k', 'end-', 'a/b/c', 'x'.repeat(64)])('key %j', (key) => {
    const why = qualifiedNameProblem(key)!;
    expect(message(() => parseLabelsIntent({ set: { [key]: 'v' } }))).toBe(
      `invalid label key "${key}": ${why}`,
    );
    expect(message(() => parseLabelSelector(`${key}=v`))).toBe(`invalid label key "${key}": ${why}`);
    expect(message(() => parseTaintsIntent({ add: [{ key, effect: 'NoSchedule' }] }))).toBe(
      `invalid taint key "${key}": ${why}`,
    );
    expect(message(() => parseTaintFilter(`${key}:NoSchedule`))).toBe(`invalid taint key "${key}": ${why}`);
  });

  it.each(['-x', 'x'.repeat(64)])('value %j', (v) => {
    const why = labelValueProblem(v)!;
    expect(message(() => parseLabelsIntent({ set: { app: v } }))).toBe(
      `invalid value "${v}" for label "app": ${why}`,
    );
    expect(message(() => parseLabelSelector(`app in (ok,${v})`))).toBe(
      `invalid value "${v}" for label "app": ${why}`,
    );
    expect(message(() => parseTaintsIntent({ add: [{ key: 'k', value: v, effect: 'NoSchedule' }] }))).toBe(
      `invalid taint value "${v}": ${why}`,
    );
    expect(message(() => parseTaintFilter(`k=${v}`))).toBe(`invalid taint value "${v}": ${why}`);
  });

  it('node names', () => {
    expect(message(() => validateNodeName('Node-1', 'name'))).toBe(
      `invalid node name "Node-1": ${dns1123SubdomainProblem('Node-1')}`,
    );
  });
});
