// Open WebSockets follow the identity they were opened with: logout, token revocation, user removal, a
// password reset, session expiry and token expiry close them at once, not at the next periodic re-check (set
// to a week here, so only the immediate paths can close them).
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wsRoutes } from '../../src/api/routes/ws.js';
import type { Clock as TimerClock } from '../../src/clock.js';
import { createLogger } from '../../src/log/logger.js';
import { RealtimeHub } from '../../src/realtime/hub.js';
import {
  ADMIN_PASSWORD,
  asSession,
  asToken,
  createUser,
  Clock,
  signIn,
  startTestApp,
  type Session,
  type TestApp,
} from '../auth/harness.js';
import { signInExternal } from '../../src/auth/external-login.js';
import { mappingFrom } from '../../src/auth/group-roles.js';
import { toAuthUser } from '../../src/auth/users.js';
import { FakeSource } from './fakes.js';
import { TestWs } from './ws-client.js';

/** Timers on the test's fake clock: they fire when the test moves the clock past them. */
class ClockTimers implements TimerClock {
  private seq = 0;
  private readonly due = new Map<number, { at: number; fn: () => void }>();
  constructor(private readonly clock: Clock) {}
  now = () => this.clock.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.seq;
    this.due.set(id, { at: this.clock.t + ms, fn });
    return id;
  };
  clearTimeout = (h: unknown) => void this.due.delete(h as number);
  advance(ms: number) {
    this.clock.advance(ms);
    for (const [id, e] of [...this.due]) {
      if (e.at <= this.clock.t) {
        this.due.delete(id);
        e.fn();
      }
    }
  }
}

let t: TestApp;
let url: string;
let timers: ClockTimers;
let admin: Session;
let source: FakeSource;
const sockets: TestWs[] = [];

beforeEach(async () => {
  source = new FakeSource();
  source.add('a', ['n1', 'n2']);
  const hub = new RealtimeHub({ source, log: createLogger('silent'), pingIntervalMs: 0 });
  const clock = new Clock();
  timers = new ClockTimers(clock);
  t = await startTestApp({
    clock,
    modules: [(a) => a.register(wsRoutes, { hub, revalidateMs: 7 * 24 * 3_600_000, clock: timers })],
  });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  admin = await signIn(t.app, 'admin', ADMIN_PASSWORD);
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await t.close();
});

async function open(headers: Record<string, string>): Promise<TestWs> {
  const ws = await TestWs.open(url, headers);
  sockets.push(ws);
  ws.send({ type: 'subscribe', clusters: ['a'] });
  await ws.next((m) => m.type === 'snapshot');
  return ws;
}
const bySession = (s: Session) => open({ cookie: s.cookie, origin: url });
const byToken = (secret: string) => open(asToken(secret));

async function newToken(s: Session, extra: object = {}): Promise<{ id: string; secret: string }> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/tokens',
    headers: asSession(s),
    payload: { name: 'ws', ...extra },
  });
  return { id: res.json().token.id, secret: res.json().secret };
}

const ENDED = { code: 4401, reason: 'session ended or token revoked' };

