// The Nodes page's "Maintain…" link opens the Maintenance page's form with the selection filled in, and is
// withheld when the selection spans several clusters.
import { describe, expect, it } from 'vitest';
import { maintenanceQuery } from './maintenanceLink';
import { format } from '../router';

describe('maintenanceLink', () => {
  it("carries the selection's cluster and node names", () => {
    const q = maintenanceQuery([
      { cluster: 'prod-eu', name: 'node-a' },
      { cluster: 'prod-eu', name: 'node-b' },
    ]);
    expect(q).toEqual({ cluster: 'prod-eu', nodes: 'node-a,node-b' });
    expect(format('/maintenance', q)).toBe('#/maintenance?cluster=prod-eu&nodes=node-a%2Cnode-b');
  });

  it('has no link for an empty selection or one across clusters', () => {
    expect(maintenanceQuery([])).toBeUndefined();
    expect(
      maintenanceQuery([
        { cluster: 'a', name: 'n1' },
        { cluster: 'b', name: 'n2' },
      ]),
    ).toBeUndefined();
  });
});
