// Operation input as users meet it: which keys count as reserved for the system, how bad parameters are
// refused, and how intents turn into patches (pure, no cluster). The naming rules are in test/kube/names.test.ts.
import { describe, expect, it } from 'vitest';
import {
  applyTaintChanges,
  isSystemKey,
  parseDrainOptions,
  parseLabelsIntent,
  parseTaintsIntent,
  planIntent,
  validateNodeName,
  type KubeNode,
} from '../../src/operations/index.js';

describe('reserved keys', () => {
  it.each([
    ['kubernetes.io/hostname', true],
    ['node-role.kubernetes.io/worker', true],
    ['node.kubernetes.io/instance-type', true],
    ['k8s.io/x', true],
    ['sub.k8s.io/x', true],
    ['KUBERNETES.IO/x', true],
    ['example.com/kubernetes.io', false],
    ['notkubernetes.io/x', false],
    ['kubernetes.io.example.com/x', false],
    ['plain', false],
  ])('%s → reserved %s', (k, reserved) => {
    expect(isSystemKey(k)).toBe(reserved);
  });
});

describe('request shapes', () => {
  it('names the offending field', () => {
    expect(() => parseLabelsIntent({ set: { ok: 'x', 'bad/key/x': 'y' } })).toThrow(
      expect.objectContaining({ status: 400, field: 'set.bad/key/x' }),
    );
    expect(() => parseLabelsIntent({})).toThrow(expect.objectContaining({ field: 'set' }));
    expect(() =>
      parseTaintsIntent({
        add: [
          { key: 'k', effect: 'NoSchedule' },
          { key: 'k', effect: 'NoSchedule', value: 'v' },
        ],
      }),
    ).toThrow(expect.objectContaining({ field: 'add[1]' }));
    expect(() =>
      parseTaintsIntent({ add: [{ key: 'k', effect: 'NoSchedule' }], remove: [{ key: 'k' }] }),
    ).toThrow(expect.objectContaining({ field: 'remove[0]' }));
    expect(() => parseTaintsIntent({ add: [{ key: 'k' }] })).toThrow(
      expect.objectContaining({ field: 'add[0].effect' }),
    );
    expect(() => parseDrainOptions({ gracePeriodSeconds: -2 })).toThrow(
      expect.objectContaining({ field: 'gracePeriodSeconds' }),
    );
    expect(() => parseDrainOptions({ timeoutSeconds: 1.5 })).toThrow(
      expect.objectContaining({ field: 'timeoutSeconds' }),
    );
    expect(() => parseDrainOptions({ reason: 'a\u0007b' }, 'params')).toThrow(
      expect.objectContaining({ field: 'params.reason' }),
    );
    expect(parseDrainOptions({ reason: '  kernel upgrade ' }).reason).toBe('kernel upgrade');
    expect(() => validateNodeName('a/../b', 'name')).toThrow(expect.objectContaining({ field: 'name' }));
  });

  it('drain options default to kubectl’s', () => {
    expect(parseDrainOptions(undefined)).toEqual({
      ignoreDaemonSets: false,
      deleteEmptyDirData: false,
      force: false,
      gracePeriodSeconds: -1,
      timeoutSeconds: 0,
      disableEviction: false,
      skipWaitForDeleteTimeoutSeconds: 0,
    });
  });
});

describe('intents become minimal patches', () => {
  const now = new Date('2026-01-02T03:04:05.678Z');
  const node = (o: Partial<KubeNode['metadata']> = {}, spec: KubeNode['spec'] = {}): KubeNode => ({
    metadata: { name: 'n', resourceVersion: '7', ...o },
    spec,
  });

  it('labels: only what changes; creates the map when the node has none; escapes keys', () => {
    expect(
      planIntent(node(), { kind: 'labels', labels: { set: { 'example.com/a~b': '1' }, remove: ['x'] } }, now)
        .ops,
    ).toEqual([
      { op: 'add', path: '/metadata/labels', value: {} },
      { op: 'add', path: '/metadata/labels/example.com~1a~0b', value: '1' },
    ]);
    expect(
      planIntent(
        node({ labels: { a: '1', x: 'y' } }),
        { kind: 'labels', labels: { set: { a: '1' }, remove: ['x', 'z'] } },
        now,
      ).ops,
    ).toEqual([{ op: 'remove', path: '/metadata/labels/x' }]);
  });

  it('cordon writes the annotations; uncordon removes only what is there', () => {
    expect(planIntent(node(), { kind: 'cordon', reason: 'r', by: 'u' }, now).ops).toEqual([
      { op: 'add', path: '/spec/unschedulable', value: true },
      { op: 'add', path: '/metadata/annotations', value: {} },
      { op: 'add', path: '/metadata/annotations/nodes.knm.io~1cordoned-by', value: 'u' },
      { op: 'add', path: '/metadata/annotations/nodes.knm.io~1cordoned-at', value: '2026-01-02T03:04:05Z' },
      { op: 'add', path: '/metadata/annotations/nodes.knm.io~1cordon-reason', value: 'r' },
    ]);
    expect(
      planIntent(
        node({ annotations: { 'nodes.knm.io/cordoned-by': 'u' } }, { unschedulable: true }),
        { kind: 'uncordon' },
        now,
      ).ops,
    ).toEqual([
      { op: 'remove', path: '/spec/unschedulable' },
      { op: 'remove', path: '/metadata/annotations/nodes.knm.io~1cordoned-by' },
    ]);
  });

  it('taints keep order and timeAdded of untouched taints', () => {
    const current = [
      { key: 'a', effect: 'NoExecute' as const, timeAdded: '2020-01-01T00:00:00Z' },
      { key: 'b', value: '1', effect: 'NoSchedule' as const },
    ];
    expect(
      applyTaintChanges(
        current,
        {
          add: [
            { key: 'b', value: '2', effect: 'NoSchedule' },
            { key: 'c', effect: 'PreferNoSchedule' },
          ],
          remove: [],
        },
        now,
      ),
    ).toEqual([
      { key: 'a', effect: 'NoExecute', timeAdded: '2020-01-01T00:00:00Z' },
      { key: 'b', value: '2', effect: 'NoSchedule' },
      { key: 'c', effect: 'PreferNoSchedule' },
    ]);
  });
});
