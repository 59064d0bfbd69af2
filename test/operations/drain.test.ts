// Drain against the simulated API server, compared with what kubectl drain does with the same options
// (k8s.io/kubectl/pkg/drain): filters and their order, refusal before any eviction, PDB-respecting eviction
// with back-off on 429 and never a DELETE while eviction is enabled, waiting for pods to be gone, timeout,
// cancellation, and the dry-run preview.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DrainError,
  NodeOperations,
  parseDrainOptions,
  scaledClock,
  type DrainOptions,
  type DrainProgress,
  type KubeNode,
} from '../../src/operations/index.js';
import { operator, pod, readyNode, simFixture, until, type Fixture, type PodSpec } from './fixtures.js';

let f: Fixture;
beforeEach(async () => {
  f = await simFixture({ nodes: 0 });
  f.sim.state.createNode(readyNode('spare'));
});
afterEach(async () => {
  await f.close();
});

const evictions = () => f.sim.requestCount({ verb: 'create', resource: 'pods/eviction' });
const podDeletes = () => f.sim.requestCount({ verb: 'delete', resource: 'pods' });
const podExists = (ns: string, name: string) => f.sim.state.getPod(ns, name) !== undefined;

/** One node with one pod of every kind kubectl drain treats differently, in its own namespace. */
function populate(node: string, ns: string): PodSpec[] {
  f.sim.state.createNode(readyNode(node));
  f.sim.state.createDaemonSet({
    metadata: { name: 'ds', namespace: ns },
    spec: {
      selector: { matchLabels: { app: 'ds' } },
      template: { metadata: { labels: { app: 'ds' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
    },
  });
  const web = { app: 'web' };
  const specs: Omit<PodSpec, 'ns' | 'node'>[] = [
    { name: 'ds-pod', owner: { kind: 'DaemonSet', name: 'ds' }, labels: { app: 'ds' } },
    { name: 'ds-finished', owner: { kind: 'DaemonSet', name: 'ds' }, phase: 'Succeeded' },
    { name: 'orphan-ds-pod', owner: { kind: 'DaemonSet', name: 'gone' } },
    { name: 'mirror-pod', mirror: true },
    { name: 'emptydir-pod', owner: { kind: 'ReplicaSet', name: 'rs' }, emptyDir: true },
    { name: 'emptydir-unmanaged', emptyDir: true },
    { name: 'unmanaged-pod' },
    { name: 'finished-pod', phase: 'Failed' },
    { name: 'rs-pod', owner: { kind: 'ReplicaSet', name: 'rs' } },
    { name: 'pdb-pod', owner: { kind: 'ReplicaSet', name: 'web' }, labels: web },
  ];
  const pods: PodSpec[] = specs.map((p) => ({ ...p, ns, node }));
  for (const p of pods) f.sim.state.createPod(pod(p));
  // The budget allows one disruption: another healthy replica runs elsewhere.
  f.sim.state.createPod(
    pod({ ns, name: 'pdb-replica', node: 'spare', owner: { kind: 'ReplicaSet', name: 'web' }, labels: web }),
  );
  f.sim.state.createPdb({
    metadata: { name: 'web', namespace: ns },
    spec: { minAvailable: 1, selector: { matchLabels: web } },
  });
  return pods;
}

/** kubectl's decision per pod, written out per option (the table the implementation must match). */
function kubectlExpects(o: DrainOptions): Record<string, 'evict' | 'delete' | 'skip' | 'blocked'> {
  const remove = o.disableEviction ? 'delete' : 'evict';
  return {
    'ds-pod': o.ignoreDaemonSets ? 'skip' : 'blocked',
    'ds-finished': remove,
    'orphan-ds-pod': o.force ? remove : 'blocked',
    'mirror-pod': 'skip',
    'emptydir-pod': o.deleteEmptyDirData ? remove : 'blocked',
    'emptydir-unmanaged': o.deleteEmptyDirData && o.force ? remove : 'blocked',
    'unmanaged-pod': o.force ? remove : 'blocked',
    'finished-pod': remove,
    'rs-pod': remove,
    'pdb-pod': remove,
  };
}

const combos: Partial<DrainOptions>[] = [];
for (const ignoreDaemonSets of [false, true])
  for (const deleteEmptyDirData of [false, true])
    for (const force of [false, true]) combos.push({ ignoreDaemonSets, deleteEmptyDirData, force });
combos.push({ ignoreDaemonSets: true, deleteEmptyDirData: true, force: true, disableEviction: true });

describe.each(combos)('drain with %o', (partial) => {
  const opts = parseDrainOptions(partial);
  const expected = kubectlExpects(opts);
  const allowed = Object.values(expected).every((a) => a !== 'blocked');

  it('dry run reports what kubectl would do, pod by pod, and changes nothing', async () => {
    populate('n1', 'team');
    const preview = await f.ops.previewDrain('c1', 'n1', opts);
    const got = Object.fromEntries(preview.pods.map((p) => [p.name, p.action]));
    expect(got).toEqual(expected);
    expect(preview.wouldSucceed).toBe(allowed);
    const byName = Object.fromEntries(preview.pods.map((p) => [p.name, p]));
    if (expected['ds-pod'] === 'blocked')
      expect(byName['ds-pod']).toMatchObject({
        cause: 'daemonset',
        reason: expect.stringContaining('ignoreDaemonSets'),
      });
    else expect(byName['ds-pod']).toMatchObject({ cause: 'daemonset' });
    expect(byName['mirror-pod']).toMatchObject({ cause: 'mirror' });
    expect(byName['finished-pod']).toMatchObject({ cause: 'finished' });
    if (!opts.deleteEmptyDirData) expect(byName['emptydir-unmanaged']).toMatchObject({ cause: 'emptydir' });
    else if (!opts.force) expect(byName['emptydir-unmanaged']).toMatchObject({ cause: 'unmanaged' });
    if (!opts.force)
      expect(byName['orphan-ds-pod']).toMatchObject({ cause: 'daemonset-missing', action: 'blocked' });
    expect(evictions() + podDeletes()).toBe(0);
    expect((f.sim.state.getNode('n1') as unknown as KubeNode).spec?.unschedulable).toBeFalsy();
  });

  it('real drain: cordons, then evicts exactly those pods or refuses before evicting anything', async () => {
    const pods = populate('n1', 'team');
    const run = f.ops.drain(operator, 'c1', 'n1', opts);
    if (!allowed) {
      const err = await run.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DrainError);
      expect(err).toMatchObject({ kind: 'blocked', message: expect.stringContaining('nothing was evicted') });
      expect(evictions() + podDeletes()).toBe(0);
      for (const p of pods) expect(podExists('team', p.name)).toBe(true);
    } else {
      const r = await run;
      const removed = Object.entries(expected)
        .filter(([, a]) => a === 'evict' || a === 'delete')
        .map(([n]) => n);
      expect(r.removed).toBe(removed.length);
      for (const p of pods) expect(podExists('team', p.name)).toBe(!removed.includes(p.name));
      if (opts.disableEviction) {
        expect(evictions()).toBe(0);
        expect(podDeletes()).toBe(removed.length);
      } else {
        expect(podDeletes()).toBe(0);
        expect(evictions()).toBe(removed.length);
      }
    }
    // kubectl cordons first and leaves the node cordoned either way.
    expect((f.sim.state.getNode('n1') as unknown as KubeNode).spec?.unschedulable).toBe(true);
  });
});

describe('PodDisruptionBudget that allows no disruption', () => {
  function guarded() {
    f.sim.state.createNode(readyNode('n1'));
    const db = { app: 'db' };
    f.sim.state.createPod(
      pod({ ns: 'data', name: 'db-0', node: 'n1', owner: { kind: 'StatefulSet', name: 'db' }, labels: db }),
    );
    f.sim.state.createPdb({
      metadata: { name: 'db', namespace: 'data' },
      spec: { minAvailable: 1, selector: { matchLabels: db } },
    });
  }

  it('dry run marks the pod blocked by the budget', async () => {
    guarded();
    const p = await f.ops.previewDrain('c1', 'n1', parseDrainOptions({}));
    expect(p.wouldSucceed).toBe(false);
    expect(p.pods).toEqual([
      expect.objectContaining({
        name: 'db-0',
        action: 'blocked',
        cause: 'pdb',
        reason: expect.stringContaining('"db"'),
      }),
    ]);
  });

  it('the drain waits and retries until the budget allows, and never deletes the pod directly', async () => {
    guarded();
    const progress: DrainProgress[] = [];
    const run = f.ops.drain(operator, 'c1', 'n1', parseDrainOptions({}), {
      onProgress: (p) => progress.push(p),
    });
    await until(() => evictions() >= 4, 10_000, 'repeated eviction attempts');
    expect(podExists('data', 'db-0')).toBe(true);
    expect(progress.some((p) => p.waitingForBudget === 1)).toBe(true);
    // A second replica becomes healthy elsewhere: the budget now allows one disruption.
    f.sim.state.createPod(
      pod({
        ns: 'data',
        name: 'db-1',
        node: 'spare',
        owner: { kind: 'StatefulSet', name: 'db' },
        labels: { app: 'db' },
      }),
    );
    const r = await run;
    expect(r.removed).toBe(1);
    expect(podExists('data', 'db-0')).toBe(false);
    expect(podExists('data', 'db-1')).toBe(true);
    expect(podDeletes()).toBe(0);
    expect(progress.at(-1)).toMatchObject({ total: 1, gone: 1, waitingForBudget: 0, failed: 0 });
  });

  it('a pod replaced under the same name while the drain waits is reported gone; the new one is left alone', async () => {
    guarded();
    const original = f.sim.state.getPod('data', 'db-0')!.metadata.uid;
    const progress: DrainProgress[] = [];
    const run = f.ops.drain(operator, 'c1', 'n1', parseDrainOptions({}), {
      onProgress: (p) => progress.push(p),
    });
    await until(() => evictions() >= 2, 10_000, 'eviction attempts');
    // Someone else removes db-0; its StatefulSet recreates it on another node, and a second replica makes the
    // budget allow a disruption, so an eviction by name alone would now succeed against the new pod.
    f.sim.state.deletePod('data', 'db-0', { gracePeriodSeconds: 0 });
    const replica = (name: string) =>
      pod({
        ns: 'data',
        name,
        node: 'spare',
        owner: { kind: 'StatefulSet', name: 'db' },
        labels: { app: 'db' },
      });
    f.sim.state.createPod(replica('db-0'));
    f.sim.state.createPod(replica('db-1'));
    const r = await run;
    expect(r.removed).toBe(1);
    const now = f.sim.state.getPod('data', 'db-0');
    expect(now?.spec?.nodeName).toBe('spare');
    expect(now?.metadata.uid).not.toBe(original);
    expect(now?.metadata.deletionTimestamp).toBeUndefined();
    expect(podDeletes()).toBe(0);
    expect(progress.at(-1)).toMatchObject({ total: 1, gone: 1, evicted: 0, failed: 0 });
  });

  it('a timeout ends the wait with a failure and the pod untouched', async () => {
    guarded();
    // Time 100× faster here (30 s → 0.3 s), so HTTP round trips stay small against the 5 s back-off.
    const clock = scaledClock(0.01);
    const ops = new NodeOperations({ clients: f.clients, nodes: f.nodes, guardMinSchedulable: 0.7, clock });
    const t0 = clock.now();
    const err = await ops
      .drain(operator, 'c1', 'n1', parseDrainOptions({ timeoutSeconds: 30 }))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      kind: 'failed',
      message: expect.stringContaining('global timeout reached: 30s'),
    });
    // At most one attempt per 5 s back-off, and more than one attempt.
    expect(clock.now() - t0).toBeGreaterThanOrEqual(30_000);
    expect(evictions()).toBeGreaterThanOrEqual(2);
    expect(evictions()).toBeLessThanOrEqual(7);
    expect(podExists('data', 'db-0')).toBe(true);
    expect(podDeletes()).toBe(0);
  });

  it('cancellation stops the wait; the node stays cordoned and the pod untouched', async () => {
    guarded();
    const ac = new AbortController();
    const run = f.ops
      .drain(operator, 'c1', 'n1', parseDrainOptions({}), { signal: ac.signal })
      .catch((e: unknown) => e);
    await until(() => evictions() >= 2, 10_000, 'eviction attempts');
    ac.abort();
    expect(await run).toMatchObject({
      kind: 'cancelled',
      message: expect.stringContaining('stays cordoned'),
    });
    expect(podExists('data', 'db-0')).toBe(true);
    expect(podDeletes()).toBe(0);
    expect((f.sim.state.getNode('n1') as unknown as KubeNode).spec?.unschedulable).toBe(true);
  });
});

