import { describe, expect, it } from 'vitest';
import { NodeCache } from '../../src/cache/node-cache.js';
import { transformNode } from '../../src/cache/node-transform.js';
import { parseNodeQuery } from '../../src/cache/query-parse.js';
import { QueryError, runQuery, type ClusterView } from '../../src/cache/query.js';
import { rawNode, type NodeOpts } from './fixtures.js';

function cache(cluster: string, nodes: [string, NodeOpts][]): NodeCache {
  const c = new NodeCache(cluster);
  for (const [name, o] of nodes) c.set(name, transformNode(rawNode(name, o)));
  return c;
}

const podsA: Record<string, number> = { 'n-1': 30, 'n-2': 5, 'n-10': 12, 'g-1': 3 };
const podsB: Record<string, number> = { 'm-1': 0 }; // beta/n-1: not known yet (null)
const a = cache('alpha', [
  ['n-1', { ip: '10.0.0.1', labels: { pool: 'general', zone: 'a' } }],
  ['n-2', { ip: '10.0.0.2', labels: { pool: 'general', zone: 'b' }, ready: 'False' }],
  [
    'n-10',
    {
      ip: '10.0.0.10',
      labels: { pool: 'general', zone: 'a' },
      unschedulable: true,
      annotations: { 'nodes.knm.io/cordon-reason': 'bad disk' },
    },
  ],
  [
    'g-1',
    {
      ip: '10.0.1.1',
      labels: { pool: 'gpu', zone: 'a' },
      gpu: '8',
      taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }],
    },
  ],
]);
const b = cache('beta', [
  [
    'm-1',
    {
      ip: '10.1.0.1',
      labels: { 'node-role.kubernetes.io/control-plane': '', pool: 'system' },
      taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
    },
  ],
  ['n-1', { ip: '10.1.0.2', labels: { pool: 'general' }, ready: 'Unknown' }],
]);
const views = (): ClusterView[] => [b.view((n) => podsB[n] ?? null), a.view((n) => podsA[n] ?? null)];
const q = (params: Record<string, string>) => runQuery(views(), parseNodeQuery(params));
const names = (p: ReturnType<typeof q>) => p.hits.map((h) => `${h.cluster}/${h.rec.name}`);

