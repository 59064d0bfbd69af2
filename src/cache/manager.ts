/**
 * The live node cache over all clusters ("SmartCache"): starts one node informer (and optionally a pod index)
 * per cluster, keeps each cluster's NodeCache, classifies every update, answers queries from memory, and
 * falls back to direct API reads — flagged degraded — when a cluster's informer is not synced. Emits
 * `change` for significant node changes and pod-count changes, `state` when a cluster's state changes,
 * `synced` after a cluster's first LIST. It knows nothing of HTTP or WebSockets.
 */
import { EventEmitter } from 'node:events';
import type { ClusterInfo, ClusterState, ClusterStatusProvider } from '../clusters/types.js';
import type { Logger } from '../log/logger.js';
import type { KubeClient } from '../kube/client.js';
import { isKubeError, KubeError, UNTRUSTED_ANSWER_REASONS, type KubeReason } from '../kube/errors.js';
import { matchLabels, parseLabelSelector, type LabelSelector } from '../kube/selector.js';
import { strategyFor } from '../kube/strategy.js';
import { cacheQueries, queryMemo } from '../metrics/registry.js';
import { systemClock, TimerSet, type Clock } from '../informer/clock.js';
import { Reflector, type ReflectorOptions } from '../informer/reflector.js';
import { SharedInformers } from '../informer/shared.js';
import { MapStore } from '../informer/store.js';
import type { KubeObject } from '../informer/types.js';
import { changedFields } from './classify.js';
import { countPodsByNode, getNodeRecord, listNodeEvents, listNodePods, listNodeRecords } from './direct.js';
import { NodeCache } from './node-cache.js';
import { toDetail, toRow } from './node-row.js';
import { acceptNode, nodeChangeTime, sameDetailExtras, sameNode, transformNode } from './node-transform.js';
import { PodIndex } from './pod-index.js';
import {
  queryIdentity,
  runQuery,
  type ClusterView,
  type NodeQuery,
  type QueryHit,
  type QueryPage,
} from './query.js';
import { ageRowJson, carryRowJson, rowsJson, rowsJsonParts } from './row-json.js';

const ITEMS_OPEN = Buffer.from('{"items":');
import { naturalCompare } from './sort.js';
import type { NodeDetail, NodeRecord, NodeRow, PodCountSource } from './types.js';
import { resourceShares } from '../usage/shares.js';
import { StepGate } from '../usage/step.js';
import type { UsageReader } from '../usage/store.js';
import type { NodeResourceShares } from '../usage/types.js';

export type NodeChange =
  | { kind: 'added'; cluster: string; name: string }
  | { kind: 'updated'; cluster: string; name: string; changed: string[] }
  | { kind: 'deleted'; cluster: string; name: string }
  | { kind: 'podCount'; cluster: string; name: string; podCount: number }
  /** A resource share moved by a step (src/usage/step.ts): live values, not a change to the node object. */
  | { kind: 'resources'; cluster: string; name: string };

export type ClusterLiveStatus = Partial<
  Pick<
    ClusterInfo,
    'state' | 'version' | 'nodeCount' | 'readyNodeCount' | 'lastEventAt' | 'lastError' | 'usage'
  >
> & {
  podIndex?: boolean;
};

export interface NodeQueryResult {
  items: NodeRow[];
  total: number;
  continue?: string;
  source: 'cache' | 'direct';
  degraded: boolean;
  clusters: Record<string, ClusterState>;
  podCountSource: Record<string, PodCountSource>;
  /** Why a cluster contributed no rows (it could not be read). */
  errors?: Record<string, string>;
}

/** A query answer before rows are materialised: `hits` instead of `items` (see queryJson). */
export type NodeQueryPage = Omit<NodeQueryResult, 'items'> & { hits: QueryHit[] };

/** No requested cluster could be read: neither from a synced cache nor directly. */
export class ClusterUnavailableError extends Error {
  constructor(readonly reasons: Record<string, string>) {
    super(
      'cluster data unavailable: ' +
        Object.entries(reasons)
          .map(([c, r]) => `${c}: ${r}`)
          .join('; '),
    );
    this.name = 'ClusterUnavailableError';
  }
}

export type InformerTuning = Pick<
  ReflectorOptions<unknown>,
  'backoff' | 'idleTimeoutMs' | 'watchTimeoutSeconds' | 'healthyAfterMs' | 'pageSize'
