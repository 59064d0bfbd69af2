// Through the whole application (src/app.ts): a webhook added over the API sends its test message to a real
// receiver, the secret sealed in the store and absent from every answer and log line.
import { afterEach, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../server/harness.js';
import { startReceiver } from './harness.js';

let t: TestApp | undefined;
let rx: Awaited<ReturnType<typeof startReceiver>> | undefined;
afterEach(async () => {
  await t?.close();
  await rx?.close();
});

it('serves /api/v1/webhooks and delivers a signed test message', async () => {
  rx = await startReceiver();
  t = await makeTestApp();
  const secret = 'whole-app-Secret-99';
  const created = await t.call('POST', '/api/v1/webhooks', {
    name: 'ops',
    url: rx.url,
    format: 'generic',
    events: ['job.failed'],
    secret,
  });
  expect(created.statusCode).toBe(201);
  const { id } = created.json().webhook;
  expect((await t.call('POST', `/api/v1/webhooks/${id}/test`)).statusCode).toBe(202);

  const end = Date.now() + 10_000;
  while (rx.received.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  expect(rx.received).toHaveLength(1);
  expect(rx.received[0]!.headers['x-knm-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
  const rows = await t.app.services.store.db
    .selectFrom('webhooks')
    .select(['url_enc', 'secret_enc'])
    .execute();
  expect(JSON.stringify(rows)).not.toContain(secret);
  expect(JSON.stringify(rows)).not.toContain('tok3n-in-path');
  for (const s of [secret, 'tok3n-in-path', 'qs-token']) {
    expect(t.bodies.join('\n')).not.toContain(s);
    expect(t.logs.text).not.toContain(s);
  }
  expect((await t.call('GET', '/api/v1/webhooks', undefined, { 'x-test-role': 'operator' })).statusCode).toBe(
    403,
  );
});
