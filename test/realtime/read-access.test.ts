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
