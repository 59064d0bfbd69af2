// Issue 17's scenario on the simulator (its workload controllers and scheduler on): 12 nodes, a Deployment of
// 6 with minAvailable 5, a StatefulSet of 3 with maxUnavailable 1, rolling maintenance with maxUnavailable 2
// through POST /api/v1/maintenance. The same scenario runs on a real control plane in test/k8s/maintenance.test.ts.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { simTargetWith, type Target } from '../k8s/targets.js';
import type { TestApp } from '../server/harness.js';
import { buildWorld, expectScenarioHeld, runMaintenance, startProduct } from './scenario.js';

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
    expectScenarioHeld(r);
  }, 300_000);
});
