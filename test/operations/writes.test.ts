// Cordon, labels and taints against the simulated API server: semantics users see on the node, no-op
// repeats without writes, and conflict safety under real concurrency.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors.js';
import type { KubeClient, RequestOptions } from '../../src/kube/client.js';
import {
  CORDONED_AT_ANNOTATION,
  CORDONED_BY_ANNOTATION,
  CORDON_REASON_ANNOTATION,
  NodeOperations,
  parseLabelsIntent,
  parseTaintsIntent,
  type KubeNode,
} from '../../src/operations/index.js';
import { admin, operator, readyNode, simFixture, type Fixture } from './fixtures.js';

let f: Fixture;
beforeEach(async () => {
  f = await simFixture({ nodes: 10 });
});
afterEach(async () => {
  await f.close();
});

const node = (name = 'node-0000') => f.sim.state.getNode(name) as unknown as KubeNode;
const patches = () => f.sim.requestCount({ verb: 'patch', resource: 'nodes' });

describe('cordon and uncordon', () => {
  it('records reason, who and when on the node, and uncordon clears them', async () => {
    const r = await f.ops.cordon(operator, 'c1', 'node-0000', { reason: 'disk errors, RMA #42' });
    expect(r.changed).toBe(true);
    const n = node();
    expect(n.spec?.unschedulable).toBe(true);
    expect(n.metadata.annotations?.[CORDON_REASON_ANNOTATION]).toBe('disk errors, RMA #42');
    expect(n.metadata.annotations?.[CORDONED_BY_ANNOTATION]).toBe('oscar');
    expect(Date.parse(n.metadata.annotations![CORDONED_AT_ANNOTATION]!)).toBeGreaterThan(Date.now() - 60_000);
    // The answer already shows the write (read-your-writes), before any watch could deliver it.
    expect(r.node).toMatchObject({
      name: 'node-0000',
      unschedulable: true,
      cordon: { reason: 'disk errors, RMA #42', by: 'oscar' },
    });

    const u = await f.ops.uncordon(operator, 'c1', 'node-0000');
    expect(u.changed).toBe(true);
    expect(node().spec?.unschedulable).toBeFalsy();
    for (const k of [CORDON_REASON_ANNOTATION, CORDONED_BY_ANNOTATION, CORDONED_AT_ANNOTATION]) {
      expect(node().metadata.annotations?.[k]).toBeUndefined();
    }
    expect(u.node).toMatchObject({ unschedulable: false, schedulable: true });
  });

  it('repeating a cordon or an uncordon succeeds without writing', async () => {
    await f.ops.cordon(operator, 'c1', 'node-0001', { reason: 'first' });
    const before = patches();
    const again = await f.ops.cordon(admin, 'c1', 'node-0001', { reason: 'second' });
    expect(again.changed).toBe(false);
    expect(patches()).toBe(before);
    // The first cordon's who and why stay.
    expect(node('node-0001').metadata.annotations?.[CORDON_REASON_ANNOTATION]).toBe('first');

    const u1 = await f.ops.uncordon(operator, 'c1', 'node-0002');
    expect(u1.changed).toBe(false);
    expect(patches()).toBe(before);
  });

  it('a node cordoned elsewhere (kubectl) shows as cordoned with no reason, and uncordons', async () => {
    f.sim.state.updateNode('node-0003', (n) => {
      (n.spec as Record<string, unknown>).unschedulable = true;
    });
    const r = await f.ops.cordon(operator, 'c1', 'node-0003', { reason: 'x' });
    expect(r.changed).toBe(false);
    expect(r.node).toMatchObject({ unschedulable: true, cordon: {} });
    expect((r.node as { cordon: object }).cordon).toEqual({});
    expect((await f.ops.uncordon(operator, 'c1', 'node-0003')).changed).toBe(true);
    expect(node('node-0003').spec?.unschedulable).toBeFalsy();
  });

  it('unknown node → 404 with no write; unknown cluster → 404', async () => {
    await expect(f.ops.cordon(operator, 'c1', 'nope', {})).rejects.toMatchObject({ status: 404 });
    await expect(f.ops.uncordon(operator, 'c1', 'nope')).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining('nope'),
    });
    await expect(f.ops.uncordon(operator, 'other', 'node-0000')).rejects.toMatchObject({ status: 404 });
    expect(patches()).toBe(0);
  });
});

