/**
 * The live node cache over all clusters ("SmartCache"), as one object for the composition root and the
 * listeners: it follows the cluster registry, keeps one ClusterCache per cluster (cluster-cache.ts: informers,
 * pod counter, state), hands reads to the query service (node-queries.ts) and forwards each cluster's events
 * as its own: `change` for significant node and pod-count changes, `state` when a cluster's state changes,
 * `synced` after a cluster's first LIST, `removed`. A facade only: lifecycle order per cluster and
 * housekeeping live here, everything else in the modules it names. It knows nothing of HTTP or WebSockets.
 */
import { EventEmitter } from 'node:events';
import type { ClusterState, ClusterStatusProvider } from '../clusters/types.js';
import type { Logger } from '../log/logger.js';
import type { KubeClient } from '../kube/client.js';
import type { LabelSelector } from '../kube/selector.js';
import { systemClock, TimerSet, type Clock } from '../clock.js';
import type { ReflectorStats } from '../informer/reflector.js';
import { SharedInformers } from '../informer/shared.js';
import type { KubeObject } from '../informer/types.js';
import { StepGate } from '../usage/step.js';
import type { UsageReader } from '../usage/store.js';
import type { RemoteInformers } from './remote-informers.js';
import { ClusterCache, type ClusterLiveStatus, type InformerTuning } from './cluster-cache.js';
import type { CacheManagerEvents } from './events.js';
import { NodeQueries, type NodeQueryPage, type NodeQueryResult } from './node-queries.js';
import type { NodeQuery } from './query.js';
import { ageRowJson } from './row-json.js';
import { naturalCompare } from './sort.js';
import type { NodeDetail, NodeRow, PodCountSource } from './types.js';

export { ClusterUnavailableError } from './events.js';
export type { CacheManagerEvents, NodeChange } from './events.js';
export type { ClusterLiveStatus, InformerTuning } from './cluster-cache.js';
export type { NodeQueryPage, NodeQueryResult } from './node-queries.js';

export interface CacheManagerOptions {
  log: Logger;
  clock?: Clock;
  random?: () => number;
  /** Default for clusters that do not say (config.podIndex). */
  podIndex: boolean;
  informer?: InformerTuning;
  /** A failing informer keeps answering from the cache this long before queries go direct. */
  staleGraceMs?: number;
  /** Degraded direct node LISTs are reused this long (and shared by concurrent queries). */
  directTtlMs?: number;
  /** Pod counts from a LIST (pod index off) are reused this long. */
  podListTtlMs?: number;
  /** Pod-count changes are coalesced this long before being emitted. */
  podCountFlushMs?: number;
  /** Serialised rows unused for two of these periods are released (default 60 s; 0 = never). */
  rowJsonAgeMs?: number;
  /** Node usage from the usage poller (src/usage); without it rows show no usage. */
  usage?: UsageReader;
  /** Resource shares are pushed when one moves by at least this much (default 0.02). */
  usageStep?: number;
  /** Informers run in worker threads (src/ingest remoteInformers); without it every informer runs here. */
  remote?: RemoteInformers;
}

export interface StartOptions {
  podIndex?: boolean;
}

/** Minimal shape of the cluster registry we listen to. */
export interface RegistryLike {
  on(
    ev: 'added',
    fn: (
      record: { name: string; options?: { podIndex?: boolean } },
      client: KubeClient,
      ...rest: unknown[]
    ) => void,
  ): unknown;
  on(ev: 'removed', fn: (name: string, ...rest: unknown[]) => void): unknown;
}

export class CacheManager extends EventEmitter<CacheManagerEvents> implements ClusterStatusProvider {
  private readonly entries = new Map<string, ClusterCache>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly pending = new Map<string, Promise<void>>();
  /** The informers by (cluster, resource): other consumers attach handlers here instead of watching again. */
  readonly informers = new SharedInformers();
  /** Every read of the cache (the operations port, node-source.ts, reads through it too). */
  readonly queries: NodeQueries;