describe('details of the eviction loop', () => {
  it('waits for each evicted pod to be gone, honouring the pod grace period (-1) or the given one', async () => {
    f.sim.state.createNode(readyNode('n1'));
    f.sim.state.createPod(
      pod({ ns: 'a', name: 'slow', node: 'n1', owner: { kind: 'ReplicaSet', name: 'r' }, grace: 600 }),
    );
    // 600 s grace at 1/1000 time in the simulated kubelet: the pod lingers ~0.6 s after eviction.
    const started = Date.now();
    await f.ops.drain(operator, 'c1', 'n1', parseDrainOptions({}));
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(podExists('a', 'slow')).toBe(false);

    // 30,000 s of pod grace would keep this one ~30 s; the drain's grace period of 0 overrides it.
    f.sim.state.createNode(readyNode('n2'));
    f.sim.state.createPod(
      pod({ ns: 'a', name: 'quick', node: 'n2', owner: { kind: 'ReplicaSet', name: 'r' }, grace: 30_000 }),
    );
    const t2 = Date.now();
    await f.ops.drain(operator, 'c1', 'n2', parseDrainOptions({ gracePeriodSeconds: 0 }));
    expect(Date.now() - t2).toBeLessThan(10_000);
    expect(podExists('a', 'quick')).toBe(false);
  });

  it('reports evicted, terminating and gone apart, and a cancel counts accepted evictions as removed', async () => {
    f.sim.state.createNode(readyNode('n1'));
    for (const name of ['a1', 'a2', 'a3'])
      f.sim.state.createPod(
        pod({ ns: 'a', name, node: 'n1', owner: { kind: 'ReplicaSet', name: 'r' }, grace: 30_000 }),
      );
    f.sim.state.createPod(
      pod({ ns: 'a', name: 'b1', node: 'n1', owner: { kind: 'ReplicaSet', name: 'r' }, grace: 0 }),
    );
    const progress: DrainProgress[] = [];
    const ac = new AbortController();
    const run = f.ops
      .drain(operator, 'c1', 'n1', parseDrainOptions({}), {
        signal: ac.signal,
        onProgress: (p) => progress.push(p),
      })
      .catch((e: unknown) => e);
    // Every eviction accepted; the quick pod gone, three still terminating (30 s of grace each).
    await until(
      () => progress.some((p) => p.evicted === 4 && p.gone === 1 && p.terminating === 3),
      10_000,
      'evictions accepted and one pod gone',
    );
    ac.abort();
    const err = (await run) as DrainError;
    expect(err.kind).toBe('cancelled');
    expect(err.message).toBe(
      'cancelled: 4 of 4 pods removed or on their way out (1 gone, 3 still terminating after their eviction), ' +
        '0 left on the node; the node stays cordoned',
    );
    expect(podDeletes()).toBe(0);
  });

  it('skips pods terminating for longer than skipWaitForDeleteTimeoutSeconds', async () => {
    // Here the simulated kubelet keeps real grace periods, so a deleted pod stays terminating for 30 s.
    const g = await simFixture({ gracePeriodScale: 1 });
    try {
      g.sim.state.createNode(readyNode('n1'));
      g.sim.state.createPod(
        pod({ ns: 'a', name: 'stuck', node: 'n1', owner: { kind: 'ReplicaSet', name: 'r' } }),
      );
      g.sim.state.createPod(
        pod({ ns: 'a', name: 'ok', node: 'n1', owner: { kind: 'ReplicaSet', name: 'r' }, grace: 0 }),
      );
      g.sim.state.deletePod('a', 'stuck');
      // deletionTimestamp is when the grace period ends; kubectl counts from there.
      const since = Date.parse(g.sim.state.getPod('a', 'stuck')!.metadata.deletionTimestamp!);
      await until(
        () => g.clock.now() - since > 62_000,
        5_000,
        'the pod to be terminating for over 60 virtual seconds',
      );
      const opts = parseDrainOptions({ skipWaitForDeleteTimeoutSeconds: 60 });
      const p = await g.ops.previewDrain('c1', 'n1', opts);
      expect(Object.fromEntries(p.pods.map((x) => [x.name, [x.action, x.cause]]))).toEqual({
        stuck: ['skip', 'terminating'],
        ok: ['evict', 'removable'],
      });
      const r = await g.ops.drain(operator, 'c1', 'n1', opts);
      expect(r.removed).toBe(1);
      expect(g.sim.requestCount({ verb: 'create', resource: 'pods/eviction' })).toBe(1);
      expect(g.sim.state.getPod('a', 'stuck')).toBeDefined();
    } finally {
      await g.close();
    }
  });

  it('podSelector limits the drain to matching pods', async () => {
    f.sim.state.createNode(readyNode('n1'));
    f.sim.state.createPod(
      pod({
        ns: 'a',
        name: 'x',
        node: 'n1',
        owner: { kind: 'ReplicaSet', name: 'r' },
        labels: { tier: 'batch' },
      }),
    );
    f.sim.state.createPod(pod({ ns: 'a', name: 'y', node: 'n1', labels: { tier: 'web' } }));
    const r = await f.ops.drain(operator, 'c1', 'n1', parseDrainOptions({ podSelector: 'tier=batch' }));
    expect(r.removed).toBe(1);
    expect(podExists('a', 'x')).toBe(false);
    expect(podExists('a', 'y')).toBe(true);
  });

  it('an eviction error other than 429/404 fails that pod (reported), without a DELETE', async () => {
    f.sim.state.createNode(readyNode('n1'));
    f.sim.state.createPod(pod({ ns: 'a', name: 'x', node: 'n1', owner: { kind: 'ReplicaSet', name: 'r' } }));
    f.sim.state.createPod(pod({ ns: 'a', name: 'y', node: 'n1', owner: { kind: 'ReplicaSet', name: 'r' } }));
    f.sim.injectFailures({
      verb: 'create',
      resource: 'pods/eviction',
      name: 'y',
      status: 500,
      times: 1,
      message: 'etcd hiccup',
    });
    const err = await f.ops.drain(operator, 'c1', 'n1', parseDrainOptions({})).catch((e: unknown) => e);
    expect(err).toMatchObject({
      kind: 'failed',
      message: expect.stringMatching(/1 of 2 pods.*a\/y.*etcd hiccup/),
    });
    expect(podExists('a', 'x')).toBe(false);
    expect(podExists('a', 'y')).toBe(true);
    expect(podDeletes()).toBe(0);
  });

  it('unknown node → 404', async () => {
    await expect(f.ops.previewDrain('c1', 'nope', parseDrainOptions({}))).rejects.toMatchObject({
      status: 404,
    });
    await expect(f.ops.drain(operator, 'c1', 'nope', parseDrainOptions({}))).rejects.toMatchObject({
      status: 404,
    });
  });
});