describe('labels', () => {
  it('sets and removes many keys in one request', async () => {
    await f.ops.labels(
      operator,
      'c1',
      'node-0000',
      parseLabelsIntent({ set: { a: '1', 'example.com/pool': 'gpu' } }),
    );
    const r = await f.ops.labels(
      operator,
      'c1',
      'node-0000',
      parseLabelsIntent({ set: { b: '2', a: '3' }, remove: ['example.com/pool', 'absent'] }),
    );
    expect(r.changed).toBe(true);
    expect(node().metadata.labels).toMatchObject({ a: '3', b: '2', 'kubernetes.io/hostname': 'node-0000' });
    expect(node().metadata.labels?.['example.com/pool']).toBeUndefined();
    expect(patches()).toBe(2);
    const same = await f.ops.labels(
      operator,
      'c1',
      'node-0000',
      parseLabelsIntent({ set: { a: '3' }, remove: ['absent'] }),
    );
    expect(same.changed).toBe(false);
    expect(patches()).toBe(2);
  });

  it('system keys need allowSystem and the right grant (403 with the reason), before any call', async () => {
    const calls = f.client.callCount;
    const intent = parseLabelsIntent({ set: { 'node-role.kubernetes.io/worker': '' } });
    await expect(f.ops.labels(operator, 'c1', 'node-0000', intent)).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining('allowSystem'),
    });
    const withFlag = parseLabelsIntent({ set: { 'node.kubernetes.io/x': 'y' }, allowSystem: true });
    await expect(f.ops.labels(operator, 'c1', 'node-0000', withFlag)).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining('grant'),
    });
    await expect(
      f.ops.labels(admin, 'c1', 'node-0000', parseLabelsIntent({ remove: ['k8s.io/thing'] })),
    ).rejects.toMatchObject({ status: 403 });
    expect(f.client.callCount).toBe(calls);
    const granted = { ...operator, canOverrideSystemLabels: true };
    expect((await f.ops.labels(granted, 'c1', 'node-0000', withFlag)).changed).toBe(true);
    expect(node().metadata.labels?.['node.kubernetes.io/x']).toBe('y');
  });
});

describe('taints (kubectl semantics: key + effect)', () => {
  it('adds, replaces by key+effect, removes one effect or all effects of a key', async () => {
    const t = (b: unknown) => f.ops.taints(operator, 'c1', 'node-0000', parseTaintsIntent(b));
    await t({
      add: [
        { key: 'gpu', value: 'a100', effect: 'NoSchedule' },
        { key: 'gpu', effect: 'PreferNoSchedule' },
        { key: 'maint', effect: 'NoExecute' },
      ],
    });
    expect(node().spec?.taints?.map((x) => `${x.key}=${x.value ?? ''}:${x.effect}`)).toEqual([
      'gpu=a100:NoSchedule',
      'gpu=:PreferNoSchedule',
      'maint=:NoExecute',
    ]);
    expect(node().spec?.taints?.[2]?.timeAdded).toBeTruthy();

    await t({ add: [{ key: 'gpu', value: 'h100', effect: 'NoSchedule' }] });
    expect(node().spec?.taints?.map((x) => `${x.key}=${x.value ?? ''}:${x.effect}`)).toEqual([
      'gpu=h100:NoSchedule',
      'gpu=:PreferNoSchedule',
      'maint=:NoExecute',
    ]);

    await t({ remove: [{ key: 'gpu', effect: 'PreferNoSchedule' }] });
    expect(node().spec?.taints?.map((x) => `${x.key}:${x.effect}`)).toEqual([
      'gpu:NoSchedule',
      'maint:NoExecute',
    ]);

    await t({ add: [{ key: 'gpu', effect: 'PreferNoSchedule' }] });
    await t({ remove: [{ key: 'gpu' }] });
    expect(node().spec?.taints?.map((x) => `${x.key}:${x.effect}`)).toEqual(['maint:NoExecute']);

    const before = patches();
    expect((await t({ remove: [{ key: 'gpu' }] })).changed).toBe(false);
    expect(patches()).toBe(before);
    await t({ remove: [{ key: 'maint' }] });
    expect(node().spec?.taints ?? []).toEqual([]);
  });
});

