// Workloads that recover, on the simulator and on a real control plane (kube-controller-manager's
// replicaset/deployment/statefulset/disruption controllers, kube-scheduler, kwok): the same steps against both,
// comparing what a client observes — owners, names, nodes, status counts, budget counts — never timings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './harness.js';
import { api, apiRequest, openWatch, type KubeObject, type WatchEvent } from './http.js';
import { isPodRunningReady, type Target } from './targets.js';
import {
  WORKLOAD_TARGETS,
  changes,
  cordon,
  deploymentManifest,
  evict,
  ownerOf,
  get,
  num,
  pdbManifest,
  pdbPath,
  statefulSetManifest,
  waitPdbAllows,
  waitWorkloadReady,
  workloadPath,
} from './workload-targets.js';

const podsPath = (ns: string) => `/api/v1/namespaces/${ns}/pods`;

describe.each(WORKLOAD_TARGETS)('workloads that recover: $name', (factory) => {
  let t: Target;
  const nodes = ['wl-1', 'wl-2', 'wl-3', 'wl-4'];

  beforeAll(async () => {
    if (!factory.available) return;
    t = await factory.start();
    for (const n of nodes) await t.makeNode(n);
  }, 180_000);
  afterAll(async () => {
    await t?.close();
  });

  it.skipIf(!factory.available)(
    'replaces an evicted Deployment pod on another schedulable node; ready replicas and the budget dip and recover',
    async () => {
      const ns = await t.makeNamespace('wl-deploy');
      await api(t, 'POST', workloadPath('deployments', ns), { body: deploymentManifest(ns, 'web', 3) });
      await api(t, 'POST', pdbPath(ns), { body: pdbManifest(ns, 'web', 'web', { minAvailable: 2 }) });
      const dep = await waitWorkloadReady(t, 'deployments', ns, 'web', 3);
      expect(dep.status).toMatchObject({
        replicas: 3,
        updatedReplicas: 3,
        readyReplicas: 3,
        availableReplicas: 3,
      });
      await waitPdbAllows(t, ns, 'web', 1);

      const rsList = (await get(t, workloadPath('replicasets', ns))).items ?? [];
      expect(rsList).toHaveLength(1);
      const rs = rsList[0]!;
      expect(rs.metadata?.name).toMatch(/^web-[a-z0-9]+$/);
      expect(ownerOf(rs)).toMatchObject({
        kind: 'Deployment',
        name: 'web',
        controller: true,
      });
      const pods = ((await get(t, podsPath(ns))).items ?? []).filter((p) => !p.metadata?.deletionTimestamp);
      expect(pods).toHaveLength(3);
      for (const p of pods) {
        expect(p.metadata?.name?.startsWith(`${rs.metadata?.name}-`)).toBe(true);
        expect(ownerOf(p)).toMatchObject({
          kind: 'ReplicaSet',
          name: rs.metadata?.name,
          controller: true,
        });
        expect(nodes).toContain(p.spec?.nodeName);
        expect(isPodRunningReady(p)).toBe(true);
      }

      const victim = pods[0]!;
      const cordoned = victim.spec!.nodeName as string;
      await cordon(t, cordoned);
      const rv = (await get(t, podsPath(ns))).metadata?.resourceVersion;
      const podEvents: WatchEvent[] = [];
      const rsReady: number[] = [num(rs, 'readyReplicas')];
      const pdbAllowed: number[] = [1];
      const watches = [
        openWatch(t, `${podsPath(ns)}?watch=true&resourceVersion=${rv}`, (e) => podEvents.push(e)),
        openWatch(t, `${workloadPath('replicasets', ns)}?watch=true&resourceVersion=${rv}`, (e) => {
          if (e.type === 'MODIFIED') rsReady.push(num(e.object, 'readyReplicas'));
        }),
        openWatch(t, `${pdbPath(ns)}?watch=true&resourceVersion=${rv}`, (e) => {
          if (e.type === 'MODIFIED') pdbAllowed.push(num(e.object, 'disruptionsAllowed'));
        }),
      ];
      try {
        expect(await evict(t, ns, victim.metadata!.name!)).toBe(201);
        const replacement = await waitFor(
          async () => {
            const list = (await get(t, podsPath(ns))).items ?? [];
            return list.find(
              (p) => !pods.some((o) => o.metadata?.name === p.metadata?.name) && isPodRunningReady(p),
            );
          },
          { timeoutMs: 60_000, what: 'a Ready replacement pod' },
        );
        expect(replacement.spec?.nodeName).not.toBe(cordoned);
        expect(ownerOf(replacement)).toMatchObject({
          kind: 'ReplicaSet',
          name: rs.metadata?.name,
        });
        await waitWorkloadReady(t, 'deployments', ns, 'web', 3);
        await waitPdbAllows(t, ns, 'web', 1);
        await waitFor(() => changes(rsReady).at(-1) === 3 && changes(pdbAllowed).at(-1) === 1, {
          what: 'the watches to see the recovery',
        });
      } finally {
        for (const w of watches) w.stop();
      }
      expect(changes(pdbAllowed)).toEqual([1, 0, 1]);
      expect(Math.min(...rsReady)).toBe(2);
      expect(changes(rsReady).at(-1)).toBe(3);
      // No pod was bound to the cordoned node after it was cordoned.
      const boundThere = podEvents.filter(
        (e) =>
          e.type !== 'DELETED' &&
          e.object.spec?.nodeName === cordoned &&
          e.object.metadata?.name !== victim.metadata?.name,
      );
      expect(boundThere).toEqual([]);
      await cordon(t, cordoned, false);
    },
    180_000,
  );

  it.skipIf(!factory.available)(
    'recreates an evicted StatefulSet pod under the same name; its budget closes and reopens',
    async () => {
      const ns = await t.makeNamespace('wl-sts');
      await api(t, 'POST', workloadPath('statefulsets', ns), { body: statefulSetManifest(ns, 'db', 2) });
      await api(t, 'POST', pdbPath(ns), { body: pdbManifest(ns, 'db', 'db', { maxUnavailable: 1 }) });
      const sts = await waitWorkloadReady(t, 'statefulsets', ns, 'db', 2);
      expect(sts.status).toMatchObject({ replicas: 2, readyReplicas: 2, availableReplicas: 2 });
      const pdb = await waitPdbAllows(t, ns, 'db', 1);
      expect(pdb.status).toMatchObject({ expectedPods: 2, desiredHealthy: 1, currentHealthy: 2 });
      const old = await get(t, `${podsPath(ns)}/db-0`);
      expect(old.metadata?.labels).toMatchObject({ app: 'db', 'statefulset.kubernetes.io/pod-name': 'db-0' });
      expect(ownerOf(old)).toMatchObject({
        kind: 'StatefulSet',
        name: 'db',
        controller: true,
      });

      const rv = pdb.metadata?.resourceVersion;
      const pdbAllowed: number[] = [1];
      const w = openWatch(t, `${pdbPath(ns)}?watch=true&resourceVersion=${rv}`, (e) => {
        if (e.type === 'MODIFIED') pdbAllowed.push(num(e.object, 'disruptionsAllowed'));
      });
      try {
        expect(await evict(t, ns, 'db-0')).toBe(201);
        const again = await waitFor(
          async () => {
            const r = await apiRequest(t, 'GET', `${podsPath(ns)}/db-0`);
            return r.status === 200 && r.body.metadata?.uid !== old.metadata?.uid && isPodRunningReady(r.body)
              ? r.body
              : undefined;
          },
          { timeoutMs: 60_000, what: 'db-0 recreated and Ready' },
        );
        expect(ownerOf(again)).toMatchObject({ kind: 'StatefulSet', name: 'db' });
        await waitWorkloadReady(t, 'statefulsets', ns, 'db', 2);
        await waitPdbAllows(t, ns, 'db', 1);
        await waitFor(() => changes(pdbAllowed).at(-1) === 1, { what: 'the budget watch to see it reopen' });
      } finally {
        w.stop();
      }
      // Closed by the eviction and open again at the end. The real disruption controller may close it a second
      // time while the replacement's readiness settles, so the exact sequence is not the contract.
      const seq = changes(pdbAllowed);
      expect(seq.slice(0, 2)).toEqual([1, 0]);
      expect(seq.at(-1)).toBe(1);
      expect(seq.every((v) => v === 0 || v === 1)).toBe(true);
    },
    180_000,
  );

  it.skipIf(!factory.available)(
    'gives cordoned nodes no new pods',
    async () => {
      const ns = await t.makeNamespace('wl-cordon');
      for (const n of nodes.slice(1)) await cordon(t, n);
      try {
        await api(t, 'POST', workloadPath('deployments', ns), { body: deploymentManifest(ns, 'solo', 3) });
        await waitWorkloadReady(t, 'deployments', ns, 'solo', 3);
        const list: KubeObject[] = (await get(t, podsPath(ns))).items ?? [];
        expect(list.map((p) => p.spec?.nodeName)).toEqual([nodes[0], nodes[0], nodes[0]]);
      } finally {
        for (const n of nodes.slice(1)) await cordon(t, n, false);
      }
    },
    180_000,
  );
});
