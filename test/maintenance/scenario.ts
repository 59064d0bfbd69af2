// The rolling-maintenance scenario of issue 17, for any API server that runs workloads which recover (the
// simulator with its workload controllers, or kube-apiserver with kube-controller-manager, kube-scheduler and
// kwok): a pool of 12 nodes, a Deployment of 6 with a PDB minAvailable 5, a StatefulSet of 3 with a PDB
// maxUnavailable 1, and a maintenance plan with maxUnavailable 2 driven through the product's API. A watcher
// (WATCH on pods, the Deployment and StatefulSet, and the budgets) asserts that ready replicas never drop below the budgets and that no
// node of a wave is drained before the previous wave's workloads recovered; the plan's own progress gives the
// timeline (node, step, start, end, what each gate waited for).
import { expect } from 'vitest';
import { waitFor } from '../k8s/harness.js';
import { api, openWatch, type KubeObject, type WatchEvent } from '../k8s/http.js';
import { isPodRunningReady, type Target } from '../k8s/targets.js';
import {
  deploymentManifest,
  pdbManifest,
  pdbPath,
  statefulSetManifest,
  waitPdbAllows,
  waitWorkloadReady,
  workloadPath,
} from '../k8s/workload-targets.js';
import { makeTestApp, type TestApp } from '../server/harness.js';

export const POOL = Array.from({ length: 12 }, (_, i) => `pool-${String(i + 1).padStart(2, '0')}`);
export const NS = 'shop';
const CLUSTER = 'pool';
const WANT = { web: 6, db: 3 } as const;
const FLOOR = { web: 5, db: 2 } as const;

export interface TimelineRow {
  node: string;
  wave: number;
  step: string;
  start: string;
  end?: string;
  /** What the gate waited for, as the plan reported it while the node was at the gate. */
  waitedFor?: string[];
  /** The objects the plan said this node's gate waits on. */
  gateOn?: string[];
}

export interface ScenarioResult {
  jobStatus: string;
  timeline: TimelineRow[];
  /** Lowest ready counts the watcher saw per workload while the plan ran: Ready pods, and controller status. */
  minReady: { web: number; db: number };
  minStatusReady: { web: number; db: number };
  /** Violations of the two rules (empty when the run was right). */
  violations: string[];
  evictedPerNode: Record<string, number>;
  waves: number;
}

type App = keyof typeof WANT;
const appOf = (p: KubeObject): App | undefined => {
  const a = p.metadata?.labels?.app;
  return a === 'web' || a === 'db' ? a : undefined;
};

/** Creates the pool and the workloads, and waits until everything is Ready and both budgets allow one. */
export async function buildWorld(t: Target): Promise<void> {
  for (const n of POOL) await t.makeNode(n, { labels: { pool: 'maint' } });
  await api(t, 'POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
  });
  await api(t, 'POST', workloadPath('deployments', NS), { body: deploymentManifest(NS, 'web', WANT.web) });
  await api(t, 'POST', pdbPath(NS), { body: pdbManifest(NS, 'web', 'web', { minAvailable: FLOOR.web }) });
  await api(t, 'POST', workloadPath('statefulsets', NS), { body: statefulSetManifest(NS, 'db', WANT.db) });
  await api(t, 'POST', pdbPath(NS), { body: pdbManifest(NS, 'db', 'db', { maxUnavailable: 1 }) });
  await waitWorkloadReady(t, 'deployments', NS, 'web', WANT.web);
  await waitWorkloadReady(t, 'statefulsets', NS, 'db', WANT.db);
  await waitPdbAllows(t, NS, 'web', 1);
  await waitPdbAllows(t, NS, 'db', 1);
}

/** The product, with the pool's API server added as cluster "pool". */
export async function startProduct(t: Target): Promise<TestApp> {
  const app = await makeTestApp({
    // The whole pool is the target; the schedulable-share guard is another test's subject.
    knm: { KNM_GUARD_MIN_SCHEDULABLE: '0' },
  });
  const res = await app.call('POST', '/api/v1/clusters', {
    name: CLUSTER,
    source: 'kubeconfig',
    kubeconfig: t.kubeconfigYaml,
  });
  if (res.statusCode !== 201) throw new Error(`adding the cluster: ${res.statusCode} ${res.body}`);
  await waitFor(
    async () => {
      const r = await app.call('GET', `/api/v1/clusters/${CLUSTER}/nodes?limit=50`);
      return r.statusCode === 200 && (r.json().items ?? []).length >= POOL.length;
    },
    { timeoutMs: 60_000, what: 'the product to see the pool' },
  );
  return app;
}

