import { describe, expect, it, vi } from 'vitest';
import type { AuditEntry, NodeRow } from '../api/types';
import { emptyFilter } from '../nodes/filter';
import { csvCell, toCsv } from './csv';
import { fetchAllAudit } from './audit';
import { fetchAllNodes, NODE_CSV_COLUMNS, nodeListQuery } from './nodes';

const row = (name: string, extra: Partial<NodeRow> = {}): NodeRow => ({
  cluster: 'prod',
  name,
  uid: name,
  resourceVersion: '1',
  status: 'Ready',
  schedulable: true,
  unschedulable: false,
  roles: ['worker'],
  labels: { zone: 'a' },
  taints: [],
  capacity: { cpu: '4', memory: '8Gi' },
  allocatable: { cpu: '3900m', memory: '7Gi' },
  podCount: 3,
  createdAt: '2026-01-01T00:00:00Z',
  conditions: [],
  ...extra,
});

describe('CSV export', () => {
  it('quotes commas, quotes and newlines so a spreadsheet keeps one cell', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line1\nline2')).toBe('"line1\nline2"');
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell(null)).toBe('');
  });

  it('neutralises cells a spreadsheet would run as a formula, but keeps negative numbers', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-cmd')).toBe("'-cmd");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell(-3)).toBe('-3');
  });

  it('writes one header and one CRLF line per node, a hostile cordon reason included', () => {
    const csv = toCsv([row('n1', { cordon: { reason: '=cmd|" /c calc"!A0, kernel' } })], NODE_CSV_COLUMNS);
    const lines = csv.split('\r\n');
    expect(lines[0]).toMatch(/^cluster,name,status,/);
    expect(lines[1]).toContain(`"'=cmd|"" /c calc""!A0, kernel"`);
    expect(lines).toHaveLength(3);
  });
});

describe('node export reads every matching row from the API', () => {
  it('sends the page filter as the API query and follows continue tokens past the page', async () => {
    const list = vi
      .fn()
      .mockResolvedValueOnce({ items: [row('b'), row('a')], continue: 'tok' })
      .mockResolvedValueOnce({ items: [row('c')] });
    const f = { ...emptyFilter(), search: 'n', status: ['NotReady' as const], taint: ':NoExecute' };
    const rows = await fetchAllNodes('prod', f, { key: 'name', desc: false }, list as never);
    expect(rows.map((r) => r.name)).toEqual(['a', 'b', 'c']);
    expect(list.mock.calls[0]![0]).toMatchObject({
      cluster: 'prod',
      search: 'n',
      status: 'NotReady',
      taint: ':NoExecute',
      limit: 10000,
    });
    expect(list.mock.calls[1]![0]).toMatchObject({ continue: 'tok' });
    expect(nodeListQuery('', emptyFilter())).toEqual(
      Object.fromEntries(Object.keys(nodeListQuery('', emptyFilter())).map((k) => [k, undefined])),
    );
  });
});

describe('audit export', () => {
  it('pages through the cursor with the same filters', async () => {
    const entry = { id: '1', nodes: [] } as unknown as AuditEntry;
    const list = vi
      .fn()
      .mockResolvedValueOnce({ items: [entry], nextCursor: 'c1' })
      .mockResolvedValueOnce({ items: [entry] });
    const r = await fetchAllAudit({ user: 'alice' }, list as never);
    expect(r).toMatchObject({ truncated: false });
    expect(r.items).toHaveLength(2);
    expect(list.mock.calls[1]![0]).toMatchObject({ user: 'alice', cursor: 'c1', limit: 1000 });
  });
});
