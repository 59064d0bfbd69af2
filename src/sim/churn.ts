/**
 * Background change like a live cluster: node heartbeats (only lastHeartbeatTime moves), Ready flaps with the
 * node-lifecycle taint, pods replaced by their ReplicaSet, node label edits. Rates are per second/minute and
 * everything runs on the simulator's TimerSet so close() stops it.
 */
import { resourceDef } from './resources.js';
import type { SimState } from './state.js';
import type { Condition, NodeObject, PodObject, Taint } from './types.js';
import { deleteObject } from './writes.js';

export interface ChurnOptions {
  heartbeatsPerSecond?: number;
  readyFlapsPerMinute?: number;
  podChurnPerSecond?: number;
  labelChangesPerMinute?: number;
}

const TICK_MS = 100;
const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';

export class ChurnGenerator {
  private cancel: (() => void) | undefined;
  private acc = { hb: 0, flap: 0, pod: 0, label: 0 };
  private rates: Required<ChurnOptions> = {
    heartbeatsPerSecond: 0,
    readyFlapsPerMinute: 0,
    podChurnPerSecond: 0,
    labelChangesPerMinute: 0,
  };
  private podSeq = 0;

  constructor(private readonly state: SimState) {}

  static defaults(nodes: number): Required<ChurnOptions> {
    return {
      heartbeatsPerSecond: Math.max(1, nodes / 30),
      readyFlapsPerMinute: 1,
      podChurnPerSecond: 1,
      labelChangesPerMinute: 2,
    };
  }

  setRates(c: ChurnOptions): void {
    this.rates = {
      heartbeatsPerSecond: 0,
      readyFlapsPerMinute: 0,
      podChurnPerSecond: 0,
      labelChangesPerMinute: 0,
      ...c,
    };
  }