>;

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
}

export interface StartOptions {
  podIndex?: boolean;
}

/** Answers kept for repeated queries (see CacheManager.memo), and the largest page kept. */
const MEMO_ENTRIES = 64;
const MEMO_MAX_LIMIT = 500;

interface Entry {
  name: string;
  client: KubeClient;
  nodes: Reflector<NodeRecord>;
  cache: NodeCache;
  pods?: PodIndex;
  podIndexOn: boolean;
  listCounts: { counts?: Map<string, number>; at: number; inflight?: Promise<void>; error?: string };
  direct?: { at: number; promise: Promise<NodeRecord[]> };
  version?: string;
  state?: ClusterState;
  timers: TimerSet;
  stateTimer?: unknown;
  versionFetch?: boolean;
  /** 'synced' was emitted (once, after the first LIST; relists emit their difference as changes). */
  announced: boolean;
  /** Usage availability last announced with a 'state' event. */
  usageAvailable?: boolean | null;
  stopped: boolean;
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

export interface CacheManagerEvents {
  change: [NodeChange];
  state: [cluster: string];
  synced: [cluster: string];
  removed: [cluster: string];
}

export class CacheManager extends EventEmitter<CacheManagerEvents> implements ClusterStatusProvider {
  private readonly entries = new Map<string, Entry>();
  /**
   * Recent query answers, for the same query asked again before anything it depends on changed: many
   * consoles, dashboards and scripts watching one view ask the same question over and over. Keyed by the
   * query and the generations of every cluster's node cache and pod index it read; a heartbeat updates its
   * record in place without a new generation (it changes nothing a query selects or sorts by), and rows are
   * serialised from the records at answer time, so an answer never shows an older resourceVersion than the
   * cache holds. Only live-cache answers of pages up to MEMO_MAX_LIMIT rows are kept (a full list is served
   * from pre-serialised rows anyway, and would pin thousands of records).
   */
  private readonly memo = new Map<string, { gens: string; page: QueryPage }>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly pending = new Map<string, Promise<void>>();
  /** The informers by (cluster, resource): other consumers attach handlers here instead of watching again. */
  readonly informers = new SharedInformers();

  private readonly timers: TimerSet;
  private readonly gate: StepGate;

  constructor(private readonly o: CacheManagerOptions) {
    super();
    this.gate = new StepGate(o.usageStep);
    this.clock = o.clock ?? systemClock;
    this.log = o.log;
    this.timers = new TimerSet(this.clock);
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
    const s = strategyFor('nodes');
    const store = new MapStore<NodeRecord>();
    const nodes = this.informers.getOrCreate(
      name,
      'nodes',
      () =>
        new Reflector<NodeRecord>({
          cluster: name,
          resource: 'nodes',
          path: '/api/v1/nodes',
          client,
          transform: transformNode,
          keyOf: (raw) => raw.metadata?.name ?? '',
          accept: acceptNode,
          reconcile: (stored, incoming) => {
            if (changedFields(stored, incoming).length === 0 && sameDetailExtras(stored, incoming)) {
              stored.resourceVersion = incoming.resourceVersion;
              return stored;
            }
            return incoming;
          },
          same: sameNode,
          changeTimeOf: nodeChangeTime,
          store,
          pageSize: s.pageSize,
          listTimeoutMs: s.timeoutMs,
          listFromWatchCache: s.initialListFromWatchCache,
          clock: this.o.clock,
          random: this.o.random,
          log: this.log,
          ...this.o.informer,
        }),
    );
    const e: Entry = {
      name,
      client,
      nodes,
      cache: new NodeCache(name, store),
      podIndexOn: opts.podIndex ?? this.o.podIndex,
      listCounts: { at: 0 },
      timers: new TimerSet(this.clock),
      announced: false,
      stopped: false,
    };
    this.entries.set(name, e);
    nodes.addHandler({
      added: (_k, rec, initial) => {
        e.cache.added(rec);
        if (!initial) this.emit('change', { kind: 'added', cluster: name, name: rec.name });
      },
      updated: (_k, old, rec) => {
        const changed = changedFields(old, rec);
        e.cache.updated(old, rec, changed);
        if (changed.length === 0) carryRowJson(old, rec);
        if (changed.length) this.emit('change', { kind: 'updated', cluster: name, name: rec.name, changed });
      },
      deleted: (_k, old) => {
        e.cache.deleted(old);
        this.gate.forget(name, old.name);
        this.emit('change', { kind: 'deleted', cluster: name, name: old.name });
      },
      listed: () => {
        if (!e.version) void this.fetchVersion(e);
        this.checkState(e);
        if (!e.announced) {
          e.announced = true;
          this.emit('synced', name);
        }
      },
      state: () => this.checkState(e),
    });
    if (e.podIndexOn) this.startPodIndex(e);
    nodes.start();
    void this.fetchVersion(e);
    this.checkState(e);
    this.log.info({ cluster: name, podIndex: e.podIndexOn }, 'node cache started');
  }

