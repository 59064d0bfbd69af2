// The simulator's workload controllers and scheduler on a fake clock: what a user sees after an eviction —
// a replacement pod on another schedulable node that becomes Ready after the configured delay, status counts
// that dip and recover, a PodDisruptionBudget that closes and reopens, StatefulSet pods recreated under their
// own name only once the old one is gone.
import { afterEach, describe, expect, it } from 'vitest';
import { evictPod } from '../../src/sim/disruption.js';
import { startSim, type SimServer } from '../../src/sim/index.js';
import type { KObject, PdbObject, PodObject } from '../../src/sim/types.js';

function fakeClock() {
  let now = Date.parse('2030-01-01T00:00:00Z');
  const timers: { at: number; fn: () => void }[] = [];
  return {
    clock: {
      now: () => now,
      setTimeout: (fn: () => void, ms: number) => {
        const t = { at: now + ms, fn };
        timers.push(t);
        return t;
      },
      clearTimeout: (h: unknown) => {
        const i = timers.indexOf(h as (typeof timers)[number]);
        if (i >= 0) timers.splice(i, 1);
      },
    },
    /** Moves time forward, running every timer that falls due on the way (including ones those start). */
    advance(ms: number): void {
      const end = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const t = timers[0];
        if (!t || t.at > end) break;
        timers.shift();
        now = Math.max(now, t.at);
        t.fn();
      }
      now = end;
    },
  };
}

