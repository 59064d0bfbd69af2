import { describe, expect, it } from 'vitest';
import { changedFields } from '../../src/cache/classify.js';
import { ageRowJson, carryRowJson, hasRowJson, rowJson, rowsJson } from '../../src/cache/row-json.js';
import { toDetail, toRow } from '../../src/cache/node-row.js';
import { acceptNode, transformNode } from '../../src/cache/node-transform.js';
import { rawNode } from './fixtures.js';

describe('node transform and rows', () => {
  it('keeps what rows and details show and drops managedFields, images and heartbeats', () => {
    const rec = transformNode(rawNode('n1', { gpu: '4' }));
    const json = JSON.stringify(rec);
    expect(json).not.toContain('managedFields');
    expect(json).not.toContain('pause:3.9');
    expect(json).not.toContain('lastHeartbeatTime');
    expect(json).not.toContain('daemonEndpoints');
    const d = toDetail('c1', rec, 7);
    expect(d).toMatchObject({
      cluster: 'c1',
      name: 'n1',
      status: 'Ready',
      schedulable: true,
      unschedulable: false,
      roles: ['worker'],
      internalIP: '10.0.0.1',
      hostname: 'n1',
      podCount: 7,
      kubeletVersion: 'v1.30.2',
      osImage: 'Ubuntu 22.04.4 LTS',
      containerRuntime: 'containerd://1.7.13',
      architecture: 'amd64',
      createdAt: '2024-12-01T00:00:00Z',
      providerID: 'sim://n1',
      podCIDRs: ['10.244.0.0/24'],
    });
    expect(d.capacity).toMatchObject({
      cpu: '8',
      memory: '32Gi',
      pods: '110',
      gpu: '4',
      'nvidia.com/gpu': '4',
    });
    expect(d.allocatable.cpu).toBe('7800m');
    expect(d.conditions.find((c) => c.type === 'Ready')).toEqual({
      type: 'Ready',
      status: 'True',
      reason: 'KubeletReady',
      message: 'kubelet is posting ready status',
      lastTransitionTime: '2024-12-01T00:00:00Z',
    });
    expect(d.annotations).toEqual({ 'node.alpha.kubernetes.io/ttl': '0' });
    expect(d.systemInfo.bootID).toBe('b-n1');
    expect(d.cordon).toBeUndefined();
  });

  it('derives status from the Ready condition', () => {
    expect(transformNode(rawNode('a', { ready: 'False' })).status).toBe('NotReady');
    expect(transformNode(rawNode('a', { ready: 'Unknown' })).status).toBe('Unknown');
    const noConds = rawNode('a') as { status: { conditions?: unknown } };
    delete noConds.status.conditions;
    expect(transformNode(noConds as never).status).toBe('Unknown');
  });

  it('derives roles from node-role labels and kubernetes.io/role, sorted and unique', () => {
    const rec = transformNode(
      rawNode('a', {
        labels: {
          'node-role.kubernetes.io/control-plane': '',
          'kubernetes.io/role': 'worker',
          'node-role.kubernetes.io/etcd': 'true',
        },
      }),
    );
    expect(rec.roles).toEqual(['control-plane', 'etcd', 'worker']);
  });

  it('shows cordon reason, author and time only while unschedulable', () => {
    const ann = {
      'nodes.knm.io/cordon-reason': 'disk failing',
      'nodes.knm.io/cordoned-by': 'alice',
      'nodes.knm.io/cordoned-at': '2025-01-02T03:04:05Z',
    };
    const row = toRow('c', transformNode(rawNode('a', { unschedulable: true, annotations: ann })), null);
    expect(row).toMatchObject({
      schedulable: false,
      unschedulable: true,
      cordon: { reason: 'disk failing', by: 'alice', at: '2025-01-02T03:04:05Z' },
    });
    expect(toRow('c', transformNode(rawNode('a', { unschedulable: true })), null).cordon).toEqual({});
    expect(toRow('c', transformNode(rawNode('a', { annotations: ann })), null).cordon).toBeUndefined();
  });

  it('AMD GPUs count as gpu too', () => {
    const raw = rawNode('a') as { status: { capacity: Record<string, string> } };
    raw.status.capacity['amd.com/gpu'] = '2';
    expect(transformNode(raw as never).capacity.gpu).toBe('2');
  });

  it('an older resourceVersion is never accepted over a newer one; unknown orders are', () => {
    const r5 = transformNode(rawNode('a', { rv: 5 }));
    const r9 = transformNode(rawNode('a', { rv: 9 }));
    const r10 = transformNode(rawNode('a', { rv: 10 }));
    expect(acceptNode(r10, r9)).toBe(false);
    expect(acceptNode(r9, r10)).toBe(true);
    expect(acceptNode(r5, r5)).toBe(true);
    const opaque = transformNode({
      ...rawNode('a'),
      metadata: { ...rawNode('a').metadata, resourceVersion: 'abc' },
    });
    expect(acceptNode(r10, opaque)).toBe(true);
    // a re-created node (new uid) always wins
    expect(acceptNode(r10, transformNode(rawNode('a', { rv: 2, uid: 'other' })))).toBe(true);
  });
});