  private startPodIndex(e: Entry): void {
    const pods = new PodIndex({
      cluster: e.name,
      client: e.client,
      clock: this.o.clock,
      random: this.o.random,
      log: this.log,
      tuning: this.o.informer,
      flushMs: this.o.podCountFlushMs,
      onCounts: (changes) => {
        for (const [node, podCount] of changes) {
          if (e.cache.get(node))
            this.emit('change', { kind: 'podCount', cluster: e.name, name: node, podCount });
        }
        this.pushMovedShares(
          e,
          changes.map(([n]) => n),
        );
      },
    });
    e.pods = pods;
    this.informers.getOrCreate(e.name, 'pods', () => pods.reflector);
    pods.reflector.addHandler({
      listed: (cause) => {
        // Counts were null until now: announce every node's count once.
        if (cause !== 'initial') return;
        for (const rec of e.cache.all()) {
          this.emit('change', {
            kind: 'podCount',
            cluster: e.name,
            name: rec.name,
            podCount: pods.count(rec.name) ?? 0,
          });
        }
        this.pushMovedShares(e);
      },
    });
    pods.start();
  }

  /** Switch the pod index on or off for one cluster at run time. */
  async setPodIndex(name: string, on: boolean): Promise<void> {
    const e = this.entries.get(name);
    if (!e || e.podIndexOn === on) return;
    e.podIndexOn = on;
    if (on) this.startPodIndex(e);
    else {
      const p = e.pods;
      e.pods = undefined;
      e.listCounts = { at: 0 };
      await this.informers.stop(name, 'pods');
      await p?.stop();
    }
    this.emit('state', name);
  }

  /** Stop a cluster's informers and free its timers, sockets and cache entries. */
  async stopCluster(name: string): Promise<void> {
    const e = this.entries.get(name);
    if (!e) return;
    e.stopped = true;
    this.entries.delete(name);
    this.memo.clear();
    e.timers.clearAll();
    await Promise.all([this.informers.stopCluster(name), e.pods?.stop()]);
    e.cache.clear();
    e.nodes.store.clear();
    e.direct = undefined;
    e.listCounts = { at: 0 };
    this.gate.forget(name);
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
    const informers = this.informers.size;
    let timers = 0;
    let nodes = 0;
    let pods = 0;
    for (const e of this.entries.values()) {
      timers += e.timers.size + e.nodes.pendingTimers + (e.pods?.pendingTimers ?? 0);
      nodes += e.cache.size;
      pods += e.pods?.podCount ?? 0;
    }
    return { clusters: this.entries.size, informers, timers, nodes, pods };
  }

  // ---- state ----------------------------------------------------------------------------------------------

  private async fetchVersion(e: Entry): Promise<void> {
    if (e.versionFetch) return;
    e.versionFetch = true;
    try {
      const v = await e.client.request<{ gitVersion?: string }>({
        path: '/version',
        timeoutMs: strategyFor('nodes').timeoutMs,
      });
      if (!e.stopped && v?.gitVersion && v.gitVersion !== e.version) {
        e.version = v.gitVersion;
        this.emit('state', e.name);
      }
    } catch {
      /* reported through the informer's own errors */
    } finally {
      e.versionFetch = false;
    }
  }

  /** Serving from memory is allowed: listed, and any failure is younger than the grace period. */
  private live(e: Entry): boolean {
    if (!e.nodes.everSynced || e.stopped) return false;
    if (e.nodes.isSynced()) return true;
    const since = e.nodes.stats().failingSince;
    return since !== undefined && this.clock.now() - since < (this.o.staleGraceMs ?? 5000);
  }