  private readonly timers: TimerSet;
  private readonly gate: StepGate;

  constructor(private readonly o: CacheManagerOptions) {
    super();
    this.gate = new StepGate(o.usageStep);
    this.clock = o.clock ?? systemClock;
    this.log = o.log;
    this.timers = new TimerSet(this.clock);
    this.queries = new NodeQueries({
      cluster: (name) => this.entries.get(name),
      clock: this.clock,
      directTtlMs: o.directTtlMs ?? 2000,
      usage: o.usage,
    });
    this.scheduleAging();
  }

  private scheduleAging(): void {
    const every = this.o.rowJsonAgeMs ?? 60_000;
    if (every <= 0) return;
    const h = this.timers.set(() => {
      ageRowJson();
      this.scheduleAging();
    }, every);
    // Housekeeping must not keep a process alive on its own.
    (h as { unref?: () => void })?.unref?.();
  }

  // ---- lifecycle ------------------------------------------------------------------------------------------

  /** Follow the cluster registry: start on 'added', stop on 'removed'. */
  attach(registry: RegistryLike): void {
    registry.on('added', (record, client) => {
      void this.serial(record.name, async () => {
        if (this.entries.has(record.name)) await this.stopCluster(record.name);
        this.startCluster(record.name, client, { podIndex: record.options?.podIndex });
      });
    });
    registry.on('removed', (name) => {
      void this.serial(name, () => this.stopCluster(name));
    });
  }

  /** Run cluster lifecycle steps one after another per cluster (an add racing a remove must not interleave). */
  private serial(name: string, step: () => Promise<void> | void): Promise<void> {
    const prev = this.pending.get(name) ?? Promise.resolve();
    const next = prev
      .then(step)
      .catch((e) =>
        this.log.error({ cluster: name, err: (e as Error).message }, 'cache lifecycle step failed'),
      );
    this.pending.set(name, next);
    void next.finally(() => {
      if (this.pending.get(name) === next) this.pending.delete(name);
    });
    return next;
  }

  startCluster(name: string, client: KubeClient, opts: StartOptions = {}): void {
    if (this.entries.has(name)) throw new Error(`cluster ${name} is already cached`);
    const c = new ClusterCache(name, client, opts.podIndex ?? this.o.podIndex, {
      log: this.log,
      clock: this.clock,
      random: this.o.random,
      informers: this.informers,
      informer: this.o.informer,
      staleGraceMs: this.o.staleGraceMs ?? 5000,
      podListTtlMs: this.o.podListTtlMs ?? 30_000,
      podCountFlushMs: this.o.podCountFlushMs,
      usage: this.o.usage,
      gate: this.gate,
      remote: this.o.remote,
      events: {
        change: (ch) => this.emit('change', ch),
        state: (cluster) => this.emit('state', cluster),
        synced: (cluster) => this.emit('synced', cluster),
      },
    });
    this.entries.set(name, c);
    c.start();
  }

  /** Switch the pod index on or off for one cluster at run time. */
  async setPodIndex(name: string, on: boolean): Promise<void> {
    const c = this.entries.get(name);
    if (c && (await c.setPodIndex(on))) this.emit('state', name);
  }

  /** Stop a cluster's informers and free its timers, sockets and cache entries. */
  async stopCluster(name: string): Promise<void> {
    const c = this.entries.get(name);
    if (!c) return;
    this.entries.delete(name);
    this.queries.forget();
    await c.stop();
    this.log.info({ cluster: name }, 'node cache stopped');
    this.emit('removed', name);
    this.emit('state', name);
  }

  async close(): Promise<void> {
    this.timers.clearAll();
    await Promise.all([...this.entries.keys()].map((n) => this.stopCluster(n)));
  }

