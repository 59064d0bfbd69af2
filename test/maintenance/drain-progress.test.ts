// A plan's node shows its drain's progress in the same words as a drain job: evicted, terminating, gone and
// blocked told apart (drain-progress.ts).
import { afterEach, expect, it } from 'vitest';
import { auditLogFor } from '../../src/audit/index.js';
import { createOperations, type OperationsServices } from '../../src/operations/index.js';
import type { Store } from '../../src/store/index.js';
import {
  admin,
  memoryStore,
  pod,
  readyNode,
  simFixture,
  until,
  type Fixture,
} from '../operations/fixtures.js';

let f: Fixture | undefined;
let store: Store | undefined;
let dispose: (() => void) | undefined;
let s: OperationsServices | undefined;
afterEach(async () => {
  await s?.jobs.shutdown();
  await store?.close();
  dispose?.();
  await f?.close();
  f = store = s = dispose = undefined;
});

it('a drain held up by a PodDisruptionBudget reads as blocked, with evicted/terminating/gone counts', async () => {
  f = await simFixture();
  for (let i = 0; i < 2; i++) f.sim.state.createNode(readyNode(`m-${i}`, { labels: { pool: 'm' } }));
  f.sim.state.createPod(
    pod({
      ns: 'd',
      name: 'db-0',
      node: 'm-0',
      owner: { kind: 'StatefulSet', name: 'db' },
      labels: { app: 'db' },
    }),
  );
  f.sim.state.createPdb({
    metadata: { name: 'db', namespace: 'd' },
    spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } },
  });
  ({ store, dispose } = await memoryStore());
  s = createOperations({
    db: store.db,
    dialect: store.dialect,
    clients: { client: (c) => (c === 'c1' ? f!.client : undefined) },
    nodes: f.nodes,
    config: { guardMinSchedulable: 0 },
    audit: auditLogFor(store.db),
  });
  await s.jobs.start();
  const r = await s.maintenance.create(admin, {
    targets: [{ cluster: 'c1', nodes: ['m-0', 'm-1'] }],
    maxUnavailable: 1,
    drain: { timeoutSeconds: 600 },
  });
  if (!('job' in r)) throw new Error('expected a started plan');
  const id = r.job.id;
  const m0 = await until(
    async () => {
      const n = (await s!.maintenance.get(admin, id)).maintenance?.nodes.find((x) => x.name === 'm-0');
      return n?.step === 'drain' && n.message?.includes('PodDisruptionBudget') ? n : undefined;
    },
    20_000,
    "m-0's drain to wait for its budget",
  );
  expect(m0.message).toBe('evicted 0/1 · terminating 0 · gone 0 · 1 blocked by a PodDisruptionBudget');
  await s.maintenance.abort(admin, id);
});