  private computeState(e: Entry): ClusterState {
    if (e.stopped) return 'stopped';
    const st = e.nodes.stats();
    const r = st.lastErrorReason;
    // A server that answers, but with something no API server would send, is reachable and misbehaving.
    const refused = r !== undefined && UNTRUSTED_ANSWER_REASONS.has(r as KubeReason);
    if (!st.hasSynced) return st.consecutiveFailures > 0 ? (refused ? 'degraded' : 'unreachable') : 'syncing';
    if (this.live(e)) return 'synced';
    return r === 'Unreachable' || r === 'Timeout' || r === 'TLSError' ? 'unreachable' : 'degraded';
  }

  private checkState(e: Entry): void {
    const s = this.computeState(e);
    // A failing informer turns from synced to degraded when the grace period ends; look again then.
    const since = e.nodes.stats().failingSince;
    e.timers.clear(e.stateTimer);
    e.stateTimer = undefined;
    if (s === 'synced' && since !== undefined && !e.stopped) {
      e.stateTimer = e.timers.set(
        () => this.checkState(e),
        Math.max(1, since + (this.o.staleGraceMs ?? 5000) - this.clock.now() + 1),
      );
    }
    if (s !== e.state) {
      const before = e.state;
      e.state = s;
      if (before !== undefined)
        this.log.info({ cluster: e.name, from: before, to: s }, 'cluster state changed');
      this.emit('state', e.name);
    }
  }

  state(name: string): ClusterState {
    const e = this.entries.get(name);
    return e ? this.computeState(e) : 'stopped';
  }

  status(name: string): ClusterLiveStatus {
    const e = this.entries.get(name);
    if (!e) return { state: 'stopped', nodeCount: 0, readyNodeCount: 0 };
    const st = e.nodes.stats();
    const out: ClusterLiveStatus = {
      state: this.computeState(e),
      nodeCount: e.cache.size,
      readyNodeCount: e.cache.readyCount,
      podIndex: e.podIndexOn,
    };
    if (e.version) out.version = e.version;
    const usage = this.o.usage?.status(name);
    if (usage) out.usage = usage;
    if (st.lastEventAt !== undefined || st.lastListAt !== undefined) {
      out.lastEventAt = new Date(Math.max(st.lastEventAt ?? 0, st.lastListAt ?? 0)).toISOString();
    }
    if (st.consecutiveFailures > 0 && st.lastError) out.lastError = st.lastError;
    return out;
  }

  informerStats(
    name: string,
  ):
    | { nodes: ReturnType<Reflector<NodeRecord>['stats']>; pods?: ReturnType<Reflector<number>['stats']> }
    | undefined {
    const e = this.entries.get(name);
    return e ? { nodes: e.nodes.stats(), pods: e.pods?.reflector.stats() } : undefined;
  }

  readyNodeCount(name: string): number | undefined {
    const e = this.entries.get(name);
    return e && e.nodes.everSynced ? e.cache.readyCount : undefined;
  }

  isSynced(name: string): boolean {
    const e = this.entries.get(name);
    return !!e && this.live(e);
  }

  /** Resolves true once the cluster's first node LIST completed (false on timeout or unknown cluster). */
  async waitForSync(name: string, timeoutMs: number): Promise<boolean> {
    await this.pending.get(name);
    const e = this.entries.get(name);
    return e ? e.nodes.waitForSync(timeoutMs) : false;
  }

  async waitForPodIndex(name: string, timeoutMs: number): Promise<boolean> {
    const e = this.entries.get(name);
    return e?.pods ? e.pods.waitForSync(timeoutMs) : false;
  }

  // ---- pod counts -----------------------------------------------------------------------------------------

  podCountSource(name: string): PodCountSource {
    const e = this.entries.get(name);
    if (!e) return 'none';
    if (e.pods) return e.pods.synced ? 'index' : 'none';
    return e.listCounts.counts ? 'list' : 'none';
  }

  private podCountFn(e: Entry): (node: string) => number | null {
    if (e.pods) {
      const p = e.pods;
      return (n) => p.count(n);
    }
    this.refreshListCounts(e);
    const counts = e.listCounts.counts;
    return counts ? (n) => counts.get(n) ?? 0 : () => null;
  }

  podCount(cluster: string, node: string): number | null {
    const e = this.entries.get(cluster);
    return e ? this.podCountFn(e)(node) : null;
  }

