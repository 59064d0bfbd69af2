// The webhook API: admins only, URLs checked, the secret and the URL's token never in an answer, a log line or
// the audit log, and a test message that reaches a real receiver.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { webhookRoutes } from '../../src/api/routes/webhooks.js';
import { SecretBox } from '../../src/clusters/crypto.js';
import { WebhookAdmin } from '../../src/notify/admin.js';
import { Notifier } from '../../src/notify/notifier.js';
import { WebhookStore } from '../../src/notify/store.js';
import {
  ADMIN_PASSWORD,
  asSession,
  auditEntries,
  createUser,
  dialects,
  signIn,
  startTestApp,
  type Session,
  type TestApp,
} from '../auth/harness.js';
import { startReceiver } from './harness.js';

const SECRET = 'hmac-Secret-value-42';

describe.each(dialects)('webhooks API on $name', (dialect) => {
  let t: TestApp;
  let admin: Session;
  let notifier: Notifier;
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  beforeEach(async () => {
    rx = await startReceiver();
    t = await startTestApp({
      dialect,
      modules: [
        (a, s) => {
          const store = new WebhookStore(s.store.db, new SecretBox(randomBytes(32)));
          notifier = new Notifier({ store, audit: s.security.audit, log: s.log });
          return a.register(webhookRoutes, { webhooks: new WebhookAdmin(store, notifier, s.security.audit) });
        },
      ],
    });
    admin = await signIn(t.app, 'admin', ADMIN_PASSWORD);
  });
  afterEach(async () => {
    await notifier.stop();
    await t.close();
    await rx.close();
  });

  const call = (s: Session, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1/webhooks${url}`, headers: asSession(s), payload });
  const valid = () => ({
    name: 'ops',
    url: rx.url,
    format: 'generic',
    events: ['job.failed'],
    secret: SECRET,
  });

  it('creates, lists, edits and removes an endpoint without ever answering its secret or full URL', async () => {
    const created = await call(admin, 'POST', '', valid());
    expect(created.statusCode).toBe(201);
    const w = created.json().webhook;
    expect(w).toMatchObject({
      name: 'ops',
      format: 'generic',
      events: ['job.failed'],
      clusters: null,
      debounceSeconds: 60,
      hasSecret: true,
      enabled: true,
      host: new URL(rx.url).host,
      url: `${new URL(rx.url).origin}/…`,
    });
    const answers = [created.body];
    answers.push((await call(admin, 'GET', '')).body, (await call(admin, 'GET', `/${w.id}`)).body);
    const edited = await call(admin, 'PATCH', `/${w.id}`, { debounceSeconds: 5, clusters: ['prod'] });
    expect(edited.json().webhook).toMatchObject({ debounceSeconds: 5, clusters: ['prod'], hasSecret: true });
    answers.push(edited.body);
    const cleared = await call(admin, 'PATCH', `/${w.id}`, { secret: null });
    expect(cleared.json().webhook.hasSecret).toBe(false);

    const all = [...answers, ...t.logs, JSON.stringify(await auditEntries(t))].join('\n');
    for (const s of [SECRET, 'tok3n-in-path', 'qs-token']) expect(all).not.toContain(s);
    const actions = (await auditEntries(t, { operation: 'webhook' })).map((e) => e.action);
    expect(actions).toEqual(['webhook.update', 'webhook.update', 'webhook.create']);

    expect((await call(admin, 'DELETE', `/${w.id}`)).statusCode).toBe(204);
    expect((await call(admin, 'GET', `/${w.id}`)).statusCode).toBe(404);
  });

  it.each([
    ['a user name and password', 'https://user:pass@hooks.example.com/x', 'user name or password'],
    ['a non-http scheme', 'ftp://hooks.example.com/x', 'http:// or https://'],
    ['a javascript: URL', 'javascript:alert(1)', 'http:// or https://'],
    ['a relative URL', '/hooks/x', 'not a valid absolute URL'],
  ])('refuses a URL with %s and stores nothing', async (_what, url, message) => {
    const res = await call(admin, 'POST', '', { ...valid(), url });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'BadRequest', field: 'url' });
    expect(res.json().error.message).toContain(message);
    expect(res.body).not.toContain('pass@');
    expect((await call(admin, 'GET', '')).json().items).toEqual([]);
  });

  it('refuses unknown formats, events and fields with the field named', async () => {
    for (const [patch, field] of [
      [{ format: 'teams' }, 'format'],
      [{ events: ['node.exploded'] }, 'events.0'],
      [{ events: [] }, 'events'],
      [{ debounceSeconds: -1 }, 'debounceSeconds'],
      [{ secret: 'short' }, 'secret'],
    ] as const) {
      const res = await call(admin, 'POST', '', { ...valid(), ...patch });
      expect(res.statusCode, JSON.stringify(patch)).toBe(400);
      expect(res.json().error.field).toBe(field);
      expect(res.body).not.toContain(SECRET);
    }
    const dup = await call(admin, 'POST', '', valid());
    expect(dup.statusCode).toBe(201);
    expect((await call(admin, 'POST', '', valid())).statusCode).toBe(409);
  });

  it('is for admins only', async () => {
    const op = await createUser(t, admin, 'olga', 'operator');
    const s = await signIn(t.app, 'olga', op.password);
    expect((await call(s, 'GET', '')).statusCode).toBe(403);
    expect((await call(s, 'POST', '', valid())).statusCode).toBe(403);
  });

  it('sends a test message to the receiver and shows the delivery', async () => {
    const w = (await call(admin, 'POST', '', valid())).json().webhook;
    const res = await call(admin, 'POST', `/${w.id}/test`);
    expect(res.statusCode).toBe(202);
    await notifier.idle();
    expect(rx.received).toHaveLength(1);
    expect(JSON.parse(rx.received[0]!.body)).toMatchObject({ type: 'webhook.test', endpoint: 'ops' });
    const detail = (await call(admin, 'GET', `/${w.id}`)).json();
    expect(detail.deliveries[0]).toMatchObject({
      event: 'webhook.test',
      status: 'delivered',
      responseCode: 200,
    });
    const list = (await call(admin, 'GET', '')).json();
    expect(list.items[0].lastDelivery).toMatchObject({ status: 'delivered' });
    expect(list.status).toMatchObject({ dropped: 0, queued: 0 });
    const tested = await auditEntries(t, { operation: 'webhook.test' });
    expect(tested[0]).toMatchObject({ user: 'admin', outcome: 'success', status: 202 });
  });
});
