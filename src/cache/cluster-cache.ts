/**
 * One cluster's live node cache: the node informer filling its NodeCache (the informer's store), the pod
 * counter (pod index or LIST), the server version, and the cluster's state with its transitions. It exists
 * so that everything with a lifetime of one cluster — informers, timers, the first-sync announcement, the
 * share gate's entries — starts and stops together in one object; the facade (manager.ts) only keeps a map
 * of these, and the query service (node-queries.ts) only reads them.
 */
import type { ClusterInfo, ClusterState } from '../clusters/types.js';
import type { Logger } from '../log/logger.js';
import type { KubeClient } from '../kube/client.js';
import { strategyFor } from '../kube/strategy.js';
import { TimerSet, type Clock } from '../clock.js';
import { Reflector, type ReflectorStats } from '../informer/reflector.js';
import type { SharedInformers } from '../informer/shared.js';
import { resourceShares } from '../usage/shares.js';
import type { StepGate } from '../usage/step.js';
import type { UsageReader } from '../usage/store.js';
import type { NodeResourceShares } from '../usage/types.js';
import { changedFields } from './classify.js';
import { clusterState, recheckDelay, servesFromMemory, type StateInput } from './cluster-state.js';
import type { ClusterEventSink } from './events.js';
import { ListPodCounter } from './list-pod-counter.js';
import { NodeCache } from './node-cache.js';
import { nodeInformerOptions, type NodeFeed, type NodeInformerTuning } from './node-informer.js';
import type { RemoteInformers } from './remote-informers.js';
import type { PodCounter, WatchedPodCounter } from './pod-counter.js';
import { PodIndex } from './pod-index.js';
import { carryRowJson } from './row-json.js';
import type { NodeRecord, PodCountSource } from './types.js';

export type InformerTuning = NodeInformerTuning;

export type ClusterLiveStatus = Partial<
  Pick<
    ClusterInfo,
    'state' | 'version' | 'nodeCount' | 'readyNodeCount' | 'lastEventAt' | 'lastError' | 'usage'
  >
> & {
  podIndex?: boolean;
};

/** What every cluster cache shares with the others (owned by the facade). */
export interface ClusterCacheDeps {
  log: Logger;
  clock: Clock;
  random?: () => number;
  informers: SharedInformers;
  informer?: InformerTuning;
  /** A failing informer keeps answering from the cache this long before queries go direct. */
  staleGraceMs: number;
  podListTtlMs: number;
  podCountFlushMs?: number;
  usage?: UsageReader;
  gate: StepGate;
  events: ClusterEventSink;
  /** Ingest worker threads: when present, pod indexes of clients that can be shared run there. */
  remote?: RemoteInformers;
}

export class ClusterCache {
  readonly cache: NodeCache;
  readonly nodes: NodeFeed;
  /** The node informer runs elsewhere (not in SharedInformers): stop() stops it itself. */
  private readonly remoteNodes: boolean;
  /** The pod index mirrored from elsewhere, when it is one. */
  private remotePods?: WatchedPodCounter;
  private counter: PodCounter;
  private podIndexOn: boolean;
  private version?: string;
  private lastState?: ClusterState;
  private readonly timers: TimerSet;
  private stateTimer?: unknown;
  private versionFetch = false;
  /** 'synced' was emitted (once, after the first LIST; relists emit their difference as changes). */
  private announced = false;
  /** Usage availability last announced with a 'state' event. */
  private usageAvailable?: boolean | null;
  private stopped = false;

  constructor(
    readonly name: string,
    readonly client: KubeClient,
    podIndex: boolean,
    private readonly d: ClusterCacheDeps,
  ) {
    this.timers = new TimerSet(d.clock);
    this.cache = new NodeCache(name);
    this.podIndexOn = podIndex;
    const spec = d.remote ? client.connectionSpec?.() : undefined;
    this.remoteNodes = !!(d.remote && spec);
    this.nodes =
      d.remote && spec
        ? // Decoded and compared in a worker: only visible changes reach this thread. It is no Reflector
          // here, so it stays out of SharedInformers and stop() stops it itself.
          d.remote.nodes({ cluster: name, spec, store: this.cache, tuning: d.informer, log: d.log })
        : d.informers.getOrCreate(
            name,
            'nodes',
            () =>
              new Reflector<NodeRecord>(
                nodeInformerOptions({
                  cluster: name,
                  client,
                  // The cache is the store: its indexes change in the same step as the records (node-cache.ts).
                  store: this.cache,
                  clock: d.clock,
                  random: d.random,
                  log: d.log,
                  tuning: d.informer,
                }),
              ),
          );
    this.counter = this.podIndexOn ? this.newPodIndex() : this.newListCounter();
    this.nodes.addHandler({
      added: (_k, rec, initial) => {
        if (!initial) this.d.events.change({ kind: 'added', cluster: name, name: rec.name });
      },
      updated: (_k, old, rec) => {
        const changed = changedFields(old, rec);
        if (changed.length === 0) carryRowJson(old, rec);
        else this.d.events.change({ kind: 'updated', cluster: name, name: rec.name, changed });
      },
      deleted: (_k, old) => {
        this.d.gate.forget(name, old.name);
        this.d.events.change({ kind: 'deleted', cluster: name, name: old.name });
      },
      listed: () => {
        if (!this.version) void this.fetchVersion();
        this.checkState();
        if (!this.announced) {
          this.announced = true;
          this.d.events.synced(name);
        }
      },
      state: () => this.checkState(),
    });
  }