  start(c: ChurnOptions): void {
    this.stop();
    this.setRates(c);
    this.cancel = this.state.timers.every(TICK_MS, () => this.tick(TICK_MS / 1000));
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  get running(): boolean {
    return this.cancel !== undefined;
  }

  /** Advance by `seconds` worth of changes (exposed so tests can drive churn without timers). */
  tick(seconds: number): void {
    const r = this.rates;
    this.acc.hb += r.heartbeatsPerSecond * seconds;
    this.acc.flap += (r.readyFlapsPerMinute / 60) * seconds;
    this.acc.pod += r.podChurnPerSecond * seconds;
    this.acc.label += (r.labelChangesPerMinute / 60) * seconds;
    for (; this.acc.hb >= 1; this.acc.hb--) this.heartbeat();
    for (; this.acc.flap >= 1; this.acc.flap--) this.flap();
    for (; this.acc.pod >= 1; this.acc.pod--) this.replacePod();
    for (; this.acc.label >= 1; this.acc.label--) this.relabel();
  }

  private randomNode(filter?: (n: NodeObject) => boolean): NodeObject | undefined {
    const store = this.state.store('nodes');
    const keys = store.keys.get();
    if (!keys.length) return undefined;
    for (let i = 0; i < 8; i++) {
      const n = store.items.get(keys[this.state.rng.int(0, keys.length - 1)]!) as NodeObject;
      if (!filter || filter(n)) return n;
    }
    return undefined;
  }

  heartbeat(): void {
    const n = this.randomNode((x) => readyOf(x) !== 'Unknown');
    if (!n) return;
    const now = this.state.now();
    const conditions = (n.status.conditions ?? []).map((c) => ({ ...c, lastHeartbeatTime: now }));
    this.state.commit(resourceDef('nodes'), 'MODIFIED', { ...n, status: { ...n.status, conditions } }, n);
  }

  flap(): void {
    const n = this.randomNode(
      (x) => readyOf(x) === 'True' && !x.metadata.labels?.['node-role.kubernetes.io/control-plane'],
    );
    if (!n) return;
    this.setReady(n.metadata.name, false);
    const downFor = this.state.rng.int(5, 30) * 1000 * this.state.opts.gracePeriodScale;
    this.state.timers.after(downFor, () => this.setReady(n.metadata.name, true));
  }

  private setReady(name: string, ready: boolean): void {
    const n = this.state.raw('nodes', name) as NodeObject | undefined;
    if (!n) return;
    const now = this.state.now();
    const conditions = (n.status.conditions ?? []).map((c): Condition =>
      c.type !== 'Ready'
        ? { ...c, lastHeartbeatTime: now }
        : ready
          ? {
              ...c,
              status: 'True',
              reason: 'KubeletReady',
              message: 'kubelet is posting ready status',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            }
          : {
              ...c,
              status: 'False',
              reason: 'KubeletNotReady',
              message: 'PLEG is not healthy: pleg was last seen active 3m0.52s ago; threshold is 3m0s',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
    );
    let taints: Taint[] = (n.spec.taints ?? []).filter((t) => t.key !== NOT_READY_TAINT);
    if (!ready) taints = [...taints, { key: NOT_READY_TAINT, effect: 'NoSchedule', timeAdded: now }];
    const spec = { ...n.spec };
    if (taints.length) spec.taints = taints;
    else delete spec.taints;
    this.state.commit(
      resourceDef('nodes'),
      'MODIFIED',
      { ...n, spec, status: { ...n.status, conditions } },
      n,
    );
    this.state.commit(resourceDef('events'), 'ADDED', {
      metadata: {
        name: `${name}.${this.state.rng.hex(16)}`,
        namespace: 'default',
        uid: this.state.rng.uuid(),
        creationTimestamp: now,
      },
      involvedObject: { kind: 'Node', name, uid: name, apiVersion: 'v1' },
      reason: ready ? 'NodeReady' : 'NodeNotReady',
      message: `Node ${name} status is now: ${ready ? 'NodeReady' : 'NodeNotReady'}`,
      source: { component: ready ? 'kubelet' : 'node-controller', ...(ready ? { host: name } : {}) },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type: 'Normal',
      eventTime: null,
      reportingComponent: ready ? 'kubelet' : 'node-controller',
      reportingInstance: ready ? name : '',
    });
  }

  /** A ReplicaSet pod goes away gracefully and its controller creates a replacement on another node. */
  replacePod(): void {
    const store = this.state.store('pods');
    const keys = store.keys.get();
    if (!keys.length) return;
    let victim: PodObject | undefined;
    for (let i = 0; i < 8 && !victim; i++) {
      const p = store.items.get(keys[this.state.rng.int(0, keys.length - 1)]!) as PodObject;
      const owner = p.metadata.ownerReferences?.[0];
      if (owner?.kind === 'ReplicaSet' && !p.metadata.deletionTimestamp && p.status?.phase === 'Running')
        victim = p;
    }
    if (!victim) return;
    deleteObject(this.state, resourceDef('pods'), victim.metadata.namespace, victim.metadata.name, {});
    // With the workload controllers on, the ReplicaSet replaces the pod itself.
    if (this.state.workloads) return;
    const target = this.randomNode(
      (n) =>
        readyOf(n) === 'True' &&
        !n.spec.unschedulable &&
        !n.metadata.labels?.['node-role.kubernetes.io/control-plane'],
    );
    if (!target) return;
    const gen = victim.metadata.generateName ?? `${victim.metadata.name}-`;
    const name = `${gen}${this.state.rng.suffix(5)}`;
    if (this.state.raw('pods', name, victim.metadata.namespace)) return;
    this.podSeq++;
    const pod: PodObject = {
      metadata: {
        name,
        generateName: gen,
        namespace: victim.metadata.namespace,
        uid: this.state.rng.uuid(),
        creationTimestamp: this.state.now(),
        labels: victim.metadata.labels,
        ownerReferences: victim.metadata.ownerReferences,
      },
      spec: { ...victim.spec, nodeName: target.metadata.name },
      status: { phase: 'Pending', qosClass: victim.status?.qosClass ?? 'Burstable' },
    };
    const stored = this.state.commit(resourceDef('pods'), 'ADDED', pod) as PodObject;
    this.state.kubelet.podCreated(stored);
  }

  relabel(): void {
    const n = this.randomNode((x) => !!x.metadata.labels?.['node-role.kubernetes.io/worker']);
    if (!n) return;
    const key = 'acme.io/maintenance-window';
    const labels = { ...(n.metadata.labels ?? {}) };
    const choices = ['sat-0200', 'sun-0400', 'wed-2300'];
    if (labels[key] && this.state.rng.chance(0.3)) delete labels[key];
    else labels[key] = this.state.rng.pick(choices);
    this.state.commit(resourceDef('nodes'), 'MODIFIED', { ...n, metadata: { ...n.metadata, labels } }, n);
  }
}

function readyOf(n: NodeObject): string | undefined {
  return n.status.conditions?.find((c) => c.type === 'Ready')?.status;
}