  /** Pod index off: recount from a paged LIST when the last count is older than the TTL — only when asked. */
  private refreshListCounts(e: Entry): void {
    const lc = e.listCounts;
    if (lc.inflight || this.clock.now() - lc.at < (this.o.podListTtlMs ?? 30_000)) return;
    lc.inflight = countPodsByNode(e.client)
      .then((counts) => {
        if (e.stopped || e.listCounts !== lc) return;
        const before = lc.counts;
        lc.counts = counts;
        lc.error = undefined;
        for (const rec of e.cache.all()) {
          const n = counts.get(rec.name) ?? 0;
          if (before?.get(rec.name) !== n)
            this.emit('change', { kind: 'podCount', cluster: e.name, name: rec.name, podCount: n });
        }
      })
      .catch((err: unknown) => {
        lc.error = (err as Error).message;
        this.log.warn({ cluster: e.name, err: lc.error }, 'pod count LIST failed');
      })
      .finally(() => {
        lc.at = this.clock.now();
        lc.inflight = undefined;
      });
  }

  // ---- resource shares (requests from the pod index, usage from src/usage) ---------------------------------

  private sharesFn(e: Entry): ((rec: NodeRecord) => NodeResourceShares) | undefined {
    const pods = e.pods?.synced ? e.pods : undefined;
    const usage = this.o.usage?.status(e.name)?.available ? this.o.usage : undefined;
    if (!pods && !usage) return undefined;
    return (rec) =>
      resourceShares(rec, pods ? pods.requests(rec.name) : null, usage?.usage(e.name, rec.name));
  }

  /** The usage poller finished a scrape of `cluster`: push the nodes whose shares moved by a step. */
  usageScraped(cluster: string): void {
    const e = this.entries.get(cluster);
    if (!e) return;
    // Clients learn that usage became (un)available from the cluster's state message.
    const available = this.o.usage?.status(cluster)?.available ?? null;
    if (available !== e.usageAvailable) {
      e.usageAvailable = available;
      this.emit('state', cluster);
    }
    if (e.nodes.everSynced) this.pushMovedShares(e);
  }

  private pushMovedShares(e: Entry, names?: Iterable<string>): void {
    const fn = this.sharesFn(e);
    for (const name of names ?? e.cache.sortedNames()) {
      const rec = e.cache.get(name);
      if (!rec) continue;
      if (this.gate.moved(e.name, name, fn ? fn(rec) : resourceShares(rec, null, undefined)))
        this.emit('change', { kind: 'resources', cluster: e.name, name });
    }
  }

  // ---- reads ----------------------------------------------------------------------------------------------

  private directRecords(e: Entry): Promise<NodeRecord[]> {
    const now = this.clock.now();
    if (e.direct && now - e.direct.at < (this.o.directTtlMs ?? 2000)) return e.direct.promise;
    const promise = listNodeRecords(e.client);
    e.direct = { at: now, promise };
    promise.catch(() => {
      if (e.direct?.promise === promise) e.direct = undefined;
    });
    return promise;
  }

  /** Rows for a query over `clusters` (already filtered to what the caller may see). */
  async query(q: NodeQuery, clusters: readonly string[]): Promise<NodeQueryResult> {
    const { hits, ...rest } = await this.queryPage(q, clusters);
    return { items: hits.map((h) => toRow(h.cluster, h.rec, h.podCount, h.shares)), ...rest };
  }

  /** The same answer as `query`, already serialised (what the HTTP route sends; much cheaper for big pages). */
  async queryJson(q: NodeQuery, clusters: readonly string[]): Promise<Buffer> {
    const { hits, ...rest } = await this.queryPage(q, clusters);
    return Buffer.concat([
      ITEMS_OPEN,
      ...rowsJsonParts(hits),
      Buffer.from(`,${JSON.stringify(rest).slice(1)}`),
    ]);
  }