  clusters(): string[] {
    return [...this.entries.keys()].sort(naturalCompare);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Counters for leak checks: informers running, timers pending, nodes cached. */
  resources(): { clusters: number; informers: number; timers: number; nodes: number; pods: number } {
    let timers = 0;
    let nodes = 0;
    let pods = 0;
    for (const c of this.entries.values()) {
      timers += c.pendingTimers;
      nodes += c.cache.size;
      pods += c.podIndex?.podCount ?? 0;
    }
    return { clusters: this.entries.size, informers: this.informers.size, timers, nodes, pods };
  }

  // ---- state ----------------------------------------------------------------------------------------------

  state(name: string): ClusterState {
    return this.entries.get(name)?.state() ?? 'stopped';
  }

  status(name: string): ClusterLiveStatus {
    const c = this.entries.get(name);
    return c ? c.status() : { state: 'stopped', nodeCount: 0, readyNodeCount: 0 };
  }

  informerStats(name: string): { nodes: ReflectorStats; pods?: ReflectorStats } | undefined {
    return this.entries.get(name)?.informerStats();
  }

  readyNodeCount(name: string): number | undefined {
    const c = this.entries.get(name);
    return c && c.nodes.everSynced ? c.cache.readyCount : undefined;
  }

  isSynced(name: string): boolean {
    return this.entries.get(name)?.live() ?? false;
  }

  /** Resolves true once the cluster's first node LIST completed (false on timeout or unknown cluster). */
  async waitForSync(name: string, timeoutMs: number): Promise<boolean> {
    await this.pending.get(name);
    const c = this.entries.get(name);
    return c ? c.nodes.waitForSync(timeoutMs) : false;
  }

  async waitForPodIndex(name: string, timeoutMs: number): Promise<boolean> {
    const pods = this.entries.get(name)?.podIndex;
    return pods ? pods.waitForSync(timeoutMs) : false;
  }

  // ---- pod counts and shares ------------------------------------------------------------------------------

  podCountSource(name: string): PodCountSource {
    return this.entries.get(name)?.podCountSource() ?? 'none';
  }

  /** The node's pod count as last counted (never starts a count). */
  podCount(cluster: string, node: string): number | null {
    return this.entries.get(cluster)?.pods.count(node) ?? null;
  }

  /** The usage poller finished a scrape of `cluster`: push the nodes whose shares moved by a step. */
  usageScraped(cluster: string): void {
    this.entries.get(cluster)?.usageScraped();
  }

  // ---- reads (node-queries.ts) ----------------------------------------------------------------------------

  query(q: NodeQuery, clusters: readonly string[]): Promise<NodeQueryResult> {
    return this.queries.query(q, clusters);
  }

  queryJson(q: NodeQuery, clusters: readonly string[]): Promise<Buffer> {
    return this.queries.queryJson(q, clusters);
  }

  queryPage(q: NodeQuery, clusters: readonly string[]): Promise<NodeQueryPage> {
    return this.queries.queryPage(q, clusters);
  }

  getNode(
    cluster: string,
    name: string,
  ): Promise<{ node: NodeDetail; source: 'cache' | 'direct'; degraded: boolean } | undefined> {
    return this.queries.getNode(cluster, name);
  }

  row(cluster: string, name: string): NodeRow | undefined {
    return this.queries.row(cluster, name);
  }

  rows(cluster: string): NodeRow[] | undefined {
    return this.queries.rows(cluster);
  }

  rowsJson(cluster: string): Buffer | undefined {
    return this.queries.rowsJson(cluster);
  }

  matchNodes(cluster: string, selector: LabelSelector): string[] | undefined {
    return this.queries.matchNodes(cluster, selector);
  }

  applyLocalWrite(cluster: string, node: KubeObject): NodeRow | undefined {
    return this.queries.applyLocalWrite(cluster, node);
  }

  nodeRequests(cluster: string, node: string): ReturnType<NodeQueries['nodeRequests']> {
    return this.queries.nodeRequests(cluster, node);
  }

  nodePods(cluster: string, node: string, opts: { limit: number; continue?: string }) {
    return this.queries.nodePods(cluster, node, opts);
  }

  nodeEvents(cluster: string, node: string, opts: { limit: number }) {
    return this.queries.nodeEvents(cluster, node, opts);
  }
}
