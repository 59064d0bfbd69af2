// The recovery gate over fixtures: what it waits on (from the pods a drain removes) and when it opens.
import { describe, expect, it } from 'vitest';
import {
  checkPdb,
  checkWorkload,
  gateObjectsOf,
  gateOpen,
  readGate,
} from '../../src/operations/maintenance/gate.js';
import type { KubeClient } from '../../src/kube/client.js';
import { KubeError } from '../../src/kube/errors.js';
import { pod } from '../operations/fixtures.js';
import type { KubePod } from '../../src/operations/index.js';

/** Answers GETs from a map of path → object; anything else is a 404 as the API server says it. */
function fakeClient(objects: Record<string, unknown>): KubeClient & { paths: string[] } {
  const paths: string[] = [];
  return {
    paths,
    request: async ({ path }: { path: string }) => {
      paths.push(path);
      if (path in objects) return structuredClone(objects[path]);
      throw notFound();
    },
  } as unknown as KubeClient & { paths: string[] };
}

function notFound(): KubeError {
  return new KubeError('NotFound', 'not found', 404);
}

const APPS = '/apis/apps/v1/namespaces/shop';
const POLICY = '/apis/policy/v1/namespaces/shop/poddisruptionbudgets';

describe('what a gate waits on', () => {
  it('a ReplicaSet pod stands for its Deployment, a StatefulSet pod for its set, plus each budget selecting them', async () => {
    const client = fakeClient({
      [`${APPS}/replicasets/web-7d9`]: {
        metadata: {
          name: 'web-7d9',
          ownerReferences: [{ kind: 'Deployment', name: 'web', controller: true }],
        },
      },
      [`${APPS}/replicasets/lonely`]: { metadata: { name: 'lonely' } },
      [POLICY]: {
        items: [
          { metadata: { name: 'web-pdb' }, spec: { selector: { matchLabels: { app: 'web' } } } },
          { metadata: { name: 'other' }, spec: { selector: { matchLabels: { app: 'nope' } } } },
        ],
      },
    });
    const removed = [
      pod({
        ns: 'shop',
        name: 'web-1',
        node: 'n',
        owner: { kind: 'ReplicaSet', name: 'web-7d9' },
        labels: { app: 'web' },
      }),
      pod({
        ns: 'shop',
        name: 'web-2',
        node: 'n',
        owner: { kind: 'ReplicaSet', name: 'web-7d9' },
        labels: { app: 'web' },
      }),
      pod({
        ns: 'shop',
        name: 'db-0',
        node: 'n',
        owner: { kind: 'StatefulSet', name: 'db' },
        labels: { app: 'db' },
      }),
      pod({ ns: 'shop', name: 'l-1', node: 'n', owner: { kind: 'ReplicaSet', name: 'lonely' } }),
      pod({ ns: 'shop', name: 'job-1', node: 'n', owner: { kind: 'Job', name: 'batch' } }),
    ].map((p) => ({ namespace: 'shop', pod: p as unknown as KubePod }));
    const refs = await gateObjectsOf(client, removed);
    expect(refs).toEqual(
      expect.arrayContaining([
        { kind: 'Deployment', namespace: 'shop', name: 'web' },
        { kind: 'StatefulSet', namespace: 'shop', name: 'db' },
        { kind: 'ReplicaSet', namespace: 'shop', name: 'lonely' },
        { kind: 'PodDisruptionBudget', namespace: 'shop', name: 'web-pdb' },
      ]),
    );
    expect(refs).toHaveLength(4);
    // One read per ReplicaSet, however many of its pods were removed.
    expect(client.paths.filter((p) => p.endsWith('/web-7d9'))).toHaveLength(1);
  });
});

describe('when a gate opens', () => {
  const dep = { kind: 'Deployment' as const, namespace: 'shop', name: 'web' };
  const pdb = { kind: 'PodDisruptionBudget' as const, namespace: 'shop', name: 'web-pdb' };

  it('a controller is ready at its desired count, once it has observed its latest spec', () => {
    const w = (ready: number, gen = 2, observed = 2) => ({
      metadata: { name: 'web', generation: gen },
      spec: { replicas: 6 },
      status: { readyReplicas: ready, observedGeneration: observed },
    });
    expect(checkWorkload(dep, w(4))).toMatchObject({ ready: false, text: 'Deployment shop/web 4/6 ready' });
    expect(checkWorkload(dep, w(6)).ready).toBe(true);
    expect(checkWorkload(dep, w(6, 3, 2))).toMatchObject({ ready: false, stale: true });
  });

  it('a budget is open when it allows a disruption, or never allows one and every pod it expects is healthy', () => {
    const p = (
      allowed: number,
      current: number,
      desired: number,
      expected: number,
      disrupted?: string[],
    ) => ({
      metadata: { name: 'web-pdb' },
      status: {
        disruptionsAllowed: allowed,
        currentHealthy: current,
        desiredHealthy: desired,
        expectedPods: expected,
        ...(disrupted
          ? { disruptedPods: Object.fromEntries(disrupted.map((n) => [n, '2026-01-01T00:00:00Z'])) }
          : {}),
      },
    });
    expect(checkPdb(pdb, p(0, 4, 5, 6))).toMatchObject({
      ready: false,
      text: 'PDB shop/web-pdb allows 0 (4/5 healthy)',
    });
    expect(checkPdb(pdb, p(1, 6, 5, 6)).ready).toBe(true);
    // maxUnavailable 1 of 3 with one pod down sits at its floor: not recovered.
    expect(checkPdb(pdb, p(0, 2, 2, 3)).ready).toBe(false);
    // minAvailable 100%: never allows one; open once all its pods are healthy and no eviction is pending.
    expect(checkPdb(pdb, p(0, 3, 3, 3)).ready).toBe(true);
    expect(checkPdb(pdb, p(0, 3, 3, 3, ['db-0'])).ready).toBe(false);
  });

  it('reads each object; a deleted one has nothing to wait for, an unreadable one keeps the gate closed', async () => {
    const client = fakeClient({
      [`${APPS}/deployments/web`]: {
        metadata: { name: 'web' },
        spec: { replicas: 2 },
        status: { readyReplicas: 2 },
      },
      [`${POLICY}/web-pdb`]: {
        metadata: { name: 'web-pdb' },
        status: { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2 },
      },
    });
    const checks = await readGate(client, [
      dep,
      pdb,
      { kind: 'StatefulSet', namespace: 'shop', name: 'gone' },
    ]);
    expect(checks.map((c) => [c.name, c.ready])).toEqual([
      ['web', true],
      ['web-pdb', false],
      ['gone', true],
    ]);
    expect(checks[2]!.gone).toBe(true);
    expect(gateOpen(checks)).toBe(false);
    const broken = {
      request: async () => {
        throw new Error('connection reset');
      },
    } as unknown as KubeClient;
    const [c] = await readGate(broken, [dep]);
    expect(c).toMatchObject({ ready: false, error: 'connection reset' });
  });
});
