/* eslint-disable @typescript-eslint/no-explicit-any -- tests read arbitrary Kubernetes JSON */
// The simulator's metrics.k8s.io: discovery, the NodeMetrics/PodMetrics shapes metrics-server serves, usage
// that moves a little each metrics window and stays near what the pods request, and the switch that turns
// the group off (404, absent from discovery) like a cluster without metrics-server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClock } from '../../src/sim/clock.js';
import { startSim, type SimServer } from '../../src/sim/index.js';
import { METRICS_WINDOW_MS } from '../../src/sim/metrics.js';
import { parseQuantity } from '../../src/cache/quantity.js';
import { api } from '../sim/helpers.js';

let sim: SimServer;
let t = Date.UTC(2026, 0, 1);
const clock = { now: () => t, setTimeout: realClock.setTimeout, clearTimeout: realClock.clearTimeout };

beforeAll(async () => {
  sim = await startSim({ nodes: 6, podsPerNode: 8, clock });
});
afterAll(() => sim.close());

const cpuOf = (m: any) => parseQuantity(m.usage.cpu)!;

describe('simulated metrics.k8s.io', () => {
  it('is listed in discovery with its two resources', async () => {
    const groups = (await api(sim, 'GET', '/apis')).body.groups.map((g: any) => g.name);
    expect(groups).toContain('metrics.k8s.io');
    const rl = (await api(sim, 'GET', '/apis/metrics.k8s.io/v1beta1')).body;
    expect(rl).toMatchObject({ kind: 'APIResourceList', groupVersion: 'metrics.k8s.io/v1beta1' });
    expect(rl.resources.map((r: any) => [r.name, r.kind, r.namespaced])).toEqual([
      ['nodes', 'NodeMetrics', false],
      ['pods', 'PodMetrics', true],
    ]);
  });

  it('serves NodeMetrics for every node in the shape metrics-server uses', async () => {
    const a = await api(sim, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes');
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ kind: 'NodeMetricsList', apiVersion: 'metrics.k8s.io/v1beta1' });
    const nodes = (await api(sim, 'GET', '/api/v1/nodes')).body.items;
    expect(a.body.items.map((i: any) => i.metadata.name).sort()).toEqual(
      nodes.map((n: any) => n.metadata.name).sort(),
    );
    for (const m of a.body.items) {
      expect(m.usage.cpu).toMatch(/^\d+n$/);
      expect(m.usage.memory).toMatch(/^\d+Ki$/);
      expect(m.window).toMatch(/^\d+(\.\d+)?s$/);
      expect(Number.isNaN(Date.parse(m.timestamp))).toBe(false);
      const node = nodes.find((n: any) => n.metadata.name === m.metadata.name);
      expect(cpuOf(m)).toBeLessThanOrEqual(parseQuantity(node.status.allocatable.cpu)!);
      expect(parseQuantity(m.usage.memory)!).toBeLessThanOrEqual(
        parseQuantity(node.status.allocatable.memory)!,
      );
    }
    const one = await api(sim, 'GET', `/apis/metrics.k8s.io/v1beta1/nodes/${a.body.items[0].metadata.name}`);
    expect(one.body.metadata.name).toBe(a.body.items[0].metadata.name);
    expect((await api(sim, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes/nope')).status).toBe(404);
    const pods = (await api(sim, 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/kube-system/pods')).body;
    expect(pods.kind).toBe('PodMetricsList');
    expect(pods.items.length).toBeGreaterThan(0);
    for (const p of pods.items) expect(p.metadata.namespace).toBe('kube-system');
    expect(pods.items[0].containers[0].usage.cpu).toMatch(/^\d+n$/);
  });

  it('moves a little per window, stays the same within one, and stays bounded', async () => {
    const read = async () =>
      new Map<string, number>(
        (await api(sim, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes')).body.items.map((m: any) => [
          m.metadata.name,
          cpuOf(m),
        ]),
      );
    const first = await read();
    expect(await read()).toEqual(first);
    let changed = 0;
    let prev = first;
    for (let i = 0; i < 40; i++) {
      t += METRICS_WINDOW_MS;
      const next = await read();
      for (const [n, v] of next) {
        if (v !== prev.get(n)) changed++;
        // A step never jumps by more than a few tenths of a core on these small nodes.
        expect(Math.abs(v - prev.get(n)!)).toBeLessThan(1);
      }
      prev = next;
    }
    expect(changed).toBeGreaterThan(40);
  });

  it('switched off: 404 and gone from discovery, as without metrics-server', async () => {
    sim.setMetrics(false);
    try {
      const a = await api(sim, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes');
      expect(a.status).toBe(404);
      expect(a.body).toMatchObject({ kind: 'Status', reason: 'NotFound' });
      const groups = (await api(sim, 'GET', '/apis')).body.groups.map((g: any) => g.name);
      expect(groups).not.toContain('metrics.k8s.io');
    } finally {
      sim.setMetrics(true);
    }
  });

  it('refuses anonymous reads like any other API path', async () => {
    const a = await api(sim, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes', { token: null });
    expect(a.status).toBe(403);
  });
});
