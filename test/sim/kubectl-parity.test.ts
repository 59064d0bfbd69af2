/* eslint-disable @typescript-eslint/no-explicit-any -- tests read arbitrary Kubernetes JSON */
// What the real kubectl relies on beyond the product's own calls, found by running it against the simulator
// and a real kube-apiserver (test/k8s/kubectl.test.ts) and fixed here; these keep the fixes without kubectl.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSim, type SimServer } from '../../src/sim/index.js';
import { api, node, rawWatch, runningPod } from './helpers.js';

const TABLE =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

let sim: SimServer;
beforeEach(async () => {
  // No simulated kubelet: the only changes are the test's own.
  sim = await startSim({ nodes: 0, simulateKubelet: false });
});
afterEach(async () => {
  await sim.close();
});

describe('what kubectl needs from the simulator', () => {
  it('answers a node Lease lookup (kubectl describe node) with NotFound, as a server without a node agent does', async () => {
    const groups = (await api(sim, 'GET', '/apis')).body.groups.map((g: any) => g.name);
    expect(groups).toContain('coordination.k8s.io');
    const r = await api(sim, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'leases.coordination.k8s.io "n1" not found',
      details: { name: 'n1', group: 'coordination.k8s.io', kind: 'leases' },
    });
  });

  it('words an invalid label key exactly as apimachinery does (kubectl prints the message as it comes)', async () => {
    await api(sim, 'POST', '/api/v1/nodes', { body: node('n1') });
    const r = await api(sim, 'PATCH', '/api/v1/nodes/n1', {
      body: { metadata: { labels: { 'bad key!': 'x' } } },
      contentType: 'application/merge-patch+json',
    });
    expect(r.status).toBe(422);
    expect(r.body.message).toContain(
      "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
  });

  it('prints watch events as one-row Tables (kubectl get -w), with column definitions only in the first', async () => {
    await api(sim, 'POST', '/api/v1/nodes', { body: node('n1') });
    await api(sim, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'w' } } });
    for (const p of ['a', 'b'])
      await api(sim, 'POST', '/api/v1/namespaces/w/pods', { body: runningPod('w', p, 'n1', { app: 'x' }) });
    const list = (await api(sim, 'GET', '/api/v1/namespaces/w/pods', { headers: { Accept: TABLE } })).body;
    const w = rawWatch(
      sim,
      `/api/v1/namespaces/w/pods?watch=true&resourceVersion=${list.metadata.resourceVersion}&includeObject=Object`,
      sim.token,
      { Accept: TABLE },
    );
    try {
      await api(sim, 'PATCH', '/api/v1/namespaces/w/pods/a', {
        body: { metadata: { labels: { stage: 'canary' } } },
        contentType: 'application/merge-patch+json',
      });
      await api(sim, 'DELETE', '/api/v1/namespaces/w/pods/b?gracePeriodSeconds=0');
      await w.waitFor((evs) => evs.some((e) => e.type === 'DELETED'));
      const [first, ...rest] = w.events;
      expect(first!.type).toBe('MODIFIED');
      expect(first!.object).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
      expect(first!.object.columnDefinitions.map((c: any) => c.name).slice(0, 3)).toEqual([
        'Name',
        'Ready',
        'Status',
      ]);
      expect(first!.object.rows).toHaveLength(1);
      expect(first!.object.rows[0].cells[0]).toBe('a');
      expect(first!.object.rows[0].object).toMatchObject({
        kind: 'Pod',
        metadata: { name: 'a', labels: { stage: 'canary' } },
      });
      expect(first!.object.metadata.resourceVersion).toBe(
        first!.object.rows[0].object.metadata.resourceVersion,
      );
      for (const e of rest) {
        expect(e.object.kind).toBe('Table');
        expect(e.object.columnDefinitions).toBeNull();
      }
      expect(rest.at(-1)!.type).toBe('DELETED');
      expect(rest.at(-1)!.object.rows[0].cells[0]).toBe('b');
    } finally {
      w.close();
    }
  });
});