describe('node queries', () => {
  it('default order is cluster, then natural name order', () => {
    const p = q({});
    expect(names(p)).toEqual(['alpha/g-1', 'alpha/n-1', 'alpha/n-2', 'alpha/n-10', 'beta/m-1', 'beta/n-1']);
    expect(p.total).toBe(6);
    expect(p.continue).toBeUndefined();
  });

  it('filters: search by name or IP, status, schedulable, role, selector, taint', () => {
    expect(names(q({ search: 'n-1' }))).toEqual(['alpha/n-1', 'alpha/n-10', 'beta/n-1']);
    expect(names(q({ search: '10.1.0.' }))).toEqual(['beta/m-1', 'beta/n-1']);
    expect(names(q({ status: 'NotReady,Unknown' }))).toEqual(['alpha/n-2', 'beta/n-1']);
    expect(names(q({ schedulable: 'false' }))).toEqual(['alpha/n-10']);
    expect(q({ schedulable: 'true' }).total).toBe(5);
    expect(names(q({ role: 'control-plane' }))).toEqual(['beta/m-1']);
    expect(names(q({ labelSelector: 'pool=general,zone in (a)' }))).toEqual(['alpha/n-1', 'alpha/n-10']);
    expect(names(q({ labelSelector: 'zone!=a' }))).toEqual(['alpha/n-2', 'beta/m-1', 'beta/n-1']);
    expect(names(q({ labelSelector: '!zone' }))).toEqual(['beta/m-1', 'beta/n-1']);
    expect(names(q({ taint: 'nvidia.com/gpu' }))).toEqual(['alpha/g-1']);
    expect(names(q({ taint: 'nvidia.com/gpu=true:NoSchedule' }))).toEqual(['alpha/g-1']);
    expect(names(q({ taint: 'nvidia.com/gpu=false' }))).toEqual([]);
    expect(names(q({ taint: 'node-role.kubernetes.io/control-plane:NoSchedule' }))).toEqual(['beta/m-1']);
    expect(names(q({ taint: 'node-role.kubernetes.io/control-plane:NoExecute' }))).toEqual([]);
    expect(q({ taint: '!node-role.kubernetes.io/control-plane,!nvidia.com/gpu' }).total).toBe(4);
    expect(names(q({ labelSelector: 'pool=general', status: 'Ready', schedulable: 'true' }))).toEqual([
      'alpha/n-1',
    ]);
  });

  it('sorts by any column, stable on cluster then name, missing values last', () => {
    expect(names(q({ sort: '-podCount' }))).toEqual([
      'alpha/n-1',
      'alpha/n-10',
      'alpha/n-2',
      'alpha/g-1',
      'beta/m-1',
      'beta/n-1',
    ]);
    expect(names(q({ sort: 'podCount' }))).toEqual([
      'beta/m-1',
      'alpha/g-1',
      'alpha/n-2',
      'alpha/n-10',
      'alpha/n-1',
      'beta/n-1',
    ]);
    expect(names(q({ sort: 'name' }))).toEqual([
      'alpha/g-1',
      'beta/m-1',
      'alpha/n-1',
      'beta/n-1',
      'alpha/n-2',
      'alpha/n-10',
    ]);
    expect(names(q({ sort: 'internalIP' }))).toEqual([
      'alpha/n-1',
      'alpha/n-2',
      'alpha/n-10',
      'alpha/g-1',
      'beta/m-1',
      'beta/n-1',
    ]);
    expect(names(q({ sort: '-capacity.gpu' }))[0]).toBe('alpha/g-1');
    expect(names(q({ sort: 'status' }))).toEqual([
      'alpha/n-2',
      'alpha/g-1',
      'alpha/n-1',
      'alpha/n-10',
      'beta/m-1',
      'beta/n-1',
    ]);
    expect(names(q({ sort: '-cluster' })).slice(0, 2)).toEqual(['beta/m-1', 'beta/n-1']);
  });

  for (const sort of ['cluster', '-podCount', 'name', 'internalIP', 'status', '-createdAt']) {
    it(`pages with continue tokens cover every row exactly once (sort=${sort})`, () => {
      const all = names(q({ sort }));
      const seen: string[] = [];
      let cont: string | undefined;
      do {
        const p = q({ sort, limit: '2', ...(cont ? { continue: cont } : {}) });
        expect(p.total).toBe(6);
        seen.push(...names(p));
        cont = p.continue;
      } while (cont);
      expect(seen).toEqual(all);
    });
  }

  it('a page boundary does not move when rows are added before it', () => {
    const p1 = q({ limit: '2' });
    expect(names(p1)).toEqual(['alpha/g-1', 'alpha/n-1']);
    a.set('a-0', transformNode(rawNode('a-0', {})));
    try {
      const p2 = q({ limit: '2', continue: p1.continue! });
      expect(names(p2)).toEqual(['alpha/n-2', 'alpha/n-10']);
      expect(p2.total).toBe(7);
    } finally {
      a.delete('a-0');
    }
  });

  it('a continue token only works for the query it came from', () => {
    const p = q({ limit: '2', status: 'Ready' });
    expect(() => q({ limit: '2', status: 'NotReady', continue: p.continue! })).toThrow(QueryError);
    expect(() => q({ limit: '2', continue: 'garbage' })).toThrow(/malformed/);
  });

  it('uses indexes for selective filters and still answers exactly', () => {
    const v = a.view(() => null);
    expect(v.candidates!(parseNodeQuery({ labelSelector: 'pool=gpu' }))!.map((r) => r.name)).toEqual(['g-1']);
    expect(v.candidates!(parseNodeQuery({ schedulable: 'false' }))!.map((r) => r.name)).toEqual(['n-10']);
    expect(v.candidates!(parseNodeQuery({ labelSelector: 'pool notin (gpu)' }))).toBeUndefined();
    expect(a.readyCount).toBe(3);
  });

  const bad: [Record<string, string>, string][] = [
    [{ status: 'Sick' }, 'status'],
    [{ schedulable: 'yes' }, 'schedulable'],
    [{ labelSelector: 'a in ()' }, 'labelSelector'],
    [{ taint: 'k:Sometimes' }, 'taint'],
    [{ sort: 'favouriteColour' }, 'sort'],
    [{ limit: '0' }, 'limit'],
    [{ limit: '10001' }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ colour: 'red' }, 'colour'],
  ];
  for (const [params, field] of bad) {
    it(`refuses ${JSON.stringify(params)} naming the field`, () => {
      try {
        parseNodeQuery(params);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(QueryError);
        expect((e as QueryError).field).toBe(field);
      }
    });
  }

  it('looks up pod counts for the page only, unless the order is by pod count', () => {
    const big = cache(
      'big',
      Array.from({ length: 1000 }, (_, i): [string, NodeOpts] => [
        `w-${i}`,
        { ip: `10.2.${i >> 8}.${i & 255}` },
      ]),
    );
    let lookups = 0;
    const view = () => [big.view((n) => (lookups++, Number(n.slice(2)) % 97))];
    const page = runQuery(view(), parseNodeQuery({ sort: '-name', limit: '50' }));
    expect(page.hits).toHaveLength(50);
    expect(page.hits[0]!.rec.name).toBe('w-999');
    expect(page.hits.map((h) => h.podCount)).toEqual(page.hits.map((h) => Number(h.rec.name.slice(2)) % 97));
    expect(lookups).toBe(50);
    lookups = 0;
    const byPods = runQuery(view(), parseNodeQuery({ sort: '-podCount', limit: '5' }));
    expect(byPods.hits.map((h) => h.podCount)).toEqual([96, 96, 96, 96, 96]);
    expect(lookups).toBeGreaterThanOrEqual(1000);
  });
});
