import { describe, expect, it } from 'vitest';
import { NodeCache } from '../../src/cache/node-cache.js';
import { transformNode } from '../../src/cache/node-transform.js';
import { parseNodeQuery } from '../../src/cache/query-parse.js';
import { QueryError, runQuery } from '../../src/cache/query.js';
import { rawNode, type NodeOpts } from './fixtures.js';

function node(name: string, o: NodeOpts & { pressure?: string[] }) {
  const raw = rawNode(name, o);
  const conds = (
    (raw as unknown as { status: unknown }).status as { conditions: { type: string; status: string }[] }
  ).conditions;
  for (const type of o.pressure ?? []) {
    const c = conds.find((x) => x.type === type);
    if (c) c.status = 'True';
    else conds.push({ type, status: 'True' });
  }
  return transformNode(raw);
}

const c = new NodeCache('prod');
for (const [name, o] of [
  ['calm', {}],
  ['mem', { pressure: ['MemoryPressure'] }],
  ['disk-pid', { pressure: ['DiskPressure', 'PIDPressure'] }],
  ['net', { pressure: ['NetworkUnavailable'] }],
  ['evict', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }],
  ['sched', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }],
] as [string, NodeOpts & { pressure?: string[] }][]) {
  c.set(name, node(name, o));
}
const names = (params: Record<string, string>) =>
  runQuery([c.view(() => 0)], parseNodeQuery(params)).hits.map((h) => h.rec.name);

describe('condition and effect-only taint filters', () => {
  it('finds nodes under each pressure condition instead of ignoring the filter', () => {
    expect(names({ condition: 'MemoryPressure' })).toEqual(['mem']);
    expect(names({ condition: 'DiskPressure' })).toEqual(['disk-pid']);
    expect(names({ condition: 'PIDPressure' })).toEqual(['disk-pid']);
    expect(names({ condition: 'NetworkUnavailable' })).toEqual(['net']);
    expect(names({ condition: 'DiskPressure,PIDPressure' })).toEqual(['disk-pid']);
    expect(names({ condition: '!MemoryPressure' })).not.toContain('mem');
    expect(names({ condition: 'MemoryPressure|NetworkUnavailable' })).toEqual(['mem', 'net']);
  });

  it('a taint query of ":NoExecute" matches any key with that effect', () => {
    expect(names({ taint: ':NoExecute' })).toEqual(['evict']);
    expect(names({ taint: ':NoSchedule' })).toEqual(['sched']);
    expect(names({ taint: '!:NoExecute' })).not.toContain('evict');
  });

  it('refuses malformed input naming the parameter', () => {
    for (const [field, value] of [
      ['condition', 'Memory Pressure'],
      ['taint', ':Sometimes'],
      ['taint', '=v'],
    ]) {
      let err: unknown;
      try {
        parseNodeQuery({ [field!]: value });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(QueryError);
      expect((err as QueryError).field).toBe(field);
    }
  });
});