  start(): void {
    this.podIndex?.start();
    this.nodes.start();
    void this.fetchVersion();
    this.checkState();
    this.d.log.info({ cluster: this.name, podIndex: this.podIndexOn }, 'node cache started');
  }

  // ---- pod counts -----------------------------------------------------------------------------------------

  private newPodIndex(): WatchedPodCounter {
    const spec = this.d.remote ? this.client.connectionSpec?.() : undefined;
    if (this.d.remote && spec) {
      // The pods informer runs in a worker: it is no Reflector here, so it stays out of SharedInformers, and
      // stop() stops it as the counter.
      const remote: WatchedPodCounter = this.d.remote.pods({
        cluster: this.name,
        spec,
        tuning: this.d.informer,
        flushMs: this.d.podCountFlushMs,
        onCounts: (changes) => this.podCountsChanged(changes),
        listed: (cause) => {
          if (cause === 'initial') this.podCountsKnown(remote);
        },
      });
      this.remotePods = remote;
      return remote;
    }
    const pods = new PodIndex({
      cluster: this.name,
      client: this.client,
      clock: this.d.clock,
      random: this.d.random,
      log: this.d.log,
      tuning: this.d.informer,
      flushMs: this.d.podCountFlushMs,
      onCounts: (changes) => this.podCountsChanged(changes),
    });
    this.d.informers.getOrCreate(this.name, 'pods', () => pods.reflector);
    pods.reflector.addHandler({
      listed: (cause) => {
        if (cause === 'initial') this.podCountsKnown(pods);
      },
    });
    return pods;
  }

  private podCountsChanged(changes: [node: string, count: number][]): void {
    for (const [node, podCount] of changes) {
      if (this.cache.get(node))
        this.d.events.change({ kind: 'podCount', cluster: this.name, name: node, podCount });
    }
    this.pushMovedShares(changes.map(([n]) => n));
  }

  /** Counts were null until now: announce every node's count once. */
  private podCountsKnown(pods: PodCounter): void {
    for (const rec of this.cache.all()) {
      this.d.events.change({
        kind: 'podCount',
        cluster: this.name,
        name: rec.name,
        podCount: pods.count(rec.name) ?? 0,
      });
    }
    this.pushMovedShares();
  }

  private newListCounter(): ListPodCounter {
    return new ListPodCounter({
      cluster: this.name,
      client: this.client,
      clock: this.d.clock,
      log: this.d.log,
      ttlMs: this.d.podListTtlMs,
      onCounts: (before, counts) => {
        for (const rec of this.cache.all()) {
          const n = counts.get(rec.name) ?? 0;
          if (before?.get(rec.name) !== n)
            this.d.events.change({ kind: 'podCount', cluster: this.name, name: rec.name, podCount: n });
        }
      },
    });
  }

  get pods(): PodCounter {
    return this.counter;
  }

  /** The pod index (in this thread or an ingest worker's), when this cluster keeps one. */
  get podIndex(): WatchedPodCounter | undefined {
    if (this.counter instanceof PodIndex) return this.counter;
    return this.counter === this.remotePods ? this.remotePods : undefined;
  }

  get podIndexEnabled(): boolean {
    return this.podIndexOn;
  }

  /** Switch the pod index on or off at run time; false when it already was. */
  async setPodIndex(on: boolean): Promise<boolean> {
    if (this.podIndexOn === on) return false;
    this.podIndexOn = on;
    const old = this.counter;
    if (on) {
      await old.stop();
      const pods = this.newPodIndex();
      this.counter = pods;
      pods.start();
    } else {
      this.counter = this.newListCounter();
      await this.d.informers.stop(this.name, 'pods');
      await old.stop();
    }
    return true;
  }

  podCountSource(): PodCountSource {
    return this.counter.source();
  }

