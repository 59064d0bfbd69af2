// A pod's Deployment is named only when the pod's own pod-template-hash ties it to its ReplicaSet's name.
import { describe, expect, it } from 'vitest';
import { summarizePod } from '../../src/cache/direct.js';

const pod = (owner: { kind: string; name: string } | undefined, labels?: Record<string, string>) =>
  summarizePod({
    metadata: {
      name: 'p',
      namespace: 'shop',
      labels,
      ...(owner ? { ownerReferences: [{ ...owner, controller: true }] } : {}),
    },
  });

describe('the workload behind a pod', () => {
  it('names the Deployment of a ReplicaSet whose name ends in the pod’s template hash', () => {
    const p = pod({ kind: 'ReplicaSet', name: 'web-api-7d9c5b6f4' }, { 'pod-template-hash': '7d9c5b6f4' });
    expect(p).toMatchObject({ ownerKind: 'ReplicaSet', ownerName: 'web-api-7d9c5b6f4' });
    expect(p.workload).toEqual({ kind: 'Deployment', name: 'web-api' });
  });

  it('claims nothing for a hand-made ReplicaSet, another kind, or no owner', () => {
    expect(pod({ kind: 'ReplicaSet', name: 'web-api-7d9c5b6f4' }).workload).toBeUndefined();
    expect(
      pod({ kind: 'ReplicaSet', name: 'web-api' }, { 'pod-template-hash': 'zzz' }).workload,
    ).toBeUndefined();
    expect(
      pod({ kind: 'ReplicaSet', name: '-abc' }, { 'pod-template-hash': 'abc' }).workload,
    ).toBeUndefined();
    expect(pod({ kind: 'StatefulSet', name: 'db-x' }, { 'pod-template-hash': 'x' }).workload).toBeUndefined();
    expect(pod(undefined).workload).toBeUndefined();
  });
});
