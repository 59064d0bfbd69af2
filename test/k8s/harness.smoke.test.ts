// End-to-end check that the local control plane behaves like a cluster with
// real kubelets: a kwok node turns Ready, a pod bound to it runs, and a
// graceful delete completes. Skipped when the binaries have not been built
// (scripts/k8s/build.sh).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import {
  controlPlaneAvailable,
  createKwokNode,
  startControlPlane,
  waitFor,
  waitForNodeReady,
  type ControlPlane,
} from './harness.js';
import { api, apiRequest, openWatch, type WatchEvent } from './http.js';

const available = controlPlaneAvailable();

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function componentPids(cp: ControlPlane): number[] {
  return fs.readFileSync(`${cp.tmpDir}/pids`, 'utf8').split('\n').filter(Boolean).map(Number);
}

describe.skipIf(!available)('local control plane (etcd + kube-apiserver + kwok)', () => {
  let cp: ControlPlane;
  let pids: number[] = [];

  beforeAll(async () => {
    cp = await startControlPlane();
    pids = componentPids(cp);
  }, 180_000);

  afterAll(async () => {
    await cp?.stop();
  }, 60_000);

  it('reports versions and writes a usable kubeconfig', async () => {
    expect(cp.versions.kubernetes).toMatch(/^v1\.\d+\.\d+/);
    expect(cp.versions.etcd).toMatch(/^3\.\d+\.\d+/);
    expect(cp.kubeconfigYaml).toContain(`server: ${cp.server}`);
    expect(fs.readFileSync(cp.kubeconfigPath, 'utf8')).toBe(cp.kubeconfigYaml);
    const ns = await api(cp, 'GET', '/api/v1/namespaces/default');
    expect(ns.body.metadata?.name).toBe('default');
    expect(pids).toHaveLength(3);
  });

  it('rejects an unknown token', async () => {
    const r = await apiRequest({ server: cp.server, token: 'nope' }, 'GET', '/api/v1/nodes');
    expect(r.status).toBe(401);
  });

  it('runs a pod on a kwok node and completes its graceful deletion', async () => {
    await createKwokNode(cp, 'kwok-smoke-0');
    const node = await waitForNodeReady(cp, 'kwok-smoke-0', 60_000);
    expect(node.metadata?.labels?.type).toBe('kwok');

    await api(cp, 'POST', '/api/v1/namespaces/default/pods', {
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'smoke', labels: { app: 'smoke' } },
        spec: {
          nodeName: 'kwok-smoke-0',
          containers: [{ name: 'main', image: 'registry.invalid/smoke:1' }],
        },
      },
    });
    const running = await waitFor(
      async () => {
        const p = (await api(cp, 'GET', '/api/v1/namespaces/default/pods/smoke')).body;
        return p.status?.phase === 'Running' ? p : undefined;
      },
      { timeoutMs: 60_000, what: 'pod smoke Running' },
    );
    expect(running.status?.podIP).toMatch(/^10\.0\.0\./);

    await api(cp, 'DELETE', '/api/v1/namespaces/default/pods/smoke', {
      body: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 1 },
    });
    await waitFor(
      async () => (await apiRequest(cp, 'GET', '/api/v1/namespaces/default/pods/smoke')).status === 404,
      { timeoutMs: 60_000, what: 'pod smoke deleted' },
    );
  }, 150_000);

  it('with the watch cache on, compaction expires exact lists but not cached watch history', async () => {
    const { oldRv, compactedAt } = await churnAndCompact(cp, 'rv-cached');
    expect(compactedAt).toBeGreaterThan(Number(oldRv));

    // The apiserver notices the compaction via compact_rev_key on its own
    // schedule (a poll of up to 15 s), so exact lists turn 410 after a delay.
    await waitFor(
      async () =>
        (
          await apiRequest(
            cp,
            'GET',
            `/api/v1/namespaces/default/configmaps?resourceVersion=${oldRv}&resourceVersionMatch=Exact`,
          )
        ).status === 410,
      { timeoutMs: 40_000, intervalMs: 500, what: 'exact list at a compacted RV to answer 410' },
    );

    // Watches are replayed from the in-memory window, which etcd compaction
    // does not shrink: no 410 here, the missed events arrive instead.
    const w = await collectWatch(cp, 'rv-cached', oldRv);
    expect(w.status).toBe(200);
    expect(w.events.map((e) => e.type)).toEqual(['MODIFIED', 'MODIFIED', 'MODIFIED']);
  }, 60_000);

  it('stop() leaves no processes behind', async () => {
    await cp.stop();
    for (const pid of pids) expect(groupAlive(pid), `process group ${pid}`).toBe(false);
    expect(fs.existsSync(cp.tmpDir)).toBe(false);
    const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
    expect(ps.split('\n').filter((l) => l.includes(cp.tmpDir))).toEqual([]);
  }, 60_000);
});

describe.skipIf(!available)('local control plane without the watch cache', () => {
  let cp: ControlPlane;

  beforeAll(async () => {
    cp = await startControlPlane({ watchCache: false, kwok: false });
  }, 180_000);

  afterAll(async () => {
    await cp?.stop();
  }, 60_000);

  it('answers watches and exact lists from a compacted resourceVersion with 410 Gone at once', async () => {
    const { oldRv } = await churnAndCompact(cp, 'rv-direct');

    const list = await apiRequest(
      cp,
      'GET',
      `/api/v1/namespaces/default/configmaps?resourceVersion=${oldRv}&resourceVersionMatch=Exact`,
    );
    expect(list.status).toBe(410);

    // The HTTP status is 200; the expiry arrives as the stream's only event.
    const w = await collectWatch(cp, 'rv-direct', oldRv);
    expect(w.status).toBe(200);
    expect(w.events).toHaveLength(1);
    expect(w.events[0]?.type).toBe('ERROR');
    expect(w.events[0]?.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  }, 60_000);
});

/** Creates a ConfigMap, updates it three times, compacts etcd; returns the creation RV. */
async function churnAndCompact(
  cp: ControlPlane,
  name: string,
): Promise<{ oldRv: string; compactedAt: number }> {
  const created = await api(cp, 'POST', '/api/v1/namespaces/default/configmaps', {
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { n: '0' } },
  });
  for (let i = 1; i <= 3; i++) {
    await api(cp, 'PATCH', `/api/v1/namespaces/default/configmaps/${name}`, {
      body: { data: { n: String(i) } },
      contentType: 'application/merge-patch+json',
    });
  }
  const compactedAt = await cp.compact();
  return { oldRv: String(created.body.metadata?.resourceVersion), compactedAt };
}

/** Runs a short, server-bounded watch on one ConfigMap from `rv` and returns what it delivered. */
async function collectWatch(
  cp: ControlPlane,
  name: string,
  rv: string,
): Promise<{ status: number; events: WatchEvent[] }> {
  const events: WatchEvent[] = [];
  const w = openWatch(
    cp,
    `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}` +
      `&fieldSelector=metadata.name%3D${name}&timeoutSeconds=1`,
    (e) => events.push(e),
  );
  const status = await w.status;
  await w.done;
  return { status, events };
}
