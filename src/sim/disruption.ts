/**
 * PodDisruptionBudgets and the eviction subresource. The controller half mirrors kube-controller-manager's
 * disruption controller (expected / healthy / desired counts, disruptionsAllowed, disruptedPods); the
 * eviction half mirrors k8s.io/kubernetes pkg/registry/core/pod/storage/eviction.go, including its 429 and
 * 500 answers.
 */
import type { HistoryEvent } from './kind-store.js';
import { lowerBound } from './sorted-keys.js';
import { resourceDef, type ResourceDef } from './resources.js';
import { fromLabelSelectorSpec, matchLabels } from './selectors.js';
import type { SimState } from './state.js';
import { badRequest, forbidden, tooManyRequests } from './status.js';
import { isObject, type Condition, type KObject, type PdbObject, type PodObject } from './types.js';
import { deleteObject, namespaceTerminating, requireObject, type DeleteOptions } from './writes.js';

/** How long an eviction's entry in status.disruptedPods keeps a pod out of the healthy count. */
const DELETION_TIMEOUT_MS = 2 * 60 * 1000;
/** How long pod changes are batched before budgets are recomputed. */
const FLUSH_DELAY_MS = 10;

export function isPodReady(pod: KObject): boolean {
  const conds = (pod.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
  return conds.some((c) => c.type === 'Ready' && c.status === 'True');
}

function scaled(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return Number(v) || 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

export class DisruptionController {
  private dirty = new Set<string>();
  private scheduled = false;
  private writing = false;
  private closed = false;

  constructor(private readonly state: SimState) {
    state.onChange((ev, def) => this.observe(ev, def));
  }

  private get enabled(): boolean {
    return this.state.opts.disruptionController && !this.closed;
  }

  close(): void {
    this.closed = true;
  }

  /**
   * Marks the budgets a change can affect: for a pod, those in its namespace selecting it before or after;
   * for a budget, itself. Recomputation is batched a few milliseconds later (and forced before an eviction or
   * a read of budgets), so a burst of pod changes costs one pass per budget, not one per change.
   */
  private observe(ev: HistoryEvent, def: ResourceDef): void {
    if (!this.enabled || this.writing) return;
    if (def.resource === 'poddisruptionbudgets') {
      if (ev.type !== 'DELETED') this.dirty.add(ev.key);
    } else if (def.resource === 'pods') {
      const ns = ev.obj.metadata.namespace ?? '';
      if (!this.hasPdbs(ns)) return;
      for (const pdb of this.pdbsIn(ns)) {
        const sel = fromLabelSelectorSpec(pdb.spec?.selector);
        if (!sel) continue;
        if (
          matchLabels(sel, ev.obj.metadata.labels) ||
          (ev.prev && matchLabels(sel, ev.prev.metadata.labels))
        )
          this.dirty.add(`${ns}/${pdb.metadata.name}`);
      }
    } else return;
    if (this.dirty.size && !this.scheduled) {
      this.scheduled = true;
      this.state.timers.after(FLUSH_DELAY_MS, () => this.flush());
    }
  }

  private hasPdbs(ns: string): boolean {
    const keys = this.state.store('poddisruptionbudgets').keys.get();
    const i = lowerBound(keys, `${ns}/`);
    return i < keys.length && keys[i]!.startsWith(`${ns}/`);
  }

  pdbsIn(ns: string): PdbObject[] {
    const store = this.state.store('poddisruptionbudgets');
    const keys = store.keys.get();
    const out: PdbObject[] = [];
    for (let i = lowerBound(keys, `${ns}/`); i < keys.length && keys[i]!.startsWith(`${ns}/`); i++) {
      out.push(store.items.get(keys[i]!) as PdbObject);
    }
    return out;
  }

  podsIn(ns: string): PodObject[] {
    const store = this.state.store('pods');
    const keys = store.keys.get();
    const out: PodObject[] = [];
    for (let i = lowerBound(keys, `${ns}/`); i < keys.length && keys[i]!.startsWith(`${ns}/`); i++) {
      out.push(store.items.get(keys[i]!) as PodObject);
    }
    return out;
  }

  /** Bring every pending PDB status up to date now (before an eviction decides, or a read is answered). */
  flush(): void {
    this.scheduled = false;
    if (!this.enabled) {
      this.dirty.clear();
      return;
    }
    const keys = [...this.dirty];
    this.dirty.clear();
    const store = this.state.store('poddisruptionbudgets');
    for (const k of keys) {
      const pdb = store.items.get(k) as PdbObject | undefined;
      if (pdb) this.sync(pdb);
    }
  }

  /** Compute every PDB's status now (after bulk loads). */
  syncAll(): void {
    if (!this.enabled) return;
    const store = this.state.store('poddisruptionbudgets');
    for (const k of [...store.keys.get()]) this.sync(store.items.get(k) as PdbObject);
  }

  private expectedCount(pdb: PdbObject, pods: PodObject[]): number {
    const spec = pdb.spec;
    const byController = spec.maxUnavailable !== undefined || typeof spec.minAvailable === 'string';
    if (!byController) return pods.length;
    let total = 0;
    const seen = new Set<string>();
    for (const p of pods) {
      const ref = p.metadata.ownerReferences?.find((r) => r.controller);
      // Pods without a controller have no scale to count: the real controller leaves them out (and warns
      // with an UnmanagedPods event), so a budget over only such pods expects 0 and allows nothing.
      if (!ref) continue;
      if (seen.has(ref.uid)) continue;
      seen.add(ref.uid);
      const ns = p.metadata.namespace;
      if (ref.kind === 'ReplicaSet') {
        const rs = this.state.raw('replicasets', ref.name, ns);
        total += rs
          ? Number((rs.spec as { replicas?: number } | undefined)?.replicas ?? 1)
          : pods.filter((x) => x.metadata.ownerReferences?.some((r) => r.uid === ref.uid)).length;
      } else if (ref.kind === 'StatefulSet' && this.state.raw('statefulsets', ref.name, ns)) {
        const sts = this.state.raw('statefulsets', ref.name, ns)!;
        total += Number((sts.spec as { replicas?: number } | undefined)?.replicas ?? 1);
      } else if (ref.kind === 'DaemonSet') {
        const ds = this.state.raw('daemonsets', ref.name, ns);
        total +=
          Number(
            (ds?.status as { desiredNumberScheduled?: number } | undefined)?.desiredNumberScheduled ?? 0,
          ) || pods.filter((x) => x.metadata.ownerReferences?.some((r) => r.uid === ref.uid)).length;
      } else {
        total += pods.filter((x) => x.metadata.ownerReferences?.some((r) => r.uid === ref.uid)).length;
      }
    }
    return total;
  }

  /** Recompute one PDB's status like the disruption controller; stores it only when it changed. */
  sync(pdb: PdbObject): PdbObject {
    const sel = fromLabelSelectorSpec(pdb.spec?.selector);
    const ns = pdb.metadata.namespace ?? '';
    const pods = sel ? this.podsIn(ns).filter((p) => matchLabels(sel, p.metadata.labels)) : [];
    const nowMs = this.state.clock.now();
    const prevDisrupted = pdb.status?.disruptedPods ?? {};
    const disrupted: Record<string, string> = {};
    let currentHealthy = 0;
    for (const p of pods) {
      if (p.metadata.deletionTimestamp) continue;
      const t = prevDisrupted[p.metadata.name];
      if (t && Date.parse(t) + DELETION_TIMEOUT_MS > nowMs) {
        disrupted[p.metadata.name] = t;
        continue;
      }
      if (isPodReady(p)) currentHealthy++;
    }
    const expected = this.expectedCount(pdb, pods);
    let desired = 0;
    if (pdb.spec.maxUnavailable !== undefined)
      desired = Math.max(0, expected - scaled(pdb.spec.maxUnavailable, expected, true));
    else if (pdb.spec.minAvailable !== undefined) desired = scaled(pdb.spec.minAvailable, expected, true);
    let allowed = currentHealthy - desired;
    if (expected <= 0 || allowed <= 0) allowed = 0;
    const generation = pdb.metadata.generation ?? 1;
    const prevCond = pdb.status?.conditions?.find((c) => c.type === 'DisruptionAllowed');
    const condStatus = allowed > 0 ? 'True' : 'False';
    const cond: Condition = {
      type: 'DisruptionAllowed',
      status: condStatus,
      observedGeneration: generation,
      lastTransitionTime:
        prevCond && prevCond.status === condStatus ? prevCond.lastTransitionTime : this.state.now(),
      reason: allowed > 0 ? 'SufficientPods' : 'InsufficientPods',
      message: '',
    };
    const status: PdbObject['status'] = {
      observedGeneration: generation,
      ...(Object.keys(disrupted).length ? { disruptedPods: disrupted } : {}),
      disruptionsAllowed: allowed,
      currentHealthy,
      desiredHealthy: desired,
      expectedPods: expected,
      conditions: [cond],
    };
    if (JSON.stringify(status) === JSON.stringify(pdb.status)) return pdb;
    return this.writeStatus(pdb, status);
  }

  writeStatus(pdb: PdbObject, status: PdbObject['status']): PdbObject {
    this.writing = true;
    try {
      return this.state.commit(
        resourceDef('poddisruptionbudgets'),
        'MODIFIED',
        { ...pdb, status },
        pdb,
      ) as PdbObject;
    } finally {
      this.writing = false;
    }
  }
}

export interface EvictionAnswer {
  code: number;
  body: Record<string, unknown>;
}

function canIgnorePdb(pod: PodObject): boolean {
  const phase = pod.status?.phase;
  return (
    phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata.deletionTimestamp
  );
}

const EVICT_REFUSED = "Cannot evict pod as it would violate the pod's disruption budget.";

function stillProcessing(name: string): Error {
  return tooManyRequests(EVICT_REFUSED, 10, [
    {
      reason: 'DisruptionBudget',
      message: `The disruption budget ${name} is still being processed by the server.`,
    },
  ]);
}

/** POST .../pods/{name}/eviction */
export function evictPod(
  state: SimState,
  ns: string,
  name: string,
  body: unknown,
  queryDryRun = false,
): EvictionAnswer {
  if (!isObject(body)) throw badRequest('the body of the request was empty or not a JSON object');
  const meta = isObject(body.metadata) ? body.metadata : {};
  if (meta.name !== name) throw badRequest('name in URL does not match name in Eviction object');
  const rawOpts = isObject(body.deleteOptions) ? body.deleteOptions : {};
  const options: DeleteOptions = {};
  if (typeof rawOpts.gracePeriodSeconds === 'number') options.gracePeriodSeconds = rawOpts.gracePeriodSeconds;
  if (isObject(rawOpts.preconditions))
    options.preconditions = rawOpts.preconditions as DeleteOptions['preconditions'];
  // dryRun may come in the Eviction's deleteOptions or as the request's own ?dryRun=All.
  options.dryRun = queryDryRun || (Array.isArray(rawOpts.dryRun) && rawOpts.dryRun.includes('All'));

  const podsDef = resourceDef('pods');
  // NamespaceLifecycle admission runs before the eviction itself.
  if (state.raw('namespaces', ns)?.metadata.deletionTimestamp)
    throw namespaceTerminating({ group: '', resource: 'pods' }, name, ns);
  const pod = requireObject(state, podsDef, ns, name) as PodObject;
  const success: EvictionAnswer = {
    code: 201,
    body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 },
  };

  if (canIgnorePdb(pod)) {
    addConditionAndDelete(state, pod, options);
    return success;
  }
  state.disruption.flush();
  const sel = state.disruption.pdbsIn(ns).filter((p) => {
    const s = fromLabelSelectorSpec(p.spec?.selector);
    return s !== null && matchLabels(s, pod.metadata.labels);
  });
  if (sel.length > 1) {
    return {
      code: 500,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message:
          'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
        code: 500,
      },
    };
  }
  if (sel.length === 1) {
    const pdb = sel[0]!;
    const st = pdb.status ?? {};
    let decrement = true;
    if (!isPodReady(pod)) {
      if (pdb.spec.unhealthyPodEvictionPolicy === 'AlwaysAllow') decrement = false;
      else if ((st.currentHealthy ?? 0) >= (st.desiredHealthy ?? 0) && (st.desiredHealthy ?? 0) > 0)
        decrement = false;
    }
    if (decrement) {
      if ((st.observedGeneration ?? 0) < (pdb.metadata.generation ?? 1))
        throw stillProcessing(pdb.metadata.name);
      const allowed = st.disruptionsAllowed ?? 0;
      if (allowed < 0)
        throw forbidden(
          { group: 'policy', resource: 'poddisruptionbudget' },
          pdb.metadata.name,
          'pdb disruptions allowed is negative',
        );
      if (allowed === 0) {
        throw tooManyRequests(EVICT_REFUSED, 0, [
          {
            reason: 'DisruptionBudget',
            message: `The disruption budget ${pdb.metadata.name} needs ${st.desiredHealthy ?? 0} healthy pods and has ${st.currentHealthy ?? 0} currently`,
          },
        ]);
      }
      if (!options.dryRun) {
        const next = {
          ...st,
          disruptedPods: { ...(st.disruptedPods ?? {}), [name]: state.now() },
          disruptionsAllowed: allowed - 1,
        };
        if (allowed - 1 === 0 && next.conditions) {
          next.conditions = next.conditions.map((c) =>
            c.type === 'DisruptionAllowed'
              ? { ...c, status: 'False', reason: 'InsufficientPods', lastTransitionTime: state.now() }
              : c,
          );
        }
        state.disruption.writeStatus(pdb, next);
      }
    }
  }
  addConditionAndDelete(state, pod, options);
  return success;
}

function addConditionAndDelete(state: SimState, pod: PodObject, options: DeleteOptions): void {
  const podsDef = resourceDef('pods');
  if (!options.dryRun && !pod.metadata.deletionTimestamp) {
    const conds = (pod.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget');
    conds.push({
      type: 'DisruptionTarget',
      status: 'True',
      lastProbeTime: null,
      lastTransitionTime: state.now(),
      reason: 'EvictionByEvictionAPI',
      message: 'Eviction API: evicting',
    });
    // The precondition is checked against the latest pod before the condition is written.
    deleteObject(state, podsDef, pod.metadata.namespace, pod.metadata.name, { ...options, dryRun: true });
    state.commit(podsDef, 'MODIFIED', { ...pod, status: { ...pod.status, conditions: conds } }, pod);
    const latest = state.raw('pods', pod.metadata.name, pod.metadata.namespace)!;
    const opts = { ...options };
    if (opts.preconditions?.resourceVersion)
      opts.preconditions = { ...opts.preconditions, resourceVersion: latest.metadata.resourceVersion };
    deleteObject(state, podsDef, pod.metadata.namespace, pod.metadata.name, opts);
    return;
  }
  deleteObject(state, podsDef, pod.metadata.namespace, pod.metadata.name, options);
}
