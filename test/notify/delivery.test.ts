// Webhook delivery against a real HTTP receiver: signatures, payload shapes, back-off, give-up, debounce, the
// bounded queue, redirects, and what reaches the logs.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { webhookAttempts, webhookDeliveries } from '../../src/metrics/registry.js';
import { failedJob, startNotifier, startReceiver } from './harness.js';

interface CounterReading {
  get(): Promise<{ values: { labels: Partial<Record<string, string | number>>; value: number }[] }>;
}

async function metric(c: CounterReading, label: string, value: string): Promise<number> {
  return (await c.get()).values.find((v) => v.labels[label] === value)?.value ?? 0;
}

async function until(ok: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(codes?: number[], o?: Parameters<typeof startNotifier>[0]) {
  const rx = await startReceiver(codes);
  const n = await startNotifier(o);
  cleanups.push(rx.close, n.close);
  return { rx, n };
}

describe('webhook delivery', () => {
  it('signs the generic body so a receiver can verify it, and audits the delivery', async () => {
    const { rx, n } = await setup();
    const ep = await n.add(rx.url);
    n.notifier.onJobFinished(failedJob());
    await n.notifier.idle();

    expect(rx.received).toHaveLength(1);
    const { headers, body } = rx.received[0]!;
    const ts = headers['x-knm-timestamp'] as string;
    const expected =
      'v1=' + createHmac('sha256', 'signing-secret-1234').update(`${ts}.${body}`).digest('hex');
    expect(headers['x-knm-signature']).toBe(expected);
    expect(Number(ts)).toBe(Math.floor(n.timers.now() / 1000));
    // A tampered body does not verify.
    const forged = createHmac('sha256', 'signing-secret-1234').update(
      `${ts}.${body.replace('alice', 'mallory')}`,
    );
    expect(headers['x-knm-signature']).not.toBe('v1=' + forged.digest('hex'));
    const msg = JSON.parse(body);
    expect(msg).toMatchObject({
      type: 'job.failed',
      job: { id: 'job-1', operation: 'drain', status: 'failed', createdBy: 'alice', clusters: ['prod'] },
    });
    expect(msg.job.failedNodes).toEqual([
      { cluster: 'prod', name: 'n1', message: 'eviction blocked by PDB' },
      { cluster: 'prod', name: 'n2', message: 'timed out' },
    ]);
    expect(headers['x-knm-delivery']).toBe(msg.id);
    expect(headers['x-knm-event']).toBe('job.failed');

    const [d] = await n.webhooks.deliveries(ep.id);
    expect(d).toMatchObject({ status: 'delivered', attempts: 1, responseCode: 200, event: 'job.failed' });
    const audit = await n.audit.list({ operation: 'webhook' });
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]).toMatchObject({ action: 'webhook.deliver', outcome: 'success', cluster: 'prod' });
    expect(JSON.stringify(audit.items[0])).not.toContain('tok3n-in-path');
  });

  it('sends Slack a text message and Feishu its signed text message', async () => {
    const { rx, n } = await setup();
    await n.add(rx.url, { name: 'slack', format: 'slack', secret: null });
    await n.add(rx.url, { name: 'feishu', format: 'feishu', secret: 'feishu-bot-secret' });
    n.notifier.onJobFinished(failedJob());
    await n.notifier.idle();

    expect(rx.received).toHaveLength(2);
    const bodies = rx.received.map((r) => JSON.parse(r.body));
    const slack = bodies.find((b) => 'text' in b)!;
    expect(Object.keys(slack)).toEqual(['text']);
    expect(slack.text).toContain('Job job-1 (drain by alice) failed on prod');
    const feishu = bodies.find((b) => b.msg_type === 'text')!;
    expect(feishu.content.text).toBe(slack.text);
    // Feishu's check: base64(HMAC-SHA256 keyed by "timestamp\nsecret" over nothing).
    const sign = createHmac('sha256', `${feishu.timestamp}\nfeishu-bot-secret`).update('').digest('base64');
    expect(feishu.sign).toBe(sign);
    expect(feishu.timestamp).toBe(String(Math.floor(n.timers.now() / 1000)));
    // Slack without a secret gets no signature headers.
    const slackReq = rx.received.find((r) => 'text' in JSON.parse(r.body))!;
    expect(slackReq.headers['x-knm-signature']).toBeUndefined();
  });

  it('retries a 500 with growing back-off and jitter, then records the success', async () => {
    const { rx, n } = await setup([500, 503, 200], { baseDelayMs: 1000, maxAttempts: 5 });
    const ep = await n.add(rx.url);
    n.notifier.onJobFinished(failedJob());
    await n.notifier.idle();
    expect(rx.received).toHaveLength(1);
    expect((await n.webhooks.deliveries(ep.id))[0]).toMatchObject({
      status: 'retrying',
      attempts: 1,
      responseCode: 500,
    });

    // random() = 0.5: half the cap plus a quarter, so 750 ms after the first try and 1,500 after the second.
    n.timers.advance(749);
    await n.notifier.idle();
    expect(rx.received).toHaveLength(1);
    n.timers.advance(1);
    await n.notifier.idle();
    expect(rx.received).toHaveLength(2);
    n.timers.advance(1499);
    await n.notifier.idle();
    expect(rx.received).toHaveLength(2);
    n.timers.advance(1);
    await n.notifier.idle();
    expect(rx.received).toHaveLength(3);
    expect(n.timers.requested).toEqual([750, 1500]);
    // One delivery: every attempt carries the same id, so a receiver can drop duplicates.
    expect(new Set(rx.received.map((r) => r.headers['x-knm-delivery'])).size).toBe(1);
    const [d] = await n.webhooks.deliveries(ep.id);
    expect(d).toMatchObject({ status: 'delivered', attempts: 3, responseCode: 200 });
    const audit = await n.audit.list({ operation: 'webhook' });
    expect(audit.items.map((a) => a.outcome)).toEqual(['success']);
  });

  it('gives up after the last attempt and shows the failure', async () => {
    const { rx, n } = await setup([500], { baseDelayMs: 100, maxAttempts: 3 });
    const ep = await n.add(rx.url);
    const failedBefore = await metric(webhookDeliveries, 'outcome', 'failed');
    const answeredBefore = await metric(webhookAttempts, 'result', 'answered');
    n.notifier.onJobFinished(failedJob());
    for (let i = 0; i < 5; i++) {
      await n.notifier.idle();
      n.timers.advance(10_000);
    }
    await n.notifier.idle();
    expect(rx.received).toHaveLength(3);
    const [d] = await n.webhooks.deliveries(ep.id);
    expect(d).toMatchObject({
      status: 'failed',
      attempts: 3,
      responseCode: 500,
      error: 'answered 500 Internal Server Error',
    });
    const audit = await n.audit.list({ operation: 'webhook' });
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]).toMatchObject({ outcome: 'failure', status: 500 });
    expect((await metric(webhookDeliveries, 'outcome', 'failed')) - failedBefore).toBe(1);
    expect((await metric(webhookAttempts, 'result', 'answered')) - answeredBefore).toBe(3);
  });

  it('does not retry a 4xx and does not follow a redirect', async () => {
    const elsewhere = await startReceiver();
    cleanups.push(elsewhere.close);
    const rx = await startReceiver([302]);
    const n = await startNotifier();
    cleanups.push(rx.close, n.close);
    const ep = await n.add(rx.url);
    n.notifier.onJobFinished(failedJob());
    await n.notifier.idle();
    n.timers.advance(600_000);
    await n.notifier.idle();
    expect(rx.received).toHaveLength(1);
    expect(elsewhere.received).toHaveLength(0);
    expect((await n.webhooks.deliveries(ep.id))[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      responseCode: 302,
      error: 'redirect (302) not followed',
    });
  });

  it('sends nothing for a node that flaps back within the debounce, and the change that lasts', async () => {
    const { rx, n } = await setup();
    await n.add(rx.url, { events: ['node.health'], debounceMs: 30_000 });
    const at = (ms: number) => new Date(n.timers.now() + ms).toISOString();
    const t = {
      cluster: 'prod',
      node: 'n1',
      kind: 'NotReady',
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
    };
    n.notifier.onHealthTransition({ ...t, healthy: false, at: at(0) });
    await n.notifier.idle();
    n.timers.advance(10_000);
    n.notifier.onHealthTransition({ ...t, healthy: true, at: at(0) });
    await n.notifier.idle();
    n.timers.advance(120_000);
    await n.notifier.idle();
    expect(rx.received).toHaveLength(0);
    expect(n.notifier.status()).toMatchObject({ suppressed: 1, debouncing: 0 });

    n.notifier.onHealthTransition({ ...t, node: 'n2', healthy: false, at: at(0) });
    await n.notifier.idle();
    n.timers.advance(29_999);
    await n.notifier.idle();
    expect(rx.received).toHaveLength(0);
    n.timers.advance(1);
    await n.notifier.idle();
    expect(rx.received).toHaveLength(1);
    expect(JSON.parse(rx.received[0]!.body)).toMatchObject({
      type: 'node.health',
      transition: { cluster: 'prod', node: 'n2', kind: 'NotReady', healthy: false, status: 'Unknown' },
    });
  });

  it('leaves health changes to the leader, and filters by cluster and event', async () => {
    let leader = false;
    const { rx, n } = await setup([200], { isLeader: () => leader });
    await n.add(rx.url, { events: ['node.health', 'job.succeeded'], clusters: ['staging'] });
    const change = { cluster: 'staging', node: 'n1', kind: 'DiskPressure', healthy: false, at: 'x' };
    n.notifier.onHealthTransition(change);
    n.notifier.onJobFinished(failedJob({ nodes: [{ cluster: 'staging', name: 'n1', status: 'failed' }] }));
    n.notifier.onJobFinished(
      failedJob({ status: 'succeeded', nodes: [{ cluster: 'prod', name: 'n', status: 'ok' }] }),
    );
    await n.notifier.idle();
    expect(rx.received).toHaveLength(0);
    leader = true;
    n.notifier.onHealthTransition(change);
    await n.notifier.idle();
    expect(rx.received.map((r) => r.headers['x-knm-event'])).toEqual(['node.health']);
  });

  it('keeps a bounded queue: the oldest delivery is dropped and counted', async () => {
    const { rx, n } = await setup([500], { queueLimit: 2, maxAttempts: 10, baseDelayMs: 60_000 });
    const ep = await n.add(rx.url);
    for (const id of ['j1', 'j2', 'j3']) {
      n.notifier.onJobFinished(failedJob({ id }));
      await n.notifier.idle();
    }
    expect(n.notifier.status()).toMatchObject({ dropped: 1, waitingRetry: 2 });
    const ds = await n.webhooks.deliveries(ep.id);
    const dropped = ds.filter((d) => d.status === 'dropped');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]!.summary).toContain('Job j1');
  });

  it('never logs the URL path, query or secret', async () => {
    const { rx, n } = await setup([500, 200], { baseDelayMs: 10 });
    await n.add(rx.url);
    n.notifier.onJobFinished(failedJob());
    await n.notifier.idle();
    n.timers.advance(100);
    await n.notifier.idle();
    expect(rx.received).toHaveLength(2);
    const text = n.logs.join('\n');
    expect(text).toContain('webhook delivered');
    expect(text).toContain('127.0.0.1');
    for (const s of ['tok3n-in-path', 'qs-token', 'signing-secret-1234']) expect(text).not.toContain(s);
    const audit = JSON.stringify(await n.audit.list({}));
    for (const s of ['tok3n-in-path', 'qs-token', 'signing-secret-1234']) expect(audit).not.toContain(s);
  });

  it('at shutdown sends what was just queued, and records a retry still waiting as dropped', async () => {
    const { rx, n } = await setup([500, 200], { baseDelayMs: 60_000 });
    const ep = await n.add(rx.url);
    n.notifier.onJobFinished(failedJob({ id: 'j1' }));
    await n.notifier.idle();
    // j1 waits a minute for its retry; j2 (a job interrupted by this shutdown) is only queued.
    n.notifier.onJobFinished(failedJob({ id: 'j2', status: 'interrupted' }));
    await n.notifier.stop();
    expect(rx.received.map((r) => JSON.parse(r.body).job.id)).toEqual(['j1', 'j2']);
    const byJob = Object.fromEntries(
      (await n.webhooks.deliveries(ep.id)).map((d) => [d.summary.split(' ')[1], d]),
    );
    expect(byJob.j1).toMatchObject({ status: 'dropped', attempts: 1 });
    expect(byJob.j2).toMatchObject({ status: 'delivered', attempts: 1, event: 'job.interrupted' });
  });

  it('keeps serving other webhooks while one receiver hangs', async () => {
    // A receiver that reads the request and never answers until released.
    const held: http.ServerResponse[] = [];
    let released = false;
    const hanging = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => (released ? res.end() : held.push(res)));
    });
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    const release = () => {
      released = true;
      for (const res of held.splice(0)) res.end();
    };
    cleanups.push(async () => {
      release();
      await new Promise<void>((r) => hanging.close(() => r()));
    });
    // The attempt timeout is far beyond the test: on a loaded machine a 30 s one could expire the held requests
    // before the slots are inspected, and this test is about slots, not timeouts.
    const { rx, n } = await setup([200], { concurrency: 4, perEndpoint: 2, timeoutMs: 3_600_000 });
    await n.add(`http://127.0.0.1:${(hanging.address() as AddressInfo).port}/slow`, { name: 'slow' });
    for (const id of ['j1', 'j2', 'j3']) n.notifier.onJobFinished(failedJob({ id }));
    await until(() => held.length === 2, 'two attempts at the hanging receiver');
    await n.add(rx.url, { name: 'fast' });
    n.notifier.invalidate();
    n.notifier.onJobFinished(failedJob({ id: 'j4' }));
    await until(() => rx.received.length === 1, 'the other webhook to be served');
    expect(JSON.parse(rx.received[0]!.body).job.id).toBe('j4');
    expect(held).toHaveLength(2);
    // The receiver has the fast message before its sender has read the answer: wait for that to settle.
    await until(() => n.notifier.status().inFlight === 2, 'the fast delivery to finish');
    // j3 and j4 for the hanging receiver wait for its slots.
    expect(n.notifier.status()).toMatchObject({ inFlight: 2, queued: 2 });
    release();
    await n.notifier.idle();
    expect(n.notifier.status()).toMatchObject({ inFlight: 0, queued: 0 });
  });
});