describe('conflict safety', () => {
  /** A client that lets another writer change the node between our read and our write, `times` times. */
  function interleaving(inner: KubeClient, times: number, change: (i: number) => void): KubeClient {
    let left = times;
    let i = 0;
    return new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop !== 'request') return Reflect.get(target, prop, receiver);
        return async (o: RequestOptions) => {
          const res = await target.request(o);
          if ((o.method ?? 'GET') === 'GET' && o.path.startsWith('/api/v1/nodes/') && left-- > 0) change(i++);
          return res;
        };
      },
    });
  }

  it('re-applies the intent on a fresh read when the node changed in between; nothing is lost', async () => {
    const sneaky = interleaving(f.client, 2, (i) =>
      f.sim.state.updateNode('node-0000', (n) => {
        n.metadata.labels = { ...n.metadata.labels, [`other-${i}`]: 'x' };
        (n.spec as { taints?: unknown[] }).taints = [
          ...((n.spec as { taints?: unknown[] }).taints ?? []),
          { key: `other-${i}`, effect: 'NoSchedule' },
        ];
      }),
    );
    const ops = new NodeOperations({
      clients: { client: () => sneaky },
      nodes: f.nodes,
      guardMinSchedulable: 0.7,
      clock: f.clock,
      random: () => 0,
    });
    const r = await ops.taints(
      operator,
      'c1',
      'node-0000',
      parseTaintsIntent({ add: [{ key: 'mine', effect: 'NoExecute' }] }),
    );
    expect(r.changed).toBe(true);
    expect(
      node()
        .spec?.taints?.map((t) => t.key)
        .sort(),
    ).toEqual(['mine', 'other-0', 'other-1']);
    // Two refused attempts (stale resourceVersion), then the one that won.
    expect(patches()).toBe(3);
    expect(node().metadata.labels).toMatchObject({ 'other-0': 'x', 'other-1': 'x' });
  });

  it('gives up after the bounded number of attempts with a 409', async () => {
    const always = interleaving(f.client, 100, (i) =>
      f.sim.state.updateNode('node-0001', (n) => {
        n.metadata.labels = { ...n.metadata.labels, churn: String(i) };
      }),
    );
    const ops = new NodeOperations({
      clients: { client: () => always },
      nodes: f.nodes,
      guardMinSchedulable: 0.7,
      clock: f.clock,
      random: () => 0,
      write: { maxAttempts: 4 },
    });
    await expect(
      ops.labels(operator, 'c1', 'node-0001', parseLabelsIntent({ set: { a: 'b' } })),
    ).rejects.toMatchObject({ reason: 'Conflict' });
    expect(patches()).toBe(4);
    expect(f.sim.requestCount({ verb: 'get', resource: 'nodes' })).toBe(5);
    expect(node('node-0001').metadata.labels?.a).toBeUndefined();
  });

  it('two clients writing different labels and taints of one node at the same time both win', async () => {
    const opsFor = (client: KubeClient) =>
      new NodeOperations({
        clients: { client: () => client },
        nodes: f.nodes,
        guardMinSchedulable: 0.7,
        clock: f.clock,
      });
    const a = opsFor(f.client);
    const b = opsFor(f.newClient());
    const ROUNDS = 8;
    const PER_CLIENT = 3;
    const write = (ops: NodeOperations, key: string, i: number) =>
      i % 2 === 0
        ? ops.labels(operator, 'c1', 'node-0005', parseLabelsIntent({ set: { [key]: 'v' } }))
        : ops.taints(
            operator,
            'c1',
            'node-0005',
            parseTaintsIntent({ add: [{ key, value: 'v', effect: 'NoSchedule' }] }),
          );
    const keys: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Each round, both clients fire their writes at the same moment.
      const batch: Promise<{ changed: boolean }>[] = [];
      for (let i = 0; i < PER_CLIENT; i++) {
        for (const [who, ops] of [
          ['a', a],
          ['b', b],
        ] as const) {
          const key = `${who}-${round}-${i}`;
          keys.push(key);
          batch.push(write(ops, key, i));
        }
      }
      expect((await Promise.all(batch)).every((r) => r.changed)).toBe(true);
    }
    const n = node('node-0005');
    keys.forEach((key) => {
      const i = Number(key.split('-')[2]);
      if (i % 2 === 0) expect(n.metadata.labels?.[key]).toBe('v');
      else expect(n.spec?.taints?.find((t) => t.key === key)?.value).toBe('v');
    });
    expect(n.spec?.taints).toHaveLength(keys.filter((k) => Number(k.split('-')[2]) % 2 === 1).length);
    // Real contention happened: more PATCHes were sent than writes succeeded.
    expect(patches()).toBeGreaterThan(keys.length);
  });
});

