// Issue 17's scenario on the simulator (its workload controllers and scheduler on): 12 nodes, a Deployment of
// 6 with minAvailable 5, a StatefulSet of 3 with maxUnavailable 1, rolling maintenance with maxUnavailable 2
// through POST /api/v1/maintenance. The same scenario runs on a real control plane in test/k8s/maintenance.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simTargetWith, type Target } from '../k8s/targets.js';
import type { TestApp } from '../server/harness.js';
import { POOL, buildWorld, formatTimeline, runMaintenance, startProduct } from './scenario.js';

describe('rolling maintenance on the simulator', () => {
  let t: Target;
  let app: TestApp | undefined;

  beforeAll(async () => {
    t = await simTargetWith({ workloads: { readyDelayMs: 300 } }).start();
    await buildWorld(t);
    app = await startProduct(t);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  it('takes the pool through in waves of 2 without taking ready replicas below the budgets', async () => {
    const r = await runMaintenance(t, app!, 240_000);
    if (process.env.KNM_SCENARIO_TIMELINE)
      console.log(formatTimeline(r.timeline), JSON.stringify(r.evictedPerNode));
    expect(r.violations).toEqual([]);
    expect(r.jobStatus).toBe('succeeded');
    expect(r.waves).toBe(6);
    // Every node went through the gate and came back; the 9 pods were evicted from wherever they ran.
    const done = r.timeline.filter((x) => x.step === 'done').map((x) => x.node);
    expect(done.sort()).toEqual(POOL);
    expect(Object.values(r.evictedPerNode).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(9);
    expect(r.minReady.web).toBeGreaterThanOrEqual(5);
    expect(r.minReady.db).toBeGreaterThanOrEqual(2);
    expect(r.minStatusReady.web).toBeGreaterThanOrEqual(5);
    expect(r.minStatusReady.db).toBeGreaterThanOrEqual(2);
    // The budgets were actually exercised: some pod was down during the run.
    expect(r.minReady.web + r.minReady.db).toBeLessThan(9);
    // Nodes with evicted pods waited at their gate for the workloads they held.
    const gated = r.timeline.filter((x) => x.gateOn?.length);
    expect(gated.length).toBeGreaterThan(0);
  }, 300_000);
});
