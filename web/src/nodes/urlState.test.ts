import { beforeEach, describe, expect, it } from 'vitest';
import { compileFilter } from './filter';
import {
  queryFromState,
  rememberedNodesQuery,
  rememberNodesQuery,
  sameQuery,
  stateFromQuery,
} from './urlState';
import type { NodeRow } from '../api/types';

const sortable = (k: string) => ['name', 'cpu'].includes(k);

describe('Nodes URL state', () => {
  beforeEach(() => sessionStorage.clear());

  it('a shared link round-trips filters, sort and the open node', () => {
    const q = {
      cluster: 'prod-eu',
      search: 'web',
      status: 'NotReady,Unknown',
      schedulable: 'false',
      selector: 'pool=gpu',
      taint: ':NoExecute',
      condition: 'MemoryPressure,DiskPressure',
      sort: '-cpu',
      node: 'prod-eu/web-7',
    };
    const s = stateFromQuery(q, sortable);
    expect(s.scope).toBe('prod-eu');
    expect(s.filter.status).toEqual(['NotReady', 'Unknown']);
    expect(s.sort).toEqual({ key: 'cpu', desc: true });
    expect(s.node).toBe('prod-eu/web-7');
    expect(sameQuery(queryFromState(s), q)).toBe(true);
  });

  it('drops what it does not understand instead of failing', () => {
    const s = stateFromQuery({ status: 'Broken,Ready', sort: 'nonsense', schedulable: 'maybe' }, sortable);
    expect(s.filter.status).toEqual(['Ready']);
    expect(s.sort).toBeNull();
    expect(s.filter.schedulable).toBe('');
  });

  it('remembers the last query for coming back to a bare #/nodes', () => {
    expect(rememberedNodesQuery()).toBeNull();
    rememberNodesQuery({ search: 'db', status: undefined });
    expect(rememberedNodesQuery()).toEqual({ search: 'db' });
    rememberNodesQuery({});
    expect(rememberedNodesQuery()).toBeNull();
  });

  it('the condition filter from the URL selects nodes under that pressure', () => {
    const row = (name: string, type?: string) =>
      ({
        name,
        labels: {},
        taints: [],
        roles: [],
        conditions: type ? [{ type, status: 'True' }] : [{ type: 'MemoryPressure', status: 'False' }],
      }) as unknown as NodeRow;
    const { filter } = stateFromQuery({ condition: 'MemoryPressure' }, sortable);
    const c = compileFilter(filter);
    expect(c.errors).toEqual({});
    expect(
      [row('a'), row('b', 'MemoryPressure'), row('c', 'DiskPressure')].filter(c.match).map((r) => r.name),
    ).toEqual(['b']);
  });
});
