/**
 * The workload controllers and scheduler of the simulated cluster, wired to every committed change: pod,
 * ReplicaSet, Deployment and StatefulSet changes mark their controller dirty; unbound pods queue for the
 * scheduler; node changes and pod removals let unschedulable pods try again. Work is batched a few
 * milliseconds (on the simulator's clock) so a burst of evictions costs one sync per owner, and each pass
 * binds a bounded number of pods, so even a 5,000-node demo cluster never stalls the API on this.
 */
import type { HistoryEvent } from '../kind-store.js';
import type { ResourceDef } from '../resources.js';
import type { SimState } from '../state.js';
import type { KObject, PodObject } from '../types.js';
import { OwnerIndex, controllerRef } from './owner-index.js';
import { syncDeployment, syncReplicaSet } from './replicasets.js';
import { SimScheduler } from './scheduler.js';
import { syncStatefulSet } from './statefulsets.js';

export interface WorkloadOptions {
  /** How long a bound pod takes to become Running and Ready (on the simulator's clock). Default 1,000 ms. */
  readyDelayMs?: number;
}

const FLUSH_DELAY_MS = 10;
/** Pods bound per pass; the rest wait for the next pass. */
const BINDS_PER_PASS = 50;

export class WorkloadControllers {
  readonly scheduler: SimScheduler;
  private index: OwnerIndex | undefined;
  private readonly dirty = {
    replicasets: new Set<string>(),
    deployments: new Set<string>(),
    statefulsets: new Set<string>(),
  };
  private readonly unbound = new Set<string>();
  private readonly unschedulable = new Set<string>();
  private scheduled = false;
  private closed = false;
  private readonly readyDelayMs: number;

  constructor(
    private readonly state: SimState,
    opts: WorkloadOptions,
  ) {
    this.readyDelayMs = opts.readyDelayMs ?? 1_000;
    this.scheduler = new SimScheduler(state);
    state.onChange((ev, def) => this.observe(ev, def));
  }

  close(): void {
    this.closed = true;
  }

  /** Built on first use, after the generated cluster was bulk-loaded (which emits no changes). */
  private ownerIndex(): OwnerIndex {
    if (!this.index) {
      this.index = new OwnerIndex();
      for (const [k, p] of this.state.store('pods').items) this.index.update(k, undefined, p);
      this.adoptAll();
    }
    return this.index;
  }

  /** Every workload and unbound pod gets one look after the bulk load. */
  private adoptAll(): void {
    for (const r of ['deployments', 'replicasets', 'statefulsets'] as const)
      for (const k of this.state.store(r).keys.get()) this.dirty[r].add(k);
    for (const [k, p] of this.state.store('pods').items)
      if (!(p as PodObject).spec?.nodeName && !p.metadata.deletionTimestamp) this.unbound.add(k);
  }

  private observe(ev: HistoryEvent, def: ResourceDef): void {
    if (this.closed) return;
    const o = ev.obj;
    switch (def.resource) {
      case 'pods': {
        this.index?.update(ev.key, ev.prev, ev.type === 'DELETED' ? undefined : o);
        const ref = controllerRef(o) ?? (ev.prev && controllerRef(ev.prev));
        const ns = o.metadata.namespace!;
        if (ref?.kind === 'ReplicaSet') this.dirty.replicasets.add(`${ns}/${ref.name}`);
        else if (ref?.kind === 'StatefulSet') this.dirty.statefulsets.add(`${ns}/${ref.name}`);
        const pod = o as PodObject;
        if (ev.type === 'DELETED') {
          this.unbound.delete(ev.key);
          this.unschedulable.delete(ev.key);
          this.retryUnschedulable();
        } else if (!pod.spec?.nodeName && !o.metadata.deletionTimestamp && !this.unschedulable.has(ev.key))
          this.unbound.add(ev.key);
        break;
      }
      case 'replicasets': {
        if (ev.type !== 'DELETED') this.dirty.replicasets.add(ev.key);
        const ref = controllerRef(o);
        if (ref?.kind === 'Deployment') this.dirty.deployments.add(`${o.metadata.namespace}/${ref.name}`);
        break;
      }
      case 'deployments':
        if (ev.type !== 'DELETED') this.dirty.deployments.add(ev.key);
        break;
      case 'statefulsets':
        if (ev.type !== 'DELETED') this.dirty.statefulsets.add(ev.key);
        break;
      case 'nodes':
        this.retryUnschedulable();
        break;
      default:
        return;
    }
    this.schedule();
  }

  private retryUnschedulable(): void {
    for (const k of this.unschedulable) this.unbound.add(k);
    this.unschedulable.clear();
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    const pending =
      this.unbound.size ||
      this.dirty.replicasets.size ||
      this.dirty.deployments.size ||
      this.dirty.statefulsets.size;
    if (!pending) return;
    this.scheduled = true;
    this.state.timers.after(FLUSH_DELAY_MS, () => this.flush());
  }

  /** One pass: Deployments, then ReplicaSets, StatefulSets, then binding. Changes it makes queue the next. */
  flush(): void {
    this.scheduled = false;
    if (this.closed) return;
    const index = this.ownerIndex();
    const take = (r: keyof typeof this.dirty): KObject[] => {
      const keys = [...this.dirty[r]];
      this.dirty[r].clear();
      const store = this.state.store(r);
      return keys.map((k) => store.items.get(k)).filter((x): x is KObject => !!x);
    };
    for (const d of take('deployments')) syncDeployment(this.state, d);
    for (const rs of take('replicasets')) syncReplicaSet(this.state, index, rs);
    for (const s of take('statefulsets')) syncStatefulSet(this.state, index, s);
    this.bindPending();
    this.schedule();
  }

  private bindPending(): void {
    const pods = this.state.store('pods');
    if (this.unbound.size) this.scheduler.beginPass();
    let n = 0;
    for (const key of [...this.unbound]) {
      if (n++ >= BINDS_PER_PASS) break;
      this.unbound.delete(key);
      const pod = pods.items.get(key) as PodObject | undefined;
      if (!pod || pod.spec.nodeName || pod.metadata.deletionTimestamp) continue;
      if ((pod.spec.schedulerName ?? 'default-scheduler') !== 'default-scheduler') continue;
      const node = this.scheduler.pick(pod);
      if (!node) {
        this.unschedulable.add(key);
        this.scheduler.markUnschedulable(pod);
        // markUnschedulable's own change must not requeue it.
        this.unbound.delete(key);
        continue;
      }
      const bound = this.scheduler.bind(pod, node);
      this.unbound.delete(key);
      this.state.kubelet.startPod(bound, this.readyDelayMs);
    }
  }

  /** Whether anything is waiting to be done (tests drive a fake clock until this is false). */
  get busy(): boolean {
    return this.scheduled;
  }
}
