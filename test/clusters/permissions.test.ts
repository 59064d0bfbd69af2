// The permission preflight against the simulator: its admin token may do everything, its viewer only read.
// The real RBAC authorizer is exercised by test/k8s/rbac.test.ts.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../server/harness.js';
import { startSim, type SimServer } from '../../src/sim/index.js';
import type { PermissionMatrix } from '../../src/clusters/permissions.js';

let sim: SimServer;
const apps: TestApp[] = [];

beforeAll(async () => {
  sim = await startSim({ nodes: 3, podsPerNode: 1 });
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

const denied = (m: PermissionMatrix) =>
  Object.fromEntries(m.operations.filter((o) => !o.allowed).map((o) => [o.operation, o.missing]));

describe('permission preflight', () => {
  it('a connection test answers every operation allowed for a full-access identity', async () => {
    const a = await makeTestApp();
    apps.push(a);
    const res = await a.call('POST', '/api/v1/clusters/test', {
      source: 'kubeconfig',
      kubeconfig: sim.kubeconfig(),
    });
    expect(res.statusCode, res.body).toBe(200);
    const m = res.json().permissions as PermissionMatrix;
    expect(m.checked).toBe(true);
    expect(m.operations.map((o) => [o.operation, o.allowed])).toEqual([
      ['readNodes', true],
      ['cordon', true],
      ['label', true],
      ['taint', true],
      ['evict', true],
      ['deletePods', true],
      ['maintenance', true],
    ]);
    expect(denied(m)).toEqual({});
  });

  it('a read-only identity may read nodes and nothing else, and each denial names what is missing', async () => {
    const a = await makeTestApp();
    apps.push(a);
    const add = await a.call('POST', '/api/v1/clusters', {
      name: 'ro',
      source: 'kubeconfig',
      kubeconfig: sim.kubeconfig({ readOnly: true }),
    });
    expect(add.statusCode, add.body).toBe(201);
    expect(denied(add.json().permissions)).toEqual({
      cordon: ['patch on nodes'],
      label: ['patch on nodes'],
      taint: ['patch on nodes'],
      evict: ['patch on nodes', 'create on pods/eviction'],
      deletePods: ['patch on nodes', 'delete on pods'],
      maintenance: ['patch on nodes', 'create on pods/eviction'],
    });
    const again = await a.call('GET', '/api/v1/clusters/ro/permissions');
    expect(again.statusCode).toBe(200);
    expect(again.json().operations.find((o: { operation: string }) => o.operation === 'readNodes')).toEqual({
      operation: 'readNodes',
      allowed: true,
      missing: [],
    });
    expect((await a.call('GET', '/api/v1/clusters/nope/permissions')).statusCode).toBe(404);
  });

  it('says the matrix is unknown, without failing the test, when the server cannot be asked', async () => {
    const a = await makeTestApp();
    apps.push(a);
    const res = await a.call('POST', '/api/v1/clusters', {
      name: 'flaky',
      source: 'kubeconfig',
      kubeconfig: sim.kubeconfig(),
    });
    expect(res.statusCode).toBe(201);
    sim.injectFailures({ verb: 'post', resource: '', status: 500, times: 20 });
    const m = (await a.call('GET', '/api/v1/clusters/flaky/permissions?refresh=true')).json();
    expect(m).toMatchObject({ checked: false, operations: [] });
    expect(m.error).toMatch(/could not ask the API server/);
  });
});
