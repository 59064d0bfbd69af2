/**
 * The simulated cluster's data: one global, monotonically increasing resourceVersion across all kinds (like
 * etcd's revision), a KindStore per resource, and the single write path (`commit`) that stamps versions,
 * records history and fans events out to watches. Tests reach it as `SimServer.state`.
 */
import { TimerSet, rfc3339, type SimClock } from './clock.js';
import { DisruptionController } from './disruption.js';
import { KubeletSim } from './kubelet.js';
import { KindStore, type EventSerializer, type EventType, type HistoryEvent } from './kind-store.js';
import { listObjects, type ListParams } from './list.js';
import { Rng } from './random.js';
import {
  RESOURCES,
  apiVersionOf,
  resourceDef,
  storageKey,
  type ResourceDef,
  type ResourceName,
} from './resources.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { WorkloadControllers, type WorkloadOptions } from './workloads/index.js';
import { cloneJson, type KObject, type NodeObject, type PdbObject, type PodObject } from './types.js';
import { createObject, deleteObject, mutateObject, type DeleteOptions } from './writes.js';

export interface StateOptions {
  clock: SimClock;
  historyLimit: number;
  /** Multiplies pod grace periods (and other kubelet delays) so tests run fast; 1 = real time. */
  gracePeriodScale: number;
  seed: number;
  /** Keep PodDisruptionBudget status computed like kube-controller-manager's disruption controller. */
  disruptionController: boolean;
  /** Move pods created through the API to Running/Ready like a kubelet (kwok) would. */
  simulateKubelet: boolean;
  /** ReplicaSet/Deployment/StatefulSet controllers and a scheduler (off when undefined). */
  workloads?: WorkloadOptions;
}

export interface ListFilter {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export function serializeObject(def: ResourceDef, obj: KObject): string {
  const body = JSON.stringify(obj);
  return `{"kind":"${def.kind}","apiVersion":"${apiVersionOf(def)}",${body.slice(1)}`;
}

/** Watch lines for one event, built once and shared by every watch that receives them. */
export class LineCache implements EventSerializer {
  private json: string | undefined;
  private readonly lines = new Map<string, Buffer>();

  constructor(private readonly def: ResourceDef) {}

  line(type: string, ev: HistoryEvent): Buffer {
    let b = this.lines.get(type);
    if (!b) {
      this.json ??= serializeObject(this.def, ev.obj);
      b = Buffer.from(`{"type":"${type}","object":${this.json}}\n`);
      this.lines.set(type, b);
    }
    return b;
  }
}

export class SimState {
  readonly timers: TimerSet;
  readonly rng: Rng;
  readonly disruption: DisruptionController;
  readonly kubelet: KubeletSim;
  readonly workloads: WorkloadControllers | undefined;
  private rv = 1;
  private readonly stores = new Map<string, KindStore>();
  private waiters: { rv: number; resolve: (ok: boolean) => void; timer: unknown }[] = [];
  /** Observers of every committed change (the churn generator and kubelet simulation use these). */
  private readonly listeners = new Set<(ev: HistoryEvent, def: ResourceDef) => void>();

  constructor(readonly opts: StateOptions) {
    this.timers = new TimerSet(opts.clock);
    this.rng = new Rng(opts.seed ^ 0x5eed);
    for (const d of RESOURCES) this.stores.set(d.resource, new KindStore(d, opts.historyLimit));
    this.disruption = new DisruptionController(this);
    this.kubelet = new KubeletSim(this);
    this.workloads = opts.workloads ? new WorkloadControllers(this, opts.workloads) : undefined;
  }

  get clock(): SimClock {
    return this.opts.clock;
  }

  /** The latest resourceVersion handed out (etcd's current revision). */
  get resourceVersion(): number {
    return this.rv;
  }

  now(): string {
    return rfc3339(this.opts.clock.now());
  }

  store(resource: string): KindStore {
    const s = this.stores.get(resource);
    if (!s) throw new Error(`unknown resource ${resource}`);
    return s;
  }

  allStores(): IterableIterator<KindStore> {
    return this.stores.values();
  }