const READY_DELAY = 5_000;
let sim: SimServer | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function world(nodes: number, opts: { cpu?: string } = {}) {
  const fc = fakeClock();
  sim = await startSim({
    nodes: 0,
    clock: fc.clock,
    gracePeriodScale: 0.01,
    bookmarkIntervalMs: 3_600_000,
    workloads: { readyDelayMs: READY_DELAY },
  });
  const s = sim.state;
  for (let i = 1; i <= nodes; i++) {
    const capacity = { cpu: opts.cpu ?? '8', memory: '32Gi', pods: '110' };
    s.createNode({
      metadata: { name: `n${i}`, labels: { 'kubernetes.io/hostname': `n${i}` } },
      spec: {},
      status: {
        capacity,
        allocatable: capacity,
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    });
  }
  return { s, fc };
}

const template = (labels: Record<string, string>, cpu = '100m') => ({
  metadata: { labels },
  spec: { containers: [{ name: 'main', image: 'app:1', resources: { requests: { cpu } } }] },
});

const ready = (p: PodObject) =>
  (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

describe('simulated workload controllers', () => {
  it('keeps a Deployment at its replicas: an evicted pod is replaced on another node and becomes Ready after the delay', async () => {
    const { s, fc } = await world(4);
    s.createDeployment({
      metadata: { name: 'web', namespace: 'shop' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template({ app: 'web' }) },
    });
    s.createPdb({
      metadata: { name: 'web', namespace: 'shop' },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
    });
    fc.advance(READY_DELAY + 100);
    const pods = await s.list<PodObject>('pods', { namespace: 'shop' });
    expect(pods).toHaveLength(3);
    expect(pods.every(ready)).toBe(true);
    // Spread: three pods of one owner on three different nodes.
    expect(new Set(pods.map((p) => p.spec.nodeName)).size).toBe(3);
    const rs = (await s.list('replicasets', { namespace: 'shop' }))[0]!;
    expect(rs.metadata.name).toMatch(/^web-[a-z0-9]{10}$/);
    expect(pods.every((p) => p.metadata.name.startsWith(`${rs.metadata.name}-`))).toBe(true);
    expect(pods[0]!.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'ReplicaSet',
      name: rs.metadata.name,
      controller: true,
    });
    expect(s.get('deployments', 'web', 'shop')!.status).toMatchObject({
      replicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      updatedReplicas: 3,
    });
    expect(s.getPdb('shop', 'web')!.status).toMatchObject({ disruptionsAllowed: 1, currentHealthy: 3 });

    const victim = pods[0]!;
    s.updateNode(victim.spec.nodeName!, (n) => {
      n.spec.unschedulable = true;
    });
    expect(evictPod(s, 'shop', victim.metadata.name, { metadata: { name: victim.metadata.name } }).code).toBe(
      201,
    );
    expect(s.getPdb('shop', 'web')!.status?.disruptionsAllowed).toBe(0);
    fc.advance(100);
    const during = await s.list<PodObject>('pods', { namespace: 'shop' });
    const replacement = during.find((p) => !pods.some((o) => o.metadata.name === p.metadata.name))!;
    expect(replacement.spec.nodeName).toBeDefined();
    expect(replacement.spec.nodeName).not.toBe(victim.spec.nodeName);
    expect(ready(replacement)).toBe(false);
    expect(s.get('deployments', 'web', 'shop')!.status).toMatchObject({ readyReplicas: 2 });
    expect(s.getPdb('shop', 'web')!.status?.disruptionsAllowed).toBe(0);

    fc.advance(READY_DELAY);
    expect(ready(s.getPod('shop', replacement.metadata.name)!)).toBe(true);
    expect(s.get('deployments', 'web', 'shop')!.status).toMatchObject({ readyReplicas: 3 });
    expect(s.getPdb('shop', 'web')!.status).toMatchObject({ disruptionsAllowed: 1, currentHealthy: 3 });
    expect(s.getPod('shop', victim.metadata.name)).toBeUndefined();
  });

  it('recreates a StatefulSet pod under the same name once the old one is gone', async () => {
    const { s, fc } = await world(3);
    s.createStatefulSet({
      metadata: { name: 'db', namespace: 'shop' },
      spec: {
        replicas: 3,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: template({ app: 'db' }),
      },
    });
    // OrderedReady: one ordinal at a time, each after the previous is Ready.
    fc.advance(READY_DELAY + 100);
    expect((await s.list('pods', { namespace: 'shop' })).map((p) => p.metadata.name)).toEqual([
      'db-0',
      'db-1',
    ]);
    fc.advance(2 * (READY_DELAY + 100));
    expect(s.get('statefulsets', 'db', 'shop')!.status).toMatchObject({
      replicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    });
    const old = s.getPod('shop', 'db-1')!;
    s.deletePod('shop', 'db-1', { gracePeriodSeconds: 30 });
    fc.advance(100);
    // Terminating (30 s × 0.01 = 300 ms): not replaced yet.
    expect(s.getPod('shop', 'db-1')!.metadata.uid).toBe(old.metadata.uid);
    fc.advance(300);
    const again = s.getPod('shop', 'db-1')!;
    expect(again.metadata.uid).not.toBe(old.metadata.uid);
    expect(again.metadata.labels).toMatchObject({
      app: 'db',
      'statefulset.kubernetes.io/pod-name': 'db-1',
      'apps.kubernetes.io/pod-index': '1',
    });
    expect(again.spec).toMatchObject({ hostname: 'db-1', subdomain: 'db' });
    expect(s.get('statefulsets', 'db', 'shop')!.status).toMatchObject({ readyReplicas: 2 });
    fc.advance(READY_DELAY + 100);
    expect(s.get('statefulsets', 'db', 'shop')!.status).toMatchObject({ readyReplicas: 3 });
  });

  it('binds only to schedulable, Ready nodes whose taints the pod tolerates and whose capacity fits', async () => {
    const { s, fc } = await world(4, { cpu: '1' });
    s.updateNode('n1', (n) => {
      n.spec.unschedulable = true;
    });
    s.updateNode('n2', (n) => {
      n.spec.taints = [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }];
    });
    s.updateNode('n3', (n) => {
      n.status.conditions = [{ type: 'Ready', status: 'False' }];
    });
    s.createReplicaSet({
      metadata: { name: 'big', namespace: 'shop' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'big' } },
        template: template({ app: 'big' }, '600m'),
      },
    });
    fc.advance(READY_DELAY + 100);
    const pods = await s.list<PodObject>('pods', { namespace: 'shop' });
    expect(pods).toHaveLength(3);
    const bound = pods.filter((p) => p.spec.nodeName);
    // Only n4 qualifies, and 1 cpu holds one 600m pod.
    expect(bound.map((p) => p.spec.nodeName)).toEqual(['n4']);
    const pending = pods.filter((p) => !p.spec.nodeName);
    expect(pending[0]!.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }),
    );
    expect(s.get('replicasets', 'big', 'shop')!.status).toMatchObject({ replicas: 3, readyReplicas: 1 });
    // Uncordoning a node lets one more in.
    s.updateNode('n1', (n) => {
      n.spec.unschedulable = false;
    });
    fc.advance(100);
    expect(
      (await s.list<PodObject>('pods', { namespace: 'shop' })).filter((p) => p.spec.nodeName === 'n1'),
    ).toHaveLength(1);
    // A toleration opens the tainted node to a new workload.
    s.createReplicaSet({
      metadata: { name: 'gpu', namespace: 'shop' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'gpu' } },
        template: {
          ...template({ app: 'gpu' }, '600m'),
          spec: {
            ...template({ app: 'gpu' }, '600m').spec,
            tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
          },
        },
      },
    });
    fc.advance(100);
    const gpu = (await s.list<PodObject>('pods', { namespace: 'shop', labelSelector: 'app=gpu' }))[0]!;
    expect(gpu.spec.nodeName).toBe('n2');
  });

  it('counts a StatefulSet PodDisruptionBudget against the StatefulSet scale', async () => {
    const { s, fc } = await world(3);
    s.createStatefulSet({
      metadata: { name: 'db', namespace: 'shop' },
      spec: {
        replicas: 3,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: { app: 'db' } },
        template: template({ app: 'db' }),
      },
    });
    s.createPdb({
      metadata: { name: 'db', namespace: 'shop' },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'db' } } },
    });
    fc.advance(READY_DELAY + 100);
    const pdb = s.getPdb('shop', 'db') as PdbObject;
    expect(pdb.status).toMatchObject({
      expectedPods: 3,
      desiredHealthy: 2,
      currentHealthy: 3,
      disruptionsAllowed: 1,
    });
    const sts = s.get('statefulsets', 'db', 'shop') as KObject;
    expect(sts.status).toMatchObject({ replicas: 3, readyReplicas: 3 });
  });
});
