// The WebSocket scope on clusters that act as the signed-in user: what the cluster's own RBAC does not let a
// user list is neither snapshotted nor streamed to them, and they are told why.
import { afterEach, describe, expect, it } from 'vitest';
import { RealtimeHub } from '../../src/realtime/hub.js';
import { createLogger } from '../../src/log/logger.js';
import type { ActingIdentity } from '../../src/auth/identity.js';
import { FakeClock } from '../support/fake-clock.js';
import { admin, FakeSocket, FakeSource } from './fakes.js';

const hubs: RealtimeHub[] = [];
afterEach(() => hubs.splice(0).forEach((h) => h.close()));

function make(deniedFor: (who: ActingIdentity, cluster: string) => string | undefined) {
  const source = new FakeSource();
  source.add('open', ['n1']);
  source.add('strict', ['s1', 's2']);
  const asked: string[] = [];
  const clock = new FakeClock();
  const hub = new RealtimeHub({
    source,
    log: createLogger('silent'),
    clock,
    windowMs: 50,
    pingIntervalMs: 0,
    readAccess: {
      denied: async (who, clusters) => {
        asked.push(...clusters);
        const out = new Map<string, string>();
        for (const c of clusters) {
          const reason = deniedFor(who, c);
          if (reason) out.set(c, reason);
        }
        return out;
      },
    },
  });
  hubs.push(hub);
  const sock = new FakeSocket();
  const c = hub.connect(sock, admin);
  sock.take();
  return { hub, sock, c, source, asked, clock };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('WebSocket scope under a cluster’s own RBAC', () => {
  it('a wildcard subscriber gets the allowed cluster’s snapshot and only the reason for the refused one', async () => {
    const { hub, sock, c, source, clock } = make((who, cluster) =>
      cluster === 'strict' ? `cluster "strict" does not let ${who.username} list nodes` : undefined,
    );
    hub.message(c, JSON.stringify({ type: 'subscribe', clusters: ['*'] }));
    await settle();
    const frames = sock.take();
    expect(frames.filter((f) => f.type === 'snapshot').map((f) => f.cluster)).toEqual(['open']);
    expect(frames).toContainEqual({
      type: 'error',
      cluster: 'strict',
      message: 'cluster "strict" does not let admin list nodes',
    });

    source.change({ kind: 'updated', cluster: 'strict', name: 's1', changed: ['labels'] });
    source.change({ kind: 'updated', cluster: 'open', name: 'n1', changed: ['labels'] });
    await clock.advance(0);
    const later = sock.take();
    expect(later).toMatchObject([{ type: 'node.updated', cluster: 'open', name: 'n1' }]);
  });

  it('asking for a refused cluster by name subscribes to nothing there', async () => {
    const { hub, sock, c } = make(() => 'refused');
    hub.message(c, JSON.stringify({ type: 'subscribe', clusters: ['strict'] }));
    await settle();
    expect(sock.take()).toEqual([{ type: 'error', cluster: 'strict', message: 'refused' }]);
  });
});

describe('live subscriptions are reviewed again', () => {
  it('a review that the cluster now refuses ends the subscription with the reason', async () => {
    let refuse = false;
    const { hub, sock, c, source, clock, asked } = make((who, cluster) =>
      refuse && cluster === 'strict' ? `cluster "strict" does not let ${who.username} list nodes` : undefined,
    );
    hub.message(c, JSON.stringify({ type: 'subscribe', clusters: ['strict'] }));
    await settle();
    expect(sock.take().map((f) => f.type)).toEqual(['cluster.state', 'snapshot']);

    // Within the review's 30 s, the first answer holds.
    refuse = true;
    asked.length = 0;
    await clock.advance(29_000);
    expect(asked).toEqual([]);
    source.change({ kind: 'updated', cluster: 'strict', name: 's1', changed: ['labels'] });
    await clock.advance(100);
    expect(sock.take()).toMatchObject([{ type: 'node.updated', cluster: 'strict', name: 's1' }]);

    // When it runs out the cluster is asked again; its refusal ends the subscription, with its reason.
    await clock.advance(1_000);
    expect(asked).toEqual(['strict']);
    expect(sock.take()).toEqual([
      { type: 'error', cluster: 'strict', message: 'cluster "strict" does not let admin list nodes' },
    ]);
    source.change({ kind: 'updated', cluster: 'strict', name: 's2', changed: ['labels'] });
    await clock.advance(100);
    expect(sock.take()).toEqual([]);
    expect(hub.stats().clients).toBe(1);

    // Allowed again at a later review: the subscription resumes from a fresh snapshot.
    refuse = false;
    await clock.advance(30_000);
    const back = sock.take();
    expect(back.map((f) => f.type)).toEqual(['cluster.state', 'snapshot']);
    source.change({ kind: 'updated', cluster: 'strict', name: 's1', changed: ['labels'] });
    await clock.advance(100);
    expect(sock.take()).toMatchObject([{ type: 'node.updated', cluster: 'strict', name: 's1' }]);
  });

  it('a narrowed cluster list or changed groups end what the user may no longer see, at once', async () => {
    const { hub, sock, c, source, clock } = make((who, cluster) =>
      cluster === 'strict' && who.groups.includes('gone') ? 'refused for group gone' : undefined,
    );
    hub.message(c, JSON.stringify({ type: 'subscribe', clusters: ['*'] }));
    await settle();
    sock.take();

    // The provider now sends another group: the cluster's RBAC is asked again without waiting for 30 s.
    hub.setUser(c, { ...c.user, source: 'oidc', groups: ['gone'] });
    await settle();
    expect(sock.take()).toEqual([{ type: 'error', cluster: 'strict', message: 'refused for group gone' }]);

    // Our own cluster list narrows: the subscription ends with the reason.
    hub.setUser(c, { ...c.user, role: 'viewer', clusters: [] });
    await settle();
    expect(sock.take()).toEqual([
      { type: 'error', cluster: 'open', message: 'your access to cluster "open" was removed' },
    ]);
    source.change({ kind: 'updated', cluster: 'open', name: 'n1', changed: ['labels'] });
    source.change({ kind: 'updated', cluster: 'strict', name: 's1', changed: ['labels'] });
    await clock.advance(100);
    expect(sock.take()).toEqual([]);
  });

  it('a cluster that cannot be asked ends the subscription (fail closed), and nothing is left behind', async () => {
    let fail = false;
    const { hub, sock, c, clock } = make(() => {
      if (fail) throw new Error('connection refused');
      return undefined;
    });
    hub.message(c, JSON.stringify({ type: 'subscribe', clusters: ['open'] }));
    await settle();
    sock.take();
    fail = true;
    await clock.advance(30_000);
    expect(sock.take()).toEqual([
      { type: 'error', cluster: 'open', message: 'cluster "open" could not be asked what you may see' },
    ]);
    hub.disconnect(c);
    expect(hub.stats().timers).toBe(0);
  });
});

describe('a cluster that starts acting as the signed-in user under a live subscription', () => {
  it('is reviewed at the next round and ends the subscription the cluster refuses', async () => {
    const source = new FakeSource();
    source.add('c1', ['n1']);
    const clock = new FakeClock();
    let impersonates = false;
    const hub = new RealtimeHub({
      source,
      log: createLogger('silent'),
      clock,
      pingIntervalMs: 0,
      readAccess: {
        applies: () => impersonates,
        denied: async (_who, clusters) =>
          new Map(impersonates ? clusters.map((c) => [c, `cluster "${c}" refuses`] as const) : []),
      },
    });
    hubs.push(hub);
    const sock = new FakeSocket();
    const c = hub.connect(sock, admin);
    hub.message(c, JSON.stringify({ type: 'subscribe', clusters: ['c1'] }));
    await settle();
    sock.take();
    impersonates = true;
    await clock.advance(30_000);
    expect(sock.take()).toEqual([{ type: 'error', cluster: 'c1', message: 'cluster "c1" refuses' }]);
  });
});

describe('one cluster’s review does not wait for another’s', () => {
  it('a refusal is applied while another cluster has not answered yet', async () => {
    const source = new FakeSource();
    source.add('fast', ['f1']);
    source.add('slow', ['s1']);
    const clock = new FakeClock();
    let round = 0;
    const hub = new RealtimeHub({
      source,
      log: createLogger('silent'),
      clock,
      pingIntervalMs: 0,
      readAccess: {
        denied: (_who, clusters) => {
          if (round === 0) return Promise.resolve(new Map());
          // In the second round "slow" never answers and "fast" refuses.
          if (clusters.includes('slow')) return new Promise<Map<string, string>>(() => undefined);
          return Promise.resolve(new Map(clusters.map((c) => [c, `cluster "${c}" refuses`] as const)));
        },
      },
    });
    hubs.push(hub);
    const sock = new FakeSocket();
    const c = hub.connect(sock, admin);
    hub.message(c, JSON.stringify({ type: 'subscribe', clusters: ['*'] }));
    await settle();
    sock.take();
    round = 1;
    await clock.advance(30_000);
    expect(sock.take()).toEqual([{ type: 'error', cluster: 'fast', message: 'cluster "fast" refuses' }]);
  });
});