  onChange(fn: (ev: HistoryEvent, def: ResourceDef) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * The one write path. `obj` must be a fresh object (never one already stored); its metadata is copied so the
   * stamped resourceVersion never leaks into a caller's object.
   */
  commit(def: ResourceDef, type: EventType, obj: KObject, prev?: KObject): KObject {
    const rv = ++this.rv;
    const stored: KObject = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
    const store = this.store(def.resource);
    const key = storageKey(def, stored.metadata.namespace, stored.metadata.name);
    if (type === 'DELETED') {
      store.items.delete(key);
      store.keys.remove(key);
      store.indexPod(key, prev, undefined);
    } else {
      if (!store.items.has(key)) store.keys.add(key);
      store.items.set(key, stored);
      store.indexPod(key, prev, stored);
    }
    const ev: HistoryEvent = { type, rv, key, obj: stored, prev };
    store.record(ev);
    if (store.watchers.size) {
      const ser = new LineCache(def);
      for (const w of store.watchers) w.offer(ev, ser);
    }
    for (const l of this.listeners) l(ev, def);
    if (this.waiters.length) this.wakeWaiters();
    return stored;
  }

  /**
   * Bulk-load path for generated data: stores without history or watch events (callers compact afterwards so
   * nothing older than the loaded state can be resumed from).
   */
  load(def: ResourceDef, obj: KObject): KObject {
    const rv = ++this.rv;
    obj.metadata.resourceVersion = String(rv);
    const store = this.store(def.resource);
    const key = storageKey(def, obj.metadata.namespace, obj.metadata.name);
    if (!store.items.has(key)) store.keys.add(key);
    store.items.set(key, obj);
    store.indexPod(key, undefined, obj);
    return obj;
  }

  /** Advance the version without storing anything (etcd progress on other keys). */
  bumpVersion(): number {
    return ++this.rv;
  }

  waitForRv(rv: number, timeoutMs: number): Promise<boolean> {
    if (rv <= this.rv) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w = { rv, resolve, timer: undefined as unknown };
      w.timer = this.timers.after(timeoutMs, () => {
        this.waiters = this.waiters.filter((x) => x !== w);
        resolve(false);
      });
      this.waiters.push(w);
    });
  }

  private wakeWaiters(): void {
    const ready = this.waiters.filter((w) => w.rv <= this.rv);
    if (!ready.length) return;
    this.waiters = this.waiters.filter((w) => w.rv > this.rv);
    for (const w of ready) {
      this.timers.cancel(w.timer);
      w.resolve(true);
    }
  }

  /** Drop all retained history: any older resourceVersion now answers 410 Gone (like etcd compaction). */
  compact(): void {
    for (const s of this.stores.values()) s.compact(this.rv);
  }

  raw(resource: string, name: string, namespace?: string): KObject | undefined {
    const def = resourceDef(resource);
    return this.store(resource).items.get(storageKey(def, namespace, name));
  }

  close(): void {
    this.disruption.close();
    this.workloads?.close();
    this.timers.close();
    for (const w of this.waiters) w.resolve(false);
    this.waiters = [];
    for (const s of this.stores.values()) {
      for (const w of s.watchers) w.close(true);
      s.watchers.clear();
    }
    this.listeners.clear();
  }

  // ---- Test-facing helpers: objects in and out are copies, never the stored ones. ----

  /** Create an object directly (status kept as given; namespace created when missing). */
  create<T extends KObject = KObject>(resource: ResourceName, obj: unknown): T {
    const def = resourceDef(resource);
    const o = cloneJson(obj) as KObject;
    if (def.namespaced) {
      const ns = o.metadata?.namespace ?? 'default';
      if (!this.raw('namespaces', ns))
        createObject(this, resourceDef('namespaces'), undefined, { metadata: { name: ns } }, { api: false });
    }
    return cloneJson(createObject(this, def, o.metadata?.namespace, o, { api: false })) as T;
  }