  async queryPage(q: NodeQuery, clusters: readonly string[]): Promise<NodeQueryPage> {
    const views: ClusterView[] = [];
    const states: Record<string, ClusterState> = {};
    const podSrc: Record<string, PodCountSource> = {};
    const errors: Record<string, string> = {};
    let direct = false;
    await Promise.all(
      clusters.map(async (name) => {
        const e = this.entries.get(name);
        if (!e) {
          states[name] = 'stopped';
          errors[name] = 'cluster is not connected';
          return;
        }
        states[name] = this.computeState(e);
        const podCount = this.podCountFn(e);
        const shares = this.sharesFn(e);
        podSrc[name] = this.podCountSource(name);
        if (this.live(e)) {
          views.push({ ...e.cache.view(podCount), shares });
          return;
        }
        try {
          const recs = await this.directRecords(e);
          direct = true;
          views.push({ cluster: name, size: recs.length, all: () => recs, podCount, shares });
        } catch (err) {
          errors[name] = isKubeError(err) ? `${err.reason}: ${err.message}` : (err as Error).message;
        }
      }),
    );
    if (clusters.length > 0 && views.length === 0) throw new ClusterUnavailableError(errors);
    cacheQueries.inc({ source: direct ? 'direct' : 'cache' });
    const page = direct ? runQuery(views, q) : this.memoQuery(views, q);
    const out: NodeQueryPage = {
      hits: page.hits,
      total: page.total,
      source: direct ? 'direct' : 'cache',
      degraded: direct || Object.keys(errors).length > 0,
      clusters: states,
      podCountSource: podSrc,
    };
    if (page.continue) out.continue = page.continue;
    if (Object.keys(errors).length) out.errors = errors;
    return out;
  }

  private memoQuery(views: ClusterView[], q: NodeQuery): QueryPage {
    const gens: string[] = [];
    for (const v of views) {
      const e = this.entries.get(v.cluster);
      // Without the pod index, counts come from a periodically refreshed LIST with no generation to key on.
      if (!e?.pods || q.limit > MEMO_MAX_LIMIT) return runQuery(views, q);
      gens.push(`${e.cache.generation}.${e.pods.generation}.${this.o.usage?.generation(v.cluster) ?? 0}`);
    }
    const key = `${q.limit}\n${q.continue ?? ''}\n${queryIdentity(
      q,
      views.map((v) => v.cluster),
    )}`;
    const g = gens.join(',');
    const hit = this.memo.get(key);
    if (hit && hit.gens === g) {
      queryMemo.inc({ result: 'hit' });
      return hit.page;
    }
    queryMemo.inc({ result: 'miss' });
    const page = runQuery(views, q);
    this.memo.delete(key);
    this.memo.set(key, { gens: g, page });
    if (this.memo.size > MEMO_ENTRIES) this.memo.delete(this.memo.keys().next().value!);
    return page;
  }

  /** Full detail of one node: from the cache, or (not synced) a direct GET. Undefined when it does not exist. */
  async getNode(
    cluster: string,
    name: string,
  ): Promise<{ node: NodeDetail; source: 'cache' | 'direct'; degraded: boolean } | undefined> {
    const e = this.entries.get(cluster);
    if (!e) throw new ClusterUnavailableError({ [cluster]: 'cluster is not connected' });
    const podCount = this.podCountFn(e)(name);
    const shares = this.sharesFn(e);
    if (this.live(e)) {
      const rec = e.cache.get(name);
      cacheQueries.inc({ source: 'cache' });
      return rec
        ? { node: toDetail(cluster, rec, podCount, shares?.(rec)), source: 'cache', degraded: false }
        : undefined;
    }
    try {
      const rec = await getNodeRecord(e.client, name);
      cacheQueries.inc({ source: 'direct' });
      return { node: toDetail(cluster, rec, podCount, shares?.(rec)), source: 'direct', degraded: true };
    } catch (err) {
      if (isKubeError(err, 'NotFound')) return undefined;
      throw new ClusterUnavailableError({
        [cluster]: err instanceof KubeError ? `${err.reason}: ${err.message}` : String(err),
      });
    }
  }

  /** The cached row of one node (no API call; undefined if not cached). */
  row(cluster: string, name: string): NodeRow | undefined {
    const e = this.entries.get(cluster);
    const rec = e?.cache.get(name);
    return e && rec ? toRow(cluster, rec, this.podCountFn(e)(name), this.sharesFn(e)?.(rec)) : undefined;
  }

  /** Every cached row of a cluster, by name; undefined until the first LIST completed. */
  rows(cluster: string): NodeRow[] | undefined {
    const e = this.entries.get(cluster);
    if (!e || !e.nodes.everSynced) return undefined;
    const pc = this.podCountFn(e);
    const sh = this.sharesFn(e);
    const out: NodeRow[] = [];
    for (const n of e.cache.sortedNames()) {
      const rec = e.cache.get(n);
      if (rec) out.push(toRow(cluster, rec, pc(n), sh?.(rec)));
    }
    return out;
  }

