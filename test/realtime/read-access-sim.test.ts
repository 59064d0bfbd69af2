// Live subscriptions against a cluster's own RBAC, with the real access reviews sent as the user (impersonated)
// to the simulator's RBAC model: when the review runs out (30 s on the fake clock) and the cluster no longer
// lets the user list nodes, the subscription ends with the cluster's reason and nothing more is sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthUser } from '../../src/auth/identity.js';
import { AccessReviews } from '../../src/clusters/access-review.js';
import { impersonationFor } from '../../src/clusters/impersonation.js';
import { impersonating } from '../../src/kube/impersonation.js';
import { createLogger } from '../../src/log/logger.js';
import { RealtimeHub } from '../../src/realtime/hub.js';
import { startSim, type SimServer } from '../../src/sim/index.js';
import { newClient } from '../cache/sim-helpers.js';
import { FakeClock } from '../support/fake-clock.js';
import { until } from '../support/until.js';
import { admin, FakeSocket, FakeSource } from './fakes.js';

const READ = { verbs: ['get', 'list', 'watch'], resources: ['nodes'] };
const vera: AuthUser = { ...admin, id: '7', username: 'vera', role: 'viewer' };

let sim: SimServer;
beforeAll(async () => {
  sim = await startSim({ nodes: 1, podsPerNode: 0, rbac: [{ groups: ['knm:viewer'], ...READ }] });
});
afterAll(async () => {
  await sim?.close();
});

describe('a live subscription on the simulator’s RBAC', () => {
  it('ends with the cluster’s reason once a review the cluster now refuses is asked', async () => {
    const clock = new FakeClock();
    const base = newClient(sim, 'sim');
    const access = new AccessReviews({
      client: (_c, who) =>
        impersonating(base, impersonationFor(who, { impersonateLocalGroups: ['knm:{role}'] })),
      impersonates: () => true,
      now: clock.now,
    });
    const source = new FakeSource();
    source.add('sim', ['n1']);
    const hub = new RealtimeHub({
      source,
      log: createLogger('silent'),
      clock,
      pingIntervalMs: 0,
      readAccess: access,
    });
    try {
      const sock = new FakeSocket();
      const c = hub.connect(sock, vera);
      sock.take();
      hub.message(c, JSON.stringify({ type: 'subscribe', clusters: ['sim'] }));
      await until('the snapshot', () => sock.frames.some((f) => f.type === 'snapshot'));
      sock.take();

      sim.setRbac([]);
      // Within the 30 s the first answer holds: changes still flow.
      await clock.advance(29_000);
      source.change({ kind: 'updated', cluster: 'sim', name: 'n1', changed: ['labels'] });
      await clock.advance(100);
      expect(sock.take().map((f) => f.type)).toEqual(['node.updated']);

      await clock.advance(1_000);
      const err = await until('the refusal', () => sock.frames.find((f) => f.type === 'error'));
      expect(err).toEqual({
        type: 'error',
        cluster: 'sim',
        message: 'cluster "sim" does not let vera list nodes (its own RBAC decides on this cluster)',
      });
      sock.take();
      source.change({ kind: 'updated', cluster: 'sim', name: 'n1', changed: ['labels'] });
      await clock.advance(100);
      expect(sock.take()).toEqual([]);
    } finally {
      hub.close();
    }
  });
});