/** Watches the cluster and checks the two rules as events arrive. */
class Watcher {
  readonly pods = new Map<string, KubeObject>();
  readonly violations: string[] = [];
  readonly minReady = { web: Infinity, db: Infinity };
  /**
   * Per node: when its first pod began terminating (its drain's first eviction), and the moments every workload
   * was back, both measured in resourceVersion. The three watches are separate streams with no order between
   * them, so the wall clock could put the product's next eviction before the budget update it acted on; one
   * API server's resourceVersions are one sequence, so replaying every event in that order (`replay`) is the
   * order in which the cluster changed.
   */
  readonly firstEviction = new Map<string, number>();
  readonly evicted: Record<string, number> = {};
  /** When every workload was back at its desired ready count and both budgets allowed one. */
  readonly recoveredAt: number[] = [];
  /** Every event seen, in arrival order, with the stream it came from. */
  readonly log: { stream: 'pods' | 'deployments' | 'statefulsets' | 'pdbs'; e: WatchEvent }[] = [];
  /** The resourceVersion of the event being applied. */
  private at = 0;
  private readonly allowed = new Map<string, number>();
  /** readyReplicas as the Deployment and StatefulSet controllers report it. */
  private readonly statusReady = new Map<App, number>([
    ['web', WANT.web],
    ['db', WANT.db],
  ]);
  readonly minStatusReady = { web: Infinity, db: Infinity };
  private stops: (() => void)[] = [];

  constructor(initialPods: KubeObject[], pdbs: KubeObject[]) {
    for (const p of initialPods) this.pods.set(p.metadata!.name!, p);
    for (const b of pdbs) this.allowed.set(b.metadata!.name!, Number(b.status?.disruptionsAllowed ?? 0));
  }

  start(t: Target, rv: string): void {
    const on = (path: string, fn: (e: WatchEvent) => void) => {
      const w = openWatch(t, `${path}?watch=true&resourceVersion=${rv}`, fn);
      this.stops.push(() => w.stop());
    };
    on(`/api/v1/namespaces/${NS}/pods`, (e) => this.apply('pods', e));
    for (const kind of ['deployments', 'statefulsets'] as const)
      on(workloadPath(kind, NS), (e) => this.apply(kind, e));
    on(pdbPath(NS), (e) => this.apply('pdbs', e));
  }

  /** Applies one event; `record` keeps it for the replay in resourceVersion order. */
  apply(stream: Watcher['log'][number]['stream'], e: WatchEvent, record = true): void {
    if (record) this.log.push({ stream, e });
    this.at = Number(e.object?.metadata?.resourceVersion ?? 0);
    if (stream === 'pods') this.pod(e);
    else if (stream === 'pdbs') this.pdb(e);
    else this.workload(stream, e);
  }

  /** A second watcher fed this one's events in resourceVersion order: its rule-2 facts are the cluster's order. */
  replay(initialPods: KubeObject[], pdbs: KubeObject[]): Watcher {
    const w = new Watcher(initialPods, pdbs);
    const rv = (x: { e: WatchEvent }) => Number(x.e.object?.metadata?.resourceVersion ?? 0);
    const ordered = this.log.filter((x) => x.e.type !== 'ERROR' && x.e.type !== 'BOOKMARK');
    for (const x of ordered.sort((a, b) => rv(a) - rv(b))) w.apply(x.stream, x.e, false);
    return w;
  }

  private workload(kind: 'deployments' | 'statefulsets', e: WatchEvent): void {
    if (e.type === 'ERROR') this.violations.push(`${kind} watch ended: ${JSON.stringify(e.object)}`);
    if (e.type !== 'MODIFIED') return;
    const app = e.object.metadata?.name as App;
    const ready = Number(e.object.status?.readyReplicas ?? 0);
    this.statusReady.set(app, ready);
    this.minStatusReady[app] = Math.min(this.minStatusReady[app], ready);
    if (ready < FLOOR[app])
      this.violations.push(`${kind} ${app} reported ${ready} ready, below its budget's ${FLOOR[app]}`);
    this.check();
  }

  private pdb(e: WatchEvent): void {
    if (e.type === 'ERROR') this.violations.push(`budget watch ended: ${JSON.stringify(e.object)}`);
    if (e.type !== 'MODIFIED') return;
    this.allowed.set(e.object.metadata!.name!, Number(e.object.status?.disruptionsAllowed ?? 0));
    this.check();
  }

