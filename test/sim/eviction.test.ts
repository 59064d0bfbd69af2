/* eslint-disable @typescript-eslint/no-explicit-any -- tests read arbitrary Kubernetes JSON */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimServer } from '../../src/sim/index.js';
import { api, node, rawWatch, runningPod, waitFor } from './helpers.js';

const evict = (sim: SimServer, ns: string, name: string, deleteOptions?: unknown) =>
  api(sim, 'POST', `/api/v1/namespaces/${ns}/pods/${name}/eviction`, {
    body: {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name, namespace: ns },
      ...(deleteOptions ? { deleteOptions } : {}),
    },
  });

describe('simulator eviction and graceful deletion', () => {
  let sim: SimServer;

  beforeAll(async () => {
    // 30 s grace periods run in 30 ms.
    sim = await startSim({ nodes: 0, gracePeriodScale: 0.001 });
    sim.state.createNode(node('n1'));
    sim.state.createNamespace({ metadata: { name: 'shop' } });
  });
  afterAll(() => sim.close());

  it('computes PDB status like the disruption controller and refuses evictions beyond it with 429', async () => {
    for (let i = 0; i < 3; i++) sim.state.createPod(runningPod('shop', `web-${i}`, 'n1', { app: 'web' }));
    sim.state.createPod(runningPod('shop', 'web-unready', 'n1', { app: 'web' }, false));
    sim.state.createPdb({
      metadata: { name: 'web', namespace: 'shop' },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
    });
    const pdb = (await api(sim, 'GET', '/apis/policy/v1/namespaces/shop/poddisruptionbudgets/web')).body;
    expect(pdb.status).toMatchObject({
      observedGeneration: 1,
      disruptionsAllowed: 1,
      currentHealthy: 3,
      desiredHealthy: 2,
      expectedPods: 4,
    });
    expect(pdb.status.conditions[0]).toMatchObject({
      type: 'DisruptionAllowed',
      status: 'True',
      reason: 'SufficientPods',
    });

    const first = await evict(sim, 'shop', 'web-0');
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      code: 201,
    });
    const terminating = sim.state.getPod('shop', 'web-0')!;
    expect(terminating.metadata.deletionTimestamp).toBeDefined();
    expect(terminating.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(
      terminating.status.conditions!.some(
        (c) => c.type === 'DisruptionTarget' && c.reason === 'EvictionByEvictionAPI',
      ),
    ).toBe(true);

    const refused = await evict(sim, 'shop', 'web-1');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      reason: 'TooManyRequests',
      details: {
        causes: [
          {
            reason: 'DisruptionBudget',
            message: 'The disruption budget web needs 2 healthy pods and has 2 currently',
          },
        ],
      },
      code: 429,
    });
    expect(sim.state.getPod('shop', 'web-1')!.metadata.deletionTimestamp).toBeUndefined();

    // The evicted pod goes away after its (scaled) grace period.
    await waitFor(() => !sim.state.getPod('shop', 'web-0'), 3000, 'web-0 deleted');
    // An unready pod is evictable while the budget is met (currentHealthy >= desiredHealthy).
    expect((await evict(sim, 'shop', 'web-unready')).status).toBe(201);
    // A new healthy pod restores the budget.
    sim.state.createPod(runningPod('shop', 'web-3', 'n1', { app: 'web' }));
    await waitFor(
      async () =>
        (await api(sim, 'GET', '/apis/policy/v1/namespaces/shop/poddisruptionbudgets/web')).body.status
          .disruptionsAllowed === 1,
    );
    expect((await evict(sim, 'shop', 'web-1')).status).toBe(201);
  });

  it('checks a dry-run eviction against the budget without changing anything', async () => {
    sim.state.createPod(runningPod('shop', 'dry-0', 'n1', { app: 'dry' }));
    sim.state.createPod(runningPod('shop', 'dry-1', 'n1', { app: 'dry' }));
    sim.state.createPdb({
      metadata: { name: 'dry', namespace: 'shop' },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'dry' } } },
    });
    const body = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'dry-0' } };
    const blocked = await api(sim, 'POST', '/api/v1/namespaces/shop/pods/dry-0/eviction?dryRun=All', {
      body,
    });
    expect(blocked.status).toBe(429);
    sim.state.updatePdb('shop', 'dry', (p) => {
      p.spec.minAvailable = 1;
    });
    const rv = sim.state.getPod('shop', 'dry-0')!.metadata.resourceVersion;
    const ok = await api(sim, 'POST', '/api/v1/namespaces/shop/pods/dry-0/eviction?dryRun=All', { body });
    expect(ok.status).toBe(201);
    expect(sim.state.getPod('shop', 'dry-0')!.metadata.resourceVersion).toBe(rv);
    expect(sim.state.getPdb('shop', 'dry')!.status!.disruptionsAllowed).toBe(1);
  });

  it('answers 500 when more than one PDB selects the pod', async () => {
    sim.state.createPod(runningPod('shop', 'db-0', 'n1', { app: 'db', tier: 'data' }));
    sim.state.createPdb({
      metadata: { name: 'db-a', namespace: 'shop' },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'db' } } },
    });
    sim.state.createPdb({
      metadata: { name: 'db-b', namespace: 'shop' },
      spec: { maxUnavailable: '50%', selector: { matchLabels: { tier: 'data' } } },
    });
    const r = await evict(sim, 'shop', 'db-0');
    expect(r.status).toBe(500);
    expect(r.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      code: 500,
    });
  });

  it('evicts pods that are not running without consulting PDBs, and 404s for missing pods', async () => {
    sim.state.createPdb({
      metadata: { name: 'batch', namespace: 'shop' },
      spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'batch' } } },
    });
    const pending = runningPod('shop', 'batch-pending', 'n1', { app: 'batch' }) as any;
    pending.status = { phase: 'Pending' };
    sim.state.createPod(pending);
    const done = runningPod('shop', 'batch-done', 'n1', { app: 'batch' }) as any;
    done.status = { phase: 'Succeeded' };
    sim.state.createPod(done);
    sim.state.createPod(runningPod('shop', 'batch-running', 'n1', { app: 'batch' }));
    expect((await evict(sim, 'shop', 'batch-running')).status).toBe(429);
    expect((await evict(sim, 'shop', 'batch-pending')).status).toBe(201);
    expect((await evict(sim, 'shop', 'batch-done')).status).toBe(201);
    // Terminal pods are deleted at once (grace period 0).
    expect(sim.state.getPod('shop', 'batch-done')).toBeUndefined();
    const missing = await evict(sim, 'shop', 'nope');
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('pods "nope" not found');
    const mismatch = await api(sim, 'POST', '/api/v1/namespaces/shop/pods/batch-running/eviction', {
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'other' } },
    });
    expect(mismatch.status).toBe(400);
  });

  it('honours the eviction grace period and a pod already being deleted', async () => {
    sim.state.createPod(runningPod('shop', 'solo', 'n1'));
    // 60 000 s scaled by 0.001 is a minute: long enough to still be terminating below.
    const r = await evict(sim, 'shop', 'solo', { gracePeriodSeconds: 60_000 });
    expect(r.status).toBe(201);
    expect(sim.state.getPod('shop', 'solo')!.metadata.deletionGracePeriodSeconds).toBe(60_000);
    expect((await evict(sim, 'shop', 'solo')).status).toBe(201);
    expect(sim.state.getPod('shop', 'solo')!.metadata.deletionGracePeriodSeconds).toBe(60_000);
    // A later delete may only shorten the grace period; 0 finishes it.
    const del = await api(sim, 'DELETE', '/api/v1/namespaces/shop/pods/solo', {
      body: { gracePeriodSeconds: 0 },
    });
    expect(del.status).toBe(200);
    expect(sim.state.getPod('shop', 'solo')).toBeUndefined();
  });

  it('deletes pods gracefully: MODIFIED with deletionTimestamp, then DELETED after the grace period', async () => {
    sim.state.createPod(runningPod('shop', 'graceful', 'n1'));
    const w = rawWatch(
      sim,
      `/api/v1/namespaces/shop/pods?watch=true&fieldSelector=metadata.name%3Dgraceful&resourceVersion=${sim.state.resourceVersion}`,
    );
    try {
      const del = await api(sim, 'DELETE', '/api/v1/namespaces/shop/pods/graceful', {
        body: { gracePeriodSeconds: 20 },
      });
      expect(del.status).toBe(200);
      expect(del.body.kind).toBe('Pod');
      expect(del.body.metadata.deletionGracePeriodSeconds).toBe(20);
      const at = Date.parse(del.body.metadata.deletionTimestamp);
      expect(at).toBeGreaterThan(Date.now() + 15_000);
      await w.waitFor((e) => e.some((x) => x.type === 'DELETED'), 3000);
      // Like the real registry: the delete stamps deletionTimestamp (MODIFIED); the kubelet's final zero-grace
      // delete stamps grace 0 (MODIFIED) and removes the pod (DELETED).
      expect(w.events.map((e) => e.type)).toEqual(['MODIFIED', 'MODIFIED', 'DELETED']);
      expect(w.events[1]!.object.metadata.deletionGracePeriodSeconds).toBe(0);
      expect((await api(sim, 'GET', '/api/v1/namespaces/shop/pods/graceful')).status).toBe(404);
    } finally {
      w.close();
    }
  });

  it('deletes at once with gracePeriodSeconds=0 and checks a uid precondition', async () => {
    const pod = sim.state.createPod(runningPod('shop', 'now', 'n1'));
    const wrong = await api(sim, 'DELETE', '/api/v1/namespaces/shop/pods/now', {
      body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'not-the-uid' } },
    });
    expect(wrong.status).toBe(409);
    expect(wrong.body.reason).toBe('Conflict');
    expect(wrong.body.message).toBe(
      `Operation cannot be fulfilled on Pod "now": the UID in the precondition (not-the-uid) does not match the UID in record (${pod.metadata.uid}). The object might have been deleted and then recreated`,
    );
    const ok = await api(sim, 'DELETE', '/api/v1/namespaces/shop/pods/now', {
      body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } },
    });
    expect(ok.status).toBe(200);
    expect(sim.state.getPod('shop', 'now')).toBeUndefined();
  });

  it('starts a pod created through the API on its node like a kubelet would', async () => {
    const r = await api(sim, 'POST', '/api/v1/namespaces/shop/pods', {
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'api-pod' },
        spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x:1' }] },
      },
    });
    expect(r.status).toBe(201);
    expect(r.body.status.phase).toBe('Pending');
    await waitFor(() => sim.state.getPod('shop', 'api-pod')?.status.phase === 'Running', 3000);
    const missingNs = await api(sim, 'POST', '/api/v1/namespaces/nowhere/pods', {
      body: { metadata: { name: 'x' }, spec: {} },
    });
    expect(missingNs.status).toBe(404);
    expect(missingNs.body.message).toBe('namespaces "nowhere" not found');
  });
});