describe('a WebSocket closes as soon as its identity ends', () => {
  it('on logout, and only that session’s sockets', async () => {
    const other = await signIn(t.app, 'admin', ADMIN_PASSWORD);
    const ws = await bySession(admin);
    const stays = await bySession(other);
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: asSession(admin) });
    expect(await ws.closedBy()).toEqual(ENDED);
    await stays.barrier();
    expect(stays.closed).toBeUndefined();
  });

  it('on token revocation, and only that token’s sockets', async () => {
    const tok = await newToken(admin);
    const ws = await byToken(tok.secret);
    const stays = await bySession(admin);
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${tok.id}`,
      headers: asSession(admin),
    });
    expect(del.statusCode).toBe(204);
    expect(await ws.closedBy()).toEqual(ENDED);
    await stays.barrier();
    expect(stays.closed).toBeUndefined();
  });

  it('on user removal and on a password reset by an admin', async () => {
    const vera = await createUser(t, admin, 'vera', 'viewer');
    const veraSession = await signIn(t.app, 'vera', vera.password);
    const reset = await bySession(veraSession);
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${vera.id}`,
      headers: asSession(admin),
      payload: { password: 'a-New-password-0042' },
    });
    expect(await reset.closedBy()).toEqual(ENDED);

    const again = await signIn(t.app, 'vera', 'a-New-password-0042');
    const bySess = await bySession(again);
    const byTok = await byToken((await newToken(again)).secret);
    await t.app.inject({ method: 'DELETE', url: `/api/v1/users/${vera.id}`, headers: asSession(admin) });
    expect(await bySess.closedBy()).toEqual(ENDED);
    expect(await byTok.closedBy()).toEqual(ENDED);
  });

  it('a change of the user’s clusters applies to the open connection without closing it', async () => {
    const vera = await createUser(t, admin, 'vera', 'viewer');
    const ws = await bySession(await signIn(t.app, 'vera', vera.password));
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${vera.id}`,
      headers: asSession(admin),
      payload: { clusters: ['b'] },
    });
    expect(patch.statusCode).toBe(200);
    // The re-check runs as the change is made; a round trip or two later cluster "a" is out of reach.
    let refused = false;
    for (let i = 0; i < 50 && !refused; i++) {
      const from = ws.messages.length;
      ws.send({ type: 'subscribe', clusters: ['a'] });
      await ws.barrier();
      refused = ws.messages.slice(from).some((m) => m.type === 'error');
    }
    expect(refused).toBe(true);
    expect(ws.closed).toBeUndefined();
  });

  it('a viewer whose access to a cluster is removed stops receiving its changes, and is told why', async () => {
    const vera = await createUser(t, admin, 'vera', 'viewer');
    const ws = await bySession(await signIn(t.app, 'vera', vera.password));
    const watcher = await bySession(admin);
    source.change({ kind: 'updated', cluster: 'a', name: 'n1', changed: ['labels'] });
    await ws.next((m) => m.type === 'node.updated' && m.name === 'n1');

    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${vera.id}`,
      headers: asSession(admin),
      payload: { clusters: ['b'] },
    });
    expect(patch.statusCode).toBe(200);
    expect(await ws.next((m) => m.type === 'error')).toEqual({
      type: 'error',
      cluster: 'a',
      message: 'your access to cluster "a" was removed',
    });
    const from = ws.messages.length;
    // The admin's socket sees the next change; by then Vera's would have too, were she still subscribed.
    const seen = watcher.messages.length;
    source.change({ kind: 'updated', cluster: 'a', name: 'n2', changed: ['labels'] });
    await watcher.next((m) => m.type === 'node.updated' && m.name === 'n2', seen);
    await ws.barrier();
    expect(ws.messages.slice(from).filter((m) => m.type === 'node.updated')).toEqual([]);
    expect(ws.closed).toBeUndefined();
  });

  it('when a provider account is disabled at its next sign-in (its groups no longer grant access)', async () => {
    const mapping = mappingFrom('sre=viewer', 'none');
    const meta = { ip: '10.0.0.9', requestId: 'ws-test' };
    const auth = t.sec.auth;
    await signInExternal(
      auth,
      t.store.db,
      mapping,
      { source: 'oidc', username: 'pat', groups: ['sre'] },
      meta,
    );
    const row = await auth.users.getRowByUsername('pat');
    const { secret } = await auth.createToken(toAuthUser(row!, 'token'), { name: 'ws' }, meta);
    const ws = await byToken(secret);
    const stays = await bySession(admin);

    await expect(
      signInExternal(auth, t.store.db, mapping, { source: 'oidc', username: 'pat', groups: ['dev'] }, meta),
    ).rejects.toMatchObject({ code: 'NoAccess' });
    expect(await ws.closedBy()).toEqual(ENDED);
    await stays.barrier();
    expect(stays.closed).toBeUndefined();
  });

  it('when its token expires', async () => {
    const ws = await byToken((await newToken(admin, { expiresInDays: 1 })).secret);
    await ws.barrier();
    timers.advance(24 * 3_600_000 - 60_000);
    await ws.barrier();
    expect(ws.closed).toBeUndefined();
    timers.advance(60_000 + 1);
    expect(await ws.closedBy()).toEqual(ENDED);
  });

  it('when the session reaches its idle limit', async () => {
    const ws = await bySession(admin);
    await ws.barrier();
    timers.advance(59 * 60_000);
    await ws.barrier();
    expect(ws.closed).toBeUndefined();
    timers.advance(60_000 + 1);
    expect(await ws.closedBy()).toEqual(ENDED);
  });
});
