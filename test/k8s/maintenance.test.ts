// Issue 17's scenario on a real control plane: kube-apiserver with kube-controller-manager's replicaset,
// deployment, statefulset and disruption controllers, kube-scheduler and kwok nodes. The product drives the
// maintenance through its API; the watcher and the checks are those of the simulator run
// (test/maintenance/scenario.test.ts).
import { afterAll, beforeAll, describe, it } from 'vitest';
import { buildWorld, expectScenarioHeld, runMaintenance, startProduct } from '../maintenance/scenario.js';
import type { TestApp } from '../server/harness.js';
import type { Target } from './targets.js';
import { WORKLOAD_TARGETS } from './workload-targets.js';

const real = WORKLOAD_TARGETS.find((f) => f.name === 'kube-apiserver')!;
const suite = real.available ? describe : describe.skip;

suite('rolling maintenance on kube-apiserver', () => {
  let t: Target;
  let app: TestApp | undefined;

  beforeAll(async () => {
    t = await real.start();
    await buildWorld(t);
    app = await startProduct(t);
  }, 300_000);
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  it('takes the pool through in waves of 2 without taking ready replicas below the budgets', async () => {
    const r = await runMaintenance(t, app!, 600_000);
    expectScenarioHeld(r);
  }, 700_000);
});