  stop(): void {
    for (const s of this.stops) s();
  }

  readyCount(app: App): number {
    let n = 0;
    for (const p of this.pods.values())
      if (appOf(p) === app && !p.metadata?.deletionTimestamp && isPodRunningReady(p)) n++;
    return n;
  }

  private pod(e: WatchEvent): void {
    if (e.type === 'ERROR') {
      this.violations.push(`pod watch ended: ${JSON.stringify(e.object)}`);
      return;
    }
    if (e.type === 'BOOKMARK') return;
    const name = e.object.metadata!.name!;
    const before = this.pods.get(name);
    if (e.type === 'DELETED') this.pods.delete(name);
    else this.pods.set(name, e.object);
    const node = (before ?? e.object).spec?.nodeName as string | undefined;
    const beganTerminating = e.object.metadata?.deletionTimestamp && !before?.metadata?.deletionTimestamp;
    if (node && beganTerminating && before?.metadata?.uid === e.object.metadata?.uid) {
      if (!this.firstEviction.has(node)) this.firstEviction.set(node, this.at);
      this.evicted[node] = (this.evicted[node] ?? 0) + 1;
    }
    this.check();
  }

  private check(): void {
    for (const app of ['web', 'db'] as const) {
      const r = this.readyCount(app);
      this.minReady[app] = Math.min(this.minReady[app], r);
      if (r < FLOOR[app]) this.violations.push(`${app}: ${r} ready, below its budget's ${FLOOR[app]}`);
    }
    const recovered =
      this.readyCount('web') === WANT.web &&
      this.readyCount('db') === WANT.db &&
      this.statusReady.get('web') === WANT.web &&
      this.statusReady.get('db') === WANT.db &&
      (this.allowed.get('web') ?? 0) >= 1 &&
      (this.allowed.get('db') ?? 0) >= 1;
    if (recovered) this.recoveredAt.push(this.at);
  }
}

interface NodeProgress {
  cluster: string;
  name: string;
  wave: number;
  step: string;
  stepStartedAt?: string;
  gate?: { text: string }[];
  gateOn?: { kind: string; namespace: string; name: string }[];
}

/**
 * Runs the plan through POST /api/v1/maintenance and follows it to its end, recording each node's steps from
 * the plan's progress and checking the watcher's two rules.
 */
