// A real batch job over the simulated API server reaches its final state and the notifier posts it to a real
// receiver: the job runner's completion hook is what drives job notifications.
import { randomBytes } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { SecretBox } from '../../src/clusters/crypto.js';
import { Notifier } from '../../src/notify/notifier.js';
import { WebhookStore } from '../../src/notify/store.js';
import { displayUrl } from '../../src/notify/url.js';
import type { JobRunner } from '../../src/operations/index.js';
import { memoryStore, operator, runner, simFixture, until, type Fixture } from '../operations/fixtures.js';
import { startReceiver } from './harness.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it('posts a partly failed cordon job once, naming the node that failed', async () => {
  const f: Fixture = await simFixture({ nodes: 3, guard: 0 });
  cleanups.push(() => f.close());
  const { store, dispose } = await memoryStore();
  cleanups.push(dispose, () => store.close());
  const rx = await startReceiver();
  cleanups.push(rx.close);
  const webhooks = new WebhookStore(store.db, new SecretBox(randomBytes(32)));
  const url = new URL(rx.url);
  await webhooks.create(
    {
      name: 'ops',
      url,
      urlDisplay: displayUrl(url),
      format: 'generic',
      events: ['job.partial', 'job.failed'],
      clusters: ['c1'],
      debounceMs: 0,
      secret: null,
      enabled: true,
    },
    'admin',
  );
  const notifier = new Notifier({ store: webhooks });
  cleanups.push(() => notifier.stop());
  const r: JobRunner = runner(f, store, { onFinished: (job) => notifier.onJobFinished(job) });
  cleanups.push(() => r.abandon());
  f.sim.injectFailures({
    verb: 'patch',
    resource: 'nodes',
    name: 'node-0001',
    status: 403,
    message: 'forbidden here',
  });

  const job = await r.submit(operator, {
    operation: 'cordon',
    targets: [{ cluster: 'c1', nodes: ['node-0000', 'node-0001', 'node-0002'] }],
    params: {},
    concurrency: 3,
  });
  await r.waitFor(job.id);
  await until(() => rx.received.length > 0, 10_000, 'the webhook');
  await notifier.idle();

  expect(rx.received).toHaveLength(1);
  const msg = JSON.parse(rx.received[0]!.body);
  expect(msg).toMatchObject({
    type: 'job.partial',
    clusters: ['c1'],
    job: { id: job.id, operation: 'cordon', status: 'partial', counts: { ok: 2, failed: 1 } },
  });
  expect(msg.job.failedNodes).toEqual([expect.objectContaining({ cluster: 'c1', name: 'node-0001' })]);
});
