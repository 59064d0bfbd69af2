import { afterEach, describe, expect, it } from 'vitest';
import { parseNodeQuery } from '../../src/cache/query-parse.js';
import { queryMemo } from '../../src/metrics/registry.js';
import { until } from '../informer/fake-client.js';
import { setup } from './sim-helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

async function started() {
  const s = await setup({ podsPerNode: 3 });
  cleanups.push(() => s.sim.close());
  cleanups.push(() => s.client.close());
  cleanups.push(() => s.cache.close());
  s.cache.startCluster('c1', s.client);
  expect(await s.cache.waitForSync('c1', 10_000)).toBe(true);
  expect(await s.cache.waitForPodIndex('c1', 10_000)).toBe(true);
  return s;
}

async function memoCounts() {
  const m = await queryMemo.get();
  const of = (r: string) => m.values.find((v) => v.labels.result === r)?.value ?? 0;
  return { hit: of('hit'), miss: of('miss') };
}

const busiest = () => parseNodeQuery({ status: 'Ready', sort: '-podCount', limit: '5' });

describe('repeated node queries', () => {
  it('reuse the previous answer while nothing changed, and never after a change', async () => {
    const { sim, cache } = await started();
    const first = await cache.query(busiest(), ['c1']);
    const m0 = await memoCounts();
    const again = await cache.query(busiest(), ['c1']);
    expect(again.items).toEqual(first.items);
    const m1 = await memoCounts();
    expect(m1.hit - m0.hit).toBe(1);

    // A pod lands on the last node of the page: its count rises and the order must follow.
    const last = first.items.at(-1)!;
    for (let i = 0; i < 4; i++)
      sim.state.createPod({
        metadata: { name: `extra-${i}`, namespace: 'default' },
        spec: { nodeName: last.name, containers: [{ name: 'c', image: 'x' }] },
        status: { phase: 'Running' },
      });
    await until(() => cache.podCount('c1', last.name) === last.podCount! + 4, 'pods counted');
    const moved = await cache.query(busiest(), ['c1']);
    expect(moved.items[0]).toMatchObject({ name: last.name, podCount: last.podCount! + 4 });

    // A cordon takes the node out of a schedulable-only view at once.
    const open = parseNodeQuery({ schedulable: 'true', sort: '-podCount', limit: '5' });
    expect((await cache.query(open, ['c1'])).items[0]!.name).toBe(last.name);
    sim.state.updateNode(last.name, (n) => {
      n.spec.unschedulable = true;
    });
    await until(() => cache.row('c1', last.name)?.unschedulable === true, 'cordon cached');
    const after = await cache.query(open, ['c1']);
    expect(after.items.map((r) => r.name)).not.toContain(last.name);
  });

  it('show the newest resourceVersion of a row even when the answer is reused', async () => {
    const { sim, cache } = await started();
    const q = () => parseNodeQuery({ sort: 'name', limit: '3' });
    const first = await cache.query(q(), ['c1']);
    const name = first.items[0]!.name;
    // A heartbeat (status time only) is applied in place: no new generation, but a new version.
    const before = cache.row('c1', name)!.resourceVersion;
    sim.state.updateNode(name, (n) => {
      for (const c of n.status.conditions ?? [])
        c.lastHeartbeatTime = new Date(Date.now() + 60_000).toISOString();
    });
    await until(() => cache.row('c1', name)!.resourceVersion !== before, 'heartbeat applied');
    const m0 = await memoCounts();
    const again = await cache.queryJson(q(), ['c1']);
    expect((await memoCounts()).hit - m0.hit).toBe(1);
    const row = (JSON.parse(again.toString()) as { items: { name: string; resourceVersion: string }[] })
      .items[0]!;
    expect(row).toMatchObject({ name, resourceVersion: cache.row('c1', name)!.resourceVersion });
    expect(row.resourceVersion).not.toBe(before);
  });

  it('are told apart by every parameter, including the continue token', async () => {
    const { cache } = await started();
    const p1 = await cache.query(parseNodeQuery({ sort: 'name', limit: '4' }), ['c1']);
    const p2 = await cache.query(parseNodeQuery({ sort: 'name', limit: '4', continue: p1.continue! }), [
      'c1',
    ]);
    expect(p2.items[0]!.name).not.toBe(p1.items[0]!.name);
    const desc = await cache.query(parseNodeQuery({ sort: '-name', limit: '4' }), ['c1']);
    expect(desc.items[0]!.name).not.toBe(p1.items[0]!.name);
    const fewer = await cache.query(parseNodeQuery({ sort: 'name', limit: '2' }), ['c1']);
    expect(fewer.items).toHaveLength(2);
  });
});