  // ---- resource shares (requests from the pod index, usage from src/usage) ---------------------------------

  /** Live shares of a node for one read; undefined when neither requests nor usage are known. */
  shares(): ((rec: NodeRecord) => NodeResourceShares) | undefined {
    const pods = this.podIndex?.synced ? this.podIndex : undefined;
    const usage = this.d.usage?.status(this.name)?.available ? this.d.usage : undefined;
    if (!pods && !usage) return undefined;
    return (rec) =>
      resourceShares(rec, pods ? pods.requests(rec.name) : null, usage?.usage(this.name, rec.name));
  }

  /** The usage poller finished a scrape: push the nodes whose shares moved by a step. */
  usageScraped(): void {
    // Clients learn that usage became (un)available from the cluster's state message.
    const available = this.d.usage?.status(this.name)?.available ?? null;
    if (available !== this.usageAvailable) {
      this.usageAvailable = available;
      this.d.events.state(this.name);
    }
    if (this.nodes.everSynced) this.pushMovedShares();
  }

  private pushMovedShares(names?: Iterable<string>): void {
    const fn = this.shares();
    for (const name of names ?? this.cache.sortedNames()) {
      const rec = this.cache.get(name);
      if (!rec) continue;
      if (this.d.gate.moved(this.name, name, fn ? fn(rec) : resourceShares(rec, null, undefined)))
        this.d.events.change({ kind: 'resources', cluster: this.name, name });
    }
  }

  // ---- state ----------------------------------------------------------------------------------------------

  private async fetchVersion(): Promise<void> {
    if (this.versionFetch) return;
    this.versionFetch = true;
    try {
      const v = await this.client.request<{ gitVersion?: string }>({
        path: '/version',
        timeoutMs: strategyFor('nodes').timeoutMs,
      });
      if (!this.stopped && v?.gitVersion && v.gitVersion !== this.version) {
        this.version = v.gitVersion;
        this.d.events.state(this.name);
      }
    } catch {
      /* reported through the informer's own errors */
    } finally {
      this.versionFetch = false;
    }
  }

  private stateInput(): StateInput {
    return {
      stats: this.nodes.stats(),
      synced: this.nodes.isSynced(),
      stopped: this.stopped,
      now: this.d.clock.now(),
      graceMs: this.d.staleGraceMs,
    };
  }

  /** Serving from memory is allowed: listed, and any failure is younger than the grace period. */
  live(): boolean {
    if (!this.stopped && this.nodes.isSynced()) return true;
    return servesFromMemory(this.stateInput());
  }

  state(): ClusterState {
    return clusterState(this.stateInput());
  }

  private checkState(): void {
    const input = this.stateInput();
    const s = clusterState(input);
    this.timers.clear(this.stateTimer);
    this.stateTimer = undefined;
    const again = recheckDelay(input, s);
    if (again !== undefined) this.stateTimer = this.timers.set(() => this.checkState(), again);
    if (s !== this.lastState) {
      const before = this.lastState;
      this.lastState = s;
      if (before !== undefined)
        this.d.log.info({ cluster: this.name, from: before, to: s }, 'cluster state changed');
      this.d.events.state(this.name);
    }
  }

  status(): ClusterLiveStatus {
    const st = this.nodes.stats();
    const out: ClusterLiveStatus = {
      state: this.state(),
      nodeCount: this.cache.size,
      readyNodeCount: this.cache.readyCount,
      podIndex: this.podIndexOn,
    };
    if (this.version) out.version = this.version;
    const usage = this.d.usage?.status(this.name);
    if (usage) out.usage = usage;
    if (st.lastEventAt !== undefined || st.lastListAt !== undefined) {
      out.lastEventAt = new Date(Math.max(st.lastEventAt ?? 0, st.lastListAt ?? 0)).toISOString();
    }
    if (st.consecutiveFailures > 0 && st.lastError) out.lastError = st.lastError;
    return out;
  }

  informerStats(): { nodes: ReflectorStats; pods?: ReflectorStats } {
    return { nodes: this.nodes.stats(), pods: this.podIndex?.stats() };
  }

  /** Timers pending (own, the node informer's and the pod counter's), for leak checks. */
  get pendingTimers(): number {
    return this.timers.size + this.nodes.pendingTimers + this.counter.pendingTimers;
  }

  // ---- stop -----------------------------------------------------------------------------------------------

  /** Stop the cluster's informers and free its timers, sockets and cache entries. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.clearAll();
    await Promise.all([
      this.d.informers.stopCluster(this.name),
      this.counter.stop(),
      this.remoteNodes ? this.nodes.stop() : undefined,
    ]);
    this.cache.clear();
    this.d.gate.forget(this.name);
  }
}