describe('safety guard on a single-node cordon', () => {
  it('refuses a cordon that would leave too few schedulable Ready nodes, with details; override needs the grant', async () => {
    // 10 Ready nodes, minimum 70 %: three cordons are fine, the fourth would leave 6 of 10.
    for (const n of ['node-0000', 'node-0001', 'node-0002'])
      await f.ops.cordon(operator, 'c1', n, { reason: 'maintenance' });
    const refused = await f.ops
      .cordon(operator, 'c1', 'node-0003', { reason: 'maintenance' })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({
      status: 409,
      code: 'GuardRefused',
      details: { cluster: 'c1', readyNodes: 10, schedulableNow: 7, schedulableAfter: 6, minimumShare: 0.7 },
    });
    expect(node('node-0003').spec?.unschedulable).toBeFalsy();
    await expect(f.ops.cordon(operator, 'c1', 'node-0003', {}, { override: true })).rejects.toMatchObject({
      status: 403,
    });
    expect(
      (await f.ops.cordon({ ...operator, canOverrideGuard: true }, 'c1', 'node-0003', {}, { override: true }))
        .changed,
    ).toBe(true);
    // Re-cordoning an already cordoned node takes nothing out: never refused.
    expect((await f.ops.cordon(operator, 'c1', 'node-0000', {})).changed).toBe(false);
  });

  it('does not count NotReady nodes as capacity', async () => {
    f.sim.state.createNode(readyNode('sick', { ready: false }));
    f.nodes.invalidate();
    // NotReady nodes can always be cordoned: they take nothing schedulable out.
    expect((await f.ops.cordon(operator, 'c1', 'sick', {})).changed).toBe(true);
  });
});

describe('planning on the live view (NodeSource.nodeObject)', () => {
  const view = new Map<string, KubeNode>();
  const opsWithView = () =>
    new NodeOperations({
      clients: f.clients,
      nodes: {
        getNode: (c, n) => f.nodes.getNode(c, n),
        resolveSelector: (c, s) => f.nodes.resolveSelector(c, s),
        readyStats: (c) => f.nodes.readyStats(c),
        applyLocalWrite: (c, n) => {
          view.set(n.metadata.name, n);
          return f.nodes.applyLocalWrite(c, n);
        },
        nodeObject: (_c, n) => view.get(n),
      },
      guardMinSchedulable: 0.7,
      clock: f.clock,
    });
  const gets = () => f.sim.requestCount({ verb: 'get', resource: 'nodes' });
  const seed = (name: string) => view.set(name, structuredClone(node(name)));

  it('a current view saves the read: one PATCH, no GET', async () => {
    seed('node-0006');
    const ops = opsWithView();
    f.sim.resetRequestCount();
    await ops.labels(operator, 'c1', 'node-0006', parseLabelsIntent({ set: { a: '1' } }));
    await ops.labels(operator, 'c1', 'node-0006', parseLabelsIntent({ set: { b: '2' } }));
    expect(patches()).toBe(2);
    expect(gets()).toBe(0);
    expect(node('node-0006').metadata.labels).toMatchObject({ a: '1', b: '2' });
  });

  it('a stale view costs one refused PATCH, then the fresh path keeps the other change', async () => {
    seed('node-0007');
    f.sim.state.updateNode(
      'node-0007',
      (n) => void (n.metadata.labels = { ...n.metadata.labels, theirs: 'x' }),
    );
    f.sim.resetRequestCount();
    await opsWithView().cordon(operator, 'c1', 'node-0007', { reason: 'r' }, { skipGuard: true });
    expect(patches()).toBe(2);
    expect(gets()).toBe(1);
    expect(node('node-0007').metadata.labels?.theirs).toBe('x');
    expect(node('node-0007').spec?.unschedulable).toBe(true);
  });

  it('a view that says "nothing to do" is confirmed with a fresh read', async () => {
    seed('node-0008');
    view.get('node-0008')!.spec = { unschedulable: true };
    f.sim.resetRequestCount();
    const r = await opsWithView().cordon(operator, 'c1', 'node-0008', {}, { skipGuard: true });
    expect(r.changed).toBe(true);
    expect(gets()).toBe(1);
    expect(node('node-0008').spec?.unschedulable).toBe(true);
  });

  it('a view showing an empty map the node lacks still ends in a correct write', async () => {
    seed('node-0009');
    view.get('node-0009')!.metadata.annotations = {};
    const r = await opsWithView().cordon(operator, 'c1', 'node-0009', { reason: 'r' }, { skipGuard: true });
    expect(r.changed).toBe(true);
    expect(node('node-0009').metadata.annotations?.[CORDON_REASON_ANNOTATION]).toBe('r');
  });

  it('taint writes never plan on the view (it lacks timeAdded)', async () => {
    seed('node-0001');
    f.sim.resetRequestCount();
    await opsWithView().taints(
      operator,
      'c1',
      'node-0001',
      parseTaintsIntent({ add: [{ key: 'k', effect: 'NoExecute' }] }),
    );
    expect(gets()).toBe(1);
  });
});