  /** `rows(cluster)` as a UTF-8 JSON array (for snapshots); undefined until the first LIST completed. */
  rowsJson(cluster: string): Buffer | undefined {
    const e = this.entries.get(cluster);
    if (!e || !e.nodes.everSynced) return undefined;
    const pc = this.podCountFn(e);
    const sh = this.sharesFn(e);
    const hits: QueryHit[] = [];
    for (const n of e.cache.sortedNames()) {
      const rec = e.cache.get(n);
      if (rec) hits.push({ cluster, rec, podCount: pc(n), shares: sh?.(rec) });
    }
    return rowsJson(hits);
  }

  /** Names of cached nodes matching a label selector (batch targets); undefined if not synced. */
  matchNodes(cluster: string, selector: LabelSelector): string[] | undefined {
    const e = this.entries.get(cluster);
    if (!e || !this.live(e)) return undefined;
    const out: string[] = [];
    for (const n of e.cache.sortedNames()) {
      const rec = e.cache.get(n);
      if (rec && matchLabels(selector, rec.labels)) out.push(n);
    }
    return out;
  }

  /**
   * Read-your-writes: put the node a successful write returned into the cache now, instead of waiting for the
   * watch. An older version never replaces a newer one (resourceVersions compared as integers when both
   * are); the later watch event for the same version is then recognised as no change. Returns the row as
   * the cache now shows it.
   */
  applyLocalWrite(cluster: string, node: KubeObject): NodeRow | undefined {
    const e = this.entries.get(cluster);
    if (!e || !node?.metadata?.name) return undefined;
    e.nodes.applyLocal(node);
    return this.row(cluster, node.metadata.name);
  }

  // ---- what node operations need (see operations/ports.ts NodeSource) -------------------------------------

  /** Records to reason about: the cache when live, else a direct LIST (shared, briefly reused). */
  private async recordsFor(cluster: string): Promise<{ cache?: NodeCache; recs?: NodeRecord[] }> {
    const e = this.entries.get(cluster);
    if (!e) throw new ClusterUnavailableError({ [cluster]: 'cluster is not connected' });
    if (this.live(e)) return { cache: e.cache };
    return { recs: await this.directRecords(e) };
  }

  async nodeSummary(
    cluster: string,
    name: string,
  ): Promise<{ name: string; status: NodeRecord['status']; unschedulable: boolean } | undefined> {
    const r = await this.getNode(cluster, name);
    return r && { name: r.node.name, status: r.node.status, unschedulable: r.node.unschedulable };
  }

  /** Names (natural order) of the cluster's nodes matching a label selector text (throws SelectorError). */
  async resolveSelector(cluster: string, selector: string): Promise<string[]> {
    const sel = parseLabelSelector(selector);
    const { cache, recs } = await this.recordsFor(cluster);
    const all = cache ? [...cache.all()] : recs!;
    return all
      .filter((r) => matchLabels(sel, r.labels))
      .map((r) => r.name)
      .sort(naturalCompare);
  }

  async readyStats(cluster: string): Promise<{ ready: number; readySchedulable: number }> {
    const { cache, recs } = await this.recordsFor(cluster);
    if (cache) return { ready: cache.readyCount, readySchedulable: cache.readySchedulableCount };
    let ready = 0;
    let readySchedulable = 0;
    for (const r of recs!) {
      if (r.status !== 'Ready') continue;
      ready++;
      if (!r.unschedulable) readySchedulable++;
    }
    return { ready, readySchedulable };
  }

  // ---- direct-only reads (strategy: never cached) ---------------------------------------------------------

  private client(cluster: string): KubeClient {
    const e = this.entries.get(cluster);
    if (!e) throw new ClusterUnavailableError({ [cluster]: 'cluster is not connected' });
    return e.client;
  }

  /** Requests and limits of the node's non-terminated pods from the pod index; null without a synced one. */
  nodeRequests(cluster: string, node: string): ReturnType<PodIndex['requests']> {
    return this.entries.get(cluster)?.pods?.requests(node) ?? null;
  }

  nodePods(cluster: string, node: string, opts: { limit: number; continue?: string }) {
    return listNodePods(this.client(cluster), node, opts);
  }

  nodeEvents(cluster: string, node: string, opts: { limit: number }) {
    return listNodeEvents(this.client(cluster), node, opts);
  }
}