export async function runMaintenance(t: Target, app: TestApp, timeoutMs: number): Promise<ScenarioResult> {
  const podList = await api(t, 'GET', `/api/v1/namespaces/${NS}/pods`);
  const pdbList = await api(t, 'GET', pdbPath(NS));
  const watcher = new Watcher(podList.body.items ?? [], pdbList.body.items ?? []);
  watcher.start(t, String(podList.body.metadata?.resourceVersion));
  const body = {
    targets: [{ cluster: CLUSTER, selector: 'pool=maint' }],
    order: 'given',
    maxUnavailable: 2,
    drain: { ignoreDaemonSets: true, deleteEmptyDirData: true, timeoutSeconds: 300 },
    hold: { mode: 'none' },
    uncordon: true,
    gateTimeoutSeconds: 300,
  };
  const rows = new Map<string, TimelineRow[]>();
  let job: { id: string; status: string; maintenance?: { waves: number; nodes: NodeProgress[] } };
  try {
    const dry = await app.call('POST', '/api/v1/maintenance', { ...body, dryRun: true });
    if (dry.statusCode !== 200) throw new Error(`dry run: ${dry.statusCode} ${dry.body}`);
    const created = await app.call('POST', '/api/v1/maintenance', body);
    if (created.statusCode !== 202) throw new Error(`start: ${created.statusCode} ${created.body}`);
    const id = created.json().maintenance.id as string;
    const note = (n: NodeProgress) => {
      const list = rows.get(n.name) ?? [];
      const last = list.at(-1);
      const start = n.stepStartedAt ?? new Date().toISOString();
      if (!last || last.step !== n.step) {
        if (last && !last.end) last.end = start;
        list.push({ node: n.name, wave: n.wave, step: n.step, start });
        rows.set(n.name, list);
      }
      const cur = list.at(-1)!;
      // A gate that opens between two reads is never seen as a step; what it waited on stays on the node.
      if (n.gateOn?.length && !list.some((x) => x.gateOn))
        cur.gateOn = n.gateOn.map((g) => `${g.kind} ${g.namespace}/${g.name}`);
      if (n.step === 'gate' && n.gate?.length) {
        cur.waitedFor ??= [];
        for (const g of n.gate) if (!cur.waitedFor.includes(g.text)) cur.waitedFor.push(g.text);
      }
    };
    job = await waitFor(
      async () => {
        const r = await app.call('GET', `/api/v1/maintenance/${id}`);
        const j = r.json().maintenance;
        for (const n of (j.maintenance?.nodes ?? []) as NodeProgress[]) note(n);
        if (j.maintenance?.paused) throw new Error(`plan paused: ${j.maintenance.pauseReason}`);
        return ['succeeded', 'failed', 'partial', 'cancelled', 'interrupted'].includes(j.status)
          ? j
          : undefined;
      },
      { timeoutMs, intervalMs: 100, what: 'the maintenance plan to finish' },
    );
  } finally {
    watcher.stop();
  }

  // Rule 2: a node of wave w > 0 is first evicted only after the world recovered from wave w - 1's evictions.
  const order = watcher.replay(podList.body.items ?? [], pdbList.body.items ?? []);
  const progress = job.maintenance?.nodes ?? [];
  const waveOf = new Map(progress.map((n) => [n.name, n.wave]));
  const waves = job.maintenance?.waves ?? 0;
  for (const [node, at] of order.firstEviction) {
    const w = waveOf.get(node) ?? 0;
    if (w === 0) continue;
    const earlier = [...order.firstEviction.entries()].filter(([n]) => (waveOf.get(n) ?? 0) < w);
    // Earlier waves whose nodes ran none of these pods (the real scheduler may leave nodes empty) disturbed
    // nothing, so there is nothing to recover from.
    if (!earlier.length) continue;
    const lastEarlier = Math.max(...earlier.map(([, t0]) => t0));
    if (!order.recoveredAt.some((r) => r > lastEarlier && r <= at))
      watcher.violations.push(
        `${node} (wave ${w}) was drained at resourceVersion ${at}, after an earlier wave's last eviction at ` +
          `${lastEarlier} (${earlier.map(([n]) => n).join(', ')}), without the workloads recovering in between`,
      );
  }
  const timeline = [...rows.values()]
    .flat()
    .sort((a, b) => a.start.localeCompare(b.start) || a.node.localeCompare(b.node));
  return {
    jobStatus: job.status,
    timeline,
    minReady: watcher.minReady,
    minStatusReady: watcher.minStatusReady,
    violations: watcher.violations,
    evictedPerNode: watcher.evicted,
    waves,
  };
}

/** The timeline as text, one row per node step. */
export function formatTimeline(rows: TimelineRow[]): string {
  const t0 = rows.length ? Date.parse(rows[0]!.start) : 0;
  const rel = (iso?: string) => (iso ? `${((Date.parse(iso) - t0) / 1000).toFixed(1)}s` : '-');
  return rows
    .map(
      (r) =>
        `${r.node} w${r.wave} ${r.step.padEnd(8)} ${rel(r.start).padStart(7)} → ${rel(r.end).padStart(7)}` +
        (r.gateOn?.length ? `  on: ${r.gateOn.join(', ')}` : '') +
        (r.waitedFor?.length ? `  saw: ${r.waitedFor.join('; ')}` : ''),
    )
    .join('\n');
}

/** What both targets' runs must show; one definition so the simulator and the real control plane are held alike. */
export function expectScenarioHeld(r: ScenarioResult): void {
  if (process.env.KNM_SCENARIO_TIMELINE)
    console.log(formatTimeline(r.timeline), JSON.stringify(r.evictedPerNode));
  expect(r.violations).toEqual([]);
  expect(r.jobStatus).toBe('succeeded');
  expect(r.waves).toBe(6);
  // Every node went through the gate and came back; the 9 pods were evicted from wherever they ran.
  const done = r.timeline.filter((x) => x.step === 'done').map((x) => x.node);
  expect(done.sort()).toEqual(POOL);
  expect(Object.values(r.evictedPerNode).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(9);
  expect(r.minReady.web).toBeGreaterThanOrEqual(5);
  expect(r.minReady.db).toBeGreaterThanOrEqual(2);
  expect(r.minStatusReady.web).toBeGreaterThanOrEqual(5);
  expect(r.minStatusReady.db).toBeGreaterThanOrEqual(2);
  // The budgets were actually exercised: some pod was down during the run.
  expect(r.minReady.web + r.minReady.db).toBeLessThan(9);
  // Nodes with evicted pods waited at their gate for the workloads they held.
  expect(r.timeline.filter((x) => x.gateOn?.length).length).toBeGreaterThan(0);
}