describe('rows as JSON text', () => {
  it('says exactly what JSON.stringify(toRow()) says', () => {
    for (const rec of [
      transformNode(
        rawNode('a', {
          gpu: '2',
          unschedulable: true,
          annotations: { 'nodes.knm.io/cordon-reason': 'x "quoted" 磁盘故障 ✓' },
        }),
      ),
      transformNode(rawNode('b', { taints: [{ key: 'k', effect: 'NoSchedule' }] })),
    ]) {
      for (const pc of [null, 0, 17]) {
        expect(JSON.parse(rowJson(JSON.stringify('c"1'), rec, pc))).toEqual(
          JSON.parse(JSON.stringify(toRow('c"1', rec, pc))),
        );
      }
    }
    const recs = [transformNode(rawNode('a')), transformNode(rawNode('b'))];
    expect(
      JSON.parse(rowsJson(recs.map((rec, i) => ({ cluster: `c${i}`, rec, podCount: i }))).toString()),
    ).toEqual(recs.map((rec, i) => JSON.parse(JSON.stringify(toRow(`c${i}`, rec, i)))));
  });

  it('serialised rows unused for two rotations are released; used ones stay', () => {
    const used = transformNode(rawNode('u'));
    const idle = transformNode(rawNode('i'));
    rowJson('"c"', used, 1);
    rowJson('"c"', idle, 1);
    ageRowJson();
    rowJson('"c"', used, 2);
    ageRowJson();
    expect(hasRowJson(used)).toBe(true);
    expect(hasRowJson(idle)).toBe(false);
    expect(JSON.parse(rowJson('"c"', idle, 3))).toEqual(JSON.parse(JSON.stringify(toRow('c', idle, 3))));
  });

  it('a heartbeat carries the serialised row over, with the new resourceVersion', () => {
    const a = transformNode(rawNode('a', { rv: 1 }));
    rowJson('"c"', a, 1);
    const b = transformNode(rawNode('a', { rv: 2, heartbeat: '2025-02-02T00:00:00Z' }));
    carryRowJson(a, b);
    expect(JSON.parse(rowJson('"c"', b, 3))).toEqual(JSON.parse(JSON.stringify(toRow('c', b, 3))));
  });
});

describe('change classifier', () => {
  const base = rawNode('n', { rv: 1 });
  const rec = transformNode(base);

  it('a heartbeat (new rv, new heartbeat times, new managedFields time) is not significant', () => {
    const hb = transformNode(rawNode('n', { rv: 2, heartbeat: '2025-01-01T00:00:40Z' }));
    expect(changedFields(rec, hb)).toEqual([]);
  });

  it('a non-cordon annotation change is not significant', () => {
    expect(
      changedFields(rec, transformNode(rawNode('n', { rv: 2, annotations: { 'x.io/y': 'z' } }))),
    ).toEqual([]);
  });

  const cases: [string, Parameters<typeof rawNode>[1], string[]][] = [
    ['cordon', { unschedulable: true }, ['schedulable']],
    ['cordon annotations', { annotations: { 'nodes.knm.io/cordon-reason': 'x' } }, ['cordon']],
    ['label', { labels: { pool: 'gpu' } }, ['labels']],
    ['role label', { labels: { 'node-role.kubernetes.io/infra': '' } }, ['labels', 'roles']],
    ['taint', { taints: [{ key: 'k', effect: 'NoSchedule' }] }, ['taints']],
    ['NotReady', { ready: 'False' }, ['status', 'conditions']],
    ['capacity', { memory: '64Gi' }, ['capacity', 'allocatable']],
    ['address', { ip: '10.0.0.9' }, ['internalIP']],
    ['kubelet upgrade', { kubelet: 'v1.31.0' }, ['kubeletVersion']],
  ];
  for (const [what, opts, fields] of cases) {
    it(`${what} → ${fields.join(', ')}`, () => {
      expect(
        changedFields(
          rec,
          transformNode(rawNode('n', { rv: 2, heartbeat: '2025-01-01T00:09:00Z', ...opts })),
        ),
      ).toEqual(fields);
    });
  }

  it('a condition reason change alone is significant', () => {
    const raw = rawNode('n', { rv: 2 }) as { status: { conditions: { type: string; reason: string }[] } };
    raw.status.conditions[0]!.reason = 'Other';
    expect(changedFields(rec, transformNode(raw as never))).toEqual(['conditions']);
  });
});