  createNode(obj: unknown): NodeObject {
    return this.create<NodeObject>('nodes', obj);
  }
  createPod(obj: unknown): PodObject {
    return this.create<PodObject>('pods', obj);
  }
  createPdb(obj: unknown): PdbObject {
    return this.create<PdbObject>('poddisruptionbudgets', obj);
  }
  createDaemonSet(obj: unknown): KObject {
    return this.create('daemonsets', obj);
  }
  createReplicaSet(obj: unknown): KObject {
    return this.create('replicasets', obj);
  }
  createDeployment(obj: unknown): KObject {
    return this.create('deployments', obj);
  }
  createStatefulSet(obj: unknown): KObject {
    return this.create('statefulsets', obj);
  }
  createNamespace(obj: unknown): KObject {
    return this.create('namespaces', obj);
  }
  createEvent(obj: unknown): KObject {
    return this.create('events', obj);
  }

  get<T extends KObject = KObject>(resource: ResourceName, name: string, namespace?: string): T | undefined {
    const o = this.raw(resource, name, namespace);
    return o ? (cloneJson(o) as T) : undefined;
  }
  getNode(name: string): NodeObject | undefined {
    return this.get<NodeObject>('nodes', name);
  }
  getPod(namespace: string, name: string): PodObject | undefined {
    return this.get<PodObject>('pods', name, namespace);
  }
  getPdb(namespace: string, name: string): PdbObject | undefined {
    this.disruption.flush();
    return this.get<PdbObject>('poddisruptionbudgets', name, namespace);
  }

  async list<T extends KObject = KObject>(resource: ResourceName, filter: ListFilter = {}): Promise<T[]> {
    if (resource === 'poddisruptionbudgets') this.disruption.flush();
    const p: ListParams = {
      namespace: filter.namespace,
      labelSelector: parseLabelSelector(filter.labelSelector),
      fieldSelector: parseFieldSelector(filter.fieldSelector),
    };
    const r = await listObjects(
      { store: this.store(resource), currentRv: () => this.rv, waitForRv: (rv, t) => this.waitForRv(rv, t) },
      p,
    );
    return r.items.map((o) => cloneJson(o) as T);
  }

  count(resource: ResourceName): number {
    return this.store(resource).items.size;
  }

  /** Apply `mutator` to a copy and store it (bumps resourceVersion and emits MODIFIED unless nothing changed). */
  update<T extends KObject = KObject>(
    resource: ResourceName,
    name: string,
    namespace: string | undefined,
    mutator: (obj: T) => void,
  ): T {
    return cloneJson(
      mutateObject(this, resourceDef(resource), namespace, name, mutator as (o: KObject) => void),
    ) as T;
  }
  updateNode(name: string, mutator: (n: NodeObject) => void): NodeObject {
    return this.update<NodeObject>('nodes', name, undefined, mutator);
  }
  updatePod(namespace: string, name: string, mutator: (p: PodObject) => void): PodObject {
    return this.update<PodObject>('pods', name, namespace, mutator);
  }
  updatePdb(namespace: string, name: string, mutator: (p: PdbObject) => void): PdbObject {
    return this.update<PdbObject>('poddisruptionbudgets', name, namespace, mutator);
  }

  /** Delete like the API would (pods gracefully unless `gracePeriodSeconds: 0`). */
  delete(
    resource: ResourceName,
    name: string,
    namespace?: string,
    options: DeleteOptions = {},
  ): KObject | undefined {
    const r = deleteObject(this, resourceDef(resource), namespace, name, options);
    return r.object ? cloneJson(r.object) : undefined;
  }
  deleteNode(name: string): void {
    this.delete('nodes', name);
  }
  deletePod(namespace: string, name: string, options: DeleteOptions = {}): KObject | undefined {
    return this.delete('pods', name, namespace, options);
  }
  deletePdb(namespace: string, name: string): void {
    this.delete('poddisruptionbudgets', name, namespace);
  }
  deleteDaemonSet(namespace: string, name: string): void {
    this.delete('daemonsets', name, namespace);
  }
  deleteReplicaSet(namespace: string, name: string): void {
    this.delete('replicasets', name, namespace);
  }
}
