// The table's order must be the server's (src/cache/sort.ts: the column, then cluster, then name), or the first
// page the server answers before the live snapshot would not be the top of the table once the snapshot is in.
import { describe, expect, it } from 'vitest';
import type { NodeRow } from '../api/types';
import { compareRows } from './filter';
import { nodeRow } from '../testing/nodeRow';

const row = (cluster: string, name: string, status: NodeRow['status']) => nodeRow(cluster, name, { status });

describe('node order', () => {
  it('breaks ties on the sorted column by cluster, then name, as the server does', () => {
    const rows = [
      row('b', 'n-1', 'Ready'),
      row('a', 'n-10', 'Ready'),
      row('a', 'n-2', 'Ready'),
      row('b', 'n-0', 'NotReady'),
    ];
    const sorted = [...rows].sort((x, y) => compareRows(x, y, { key: 'status', desc: false }));
    expect(sorted.map((r) => `${r.cluster}/${r.name}`)).toEqual(['b/n-0', 'a/n-2', 'a/n-10', 'b/n-1']);
  });
});
