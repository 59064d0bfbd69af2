/**
 * The node query service: answers every read of the node cache — filtered pages (reused through the memo
 * while nothing changed), one node's detail, rows for snapshots, selector matches — from the clusters'
 * caches while they may serve from memory, and from a direct API read, flagged degraded, while they may not.
 * Read-your-writes goes through here too: a write's answer enters the cluster's informer at once. It exists
 * so that reading never depends on how a cluster's cache is started, stopped or counted: it is handed a way
 * to find a cluster's cache and only reads it (pod counts are only *wanted*, never listed from here).
 */
import type { ClusterState } from '../clusters/types.js';
import type { KubeClient } from '../kube/client.js';
import { isKubeError, KubeError } from '../kube/errors.js';
import { matchLabels, type LabelSelector } from '../kube/selector.js';
import type { Clock } from '../clock.js';
import type { KubeObject } from '../informer/types.js';
import { cacheQueries } from '../metrics/registry.js';
import type { UsageReader } from '../usage/store.js';
import type { ClusterCache } from './cluster-cache.js';
import { getNodeRecord, listNodeEvents, listNodePods, listNodeRecords } from './direct.js';
import { ClusterUnavailableError } from './events.js';
import { toDetail, toRow } from './node-row.js';
import type { NodeRequests } from './pod-counter.js';
import { QueryMemo } from './query-memo.js';
import { runQuery, type ClusterView, type NodeQuery, type QueryHit } from './query.js';
import { rowsJson, rowsJsonParts } from './row-json.js';
import type { NodeDetail, NodeRecord, NodeRow, PodCountSource } from './types.js';
import type { NodeQueryResult } from './query-types.js';

const ITEMS_OPEN = Buffer.from('{"items":');

export type { NodeQueryResult };

/** A query answer before rows are materialised: `hits` instead of `items` (see queryJson). */
export type NodeQueryPage = Omit<NodeQueryResult, 'items'> & { hits: QueryHit[] };

export interface NodeQueriesOptions {
  /** The running cache of a cluster, if any. */
  cluster(name: string): ClusterCache | undefined;
  clock: Clock;
  /** Degraded direct node LISTs are reused this long (and shared by concurrent queries). */
  directTtlMs: number;
  usage?: UsageReader;
}

export class NodeQueries {
  private readonly memo = new QueryMemo();
  /** The last direct LIST per cluster cache; dies with the cache it was read for. */
  private readonly direct = new WeakMap<ClusterCache, { at: number; promise: Promise<NodeRecord[]> }>();

  constructor(private readonly o: NodeQueriesOptions) {}

  /** A cluster came or went: answers that included it must not be reused. */
  forget(): void {
    this.memo.clear();
  }

  private need(cluster: string): ClusterCache {
    const c = this.o.cluster(cluster);
    if (!c) throw new ClusterUnavailableError({ [cluster]: 'cluster is not connected' });
    return c;
  }

  private directRecords(c: ClusterCache): Promise<NodeRecord[]> {
    const now = this.o.clock.now();
    const last = this.direct.get(c);
    if (last && now - last.at < this.o.directTtlMs) return last.promise;
    const promise = listNodeRecords(c.client);
    this.direct.set(c, { at: now, promise });
    promise.catch(() => {
      if (this.direct.get(c)?.promise === promise) this.direct.delete(c);
    });
    return promise;
  }

  /** The count lookup for one read of `c`, after saying counts are wanted. */
  private counts(c: ClusterCache): (node: string) => number | null {
    const pods = c.pods;
    pods.wanted();
    return (n) => pods.count(n);
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
        const c = this.o.cluster(name);
        if (!c) {
          states[name] = 'stopped';
          errors[name] = 'cluster is not connected';
          return;
        }
        states[name] = c.state();
        const podCount = this.counts(c);
        const shares = c.shares();
        podSrc[name] = c.podCountSource();
        if (c.live()) {
          views.push({ ...c.cache.view(podCount), shares });
          return;
        }
        try {
          const recs = await this.directRecords(c);
          direct = true;
          views.push({ cluster: name, size: recs.length, all: () => recs, podCount, shares });
        } catch (err) {
          errors[name] = isKubeError(err) ? `${err.reason}: ${err.message}` : (err as Error).message;
        }
      }),
    );
    if (clusters.length > 0 && views.length === 0) throw new ClusterUnavailableError(errors);
    cacheQueries.inc({ source: direct ? 'direct' : 'cache' });
    const page = direct ? runQuery(views, q) : this.memo.run(views, q, (name) => this.generation(name));
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

  /** Everything a live answer over `name` depends on, or undefined when that cannot be told by a number. */
  private generation(name: string): string | undefined {
    const c = this.o.cluster(name);
    const pods = c?.pods.generation;
    if (!c || pods === undefined) return undefined;
    return `${c.cache.generation}.${pods}.${this.o.usage?.generation(name) ?? 0}`;
  }

  /** Full detail of one node: from the cache, or (not synced) a direct GET. Undefined when it does not exist. */
  async getNode(
    cluster: string,
    name: string,
  ): Promise<{ node: NodeDetail; source: 'cache' | 'direct'; degraded: boolean } | undefined> {
    const c = this.need(cluster);
    const podCount = this.counts(c)(name);
    const shares = c.shares();
    if (c.live()) {
      const rec = c.cache.get(name);
      cacheQueries.inc({ source: 'cache' });
      return rec
        ? { node: toDetail(cluster, rec, podCount, shares?.(rec)), source: 'cache', degraded: false }
        : undefined;
    }
    try {
      const rec = await getNodeRecord(c.client, name);
      cacheQueries.inc({ source: 'direct' });
      return { node: toDetail(cluster, rec, podCount, shares?.(rec)), source: 'direct', degraded: true };
    } catch (err) {
      if (isKubeError(err, 'NotFound')) return undefined;
      throw new ClusterUnavailableError({
        [cluster]: err instanceof KubeError ? `${err.reason}: ${err.message}` : String(err),
      });
    }
  }

  /** The cached row of one node (no API call, and no pod LIST either; undefined if not cached). */
  row(cluster: string, name: string): NodeRow | undefined {
    const c = this.o.cluster(cluster);
    const rec = c?.cache.get(name);
    return c && rec ? toRow(cluster, rec, c.pods.count(name), c.shares()?.(rec)) : undefined;
  }

  /** Every cached row of a cluster, by name; undefined until the first LIST completed. */
  rows(cluster: string): NodeRow[] | undefined {
    const c = this.o.cluster(cluster);
    if (!c || !c.nodes.everSynced) return undefined;
    const pc = this.counts(c);
    const sh = c.shares();
    const out: NodeRow[] = [];
    for (const n of c.cache.sortedNames()) {
      const rec = c.cache.get(n);
      if (rec) out.push(toRow(cluster, rec, pc(n), sh?.(rec)));
    }
    return out;
  }

  /** `rows(cluster)` as a UTF-8 JSON array (for snapshots); undefined until the first LIST completed. */
  rowsJson(cluster: string): Buffer | undefined {
    const c = this.o.cluster(cluster);
    if (!c || !c.nodes.everSynced) return undefined;
    const pc = this.counts(c);
    const sh = c.shares();
    const hits: QueryHit[] = [];
    for (const n of c.cache.sortedNames()) {
      const rec = c.cache.get(n);
      if (rec) hits.push({ cluster, rec, podCount: pc(n), shares: sh?.(rec) });
    }
    return rowsJson(hits);
  }

  /** Names of cached nodes matching a label selector (batch targets); undefined if not synced. */
  matchNodes(cluster: string, selector: LabelSelector): string[] | undefined {
    const c = this.o.cluster(cluster);
    if (!c || !c.live()) return undefined;
    const out: string[] = [];
    for (const n of c.cache.sortedNames()) {
      const rec = c.cache.get(n);
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
    const c = this.o.cluster(cluster);
    if (!c || !node?.metadata?.name) return undefined;
    c.nodes.applyLocal(node);
    return this.row(cluster, node.metadata.name);
  }

  /** Records to reason about: the cache when live, else a direct LIST (shared, briefly reused). */
  async recordsFor(cluster: string): Promise<{ cache?: ClusterCache['cache']; recs?: NodeRecord[] }> {
    const c = this.need(cluster);
    if (c.live()) return { cache: c.cache };
    return { recs: await this.directRecords(c) };
  }

  // ---- direct-only reads (strategy: never cached) ---------------------------------------------------------

  private client(cluster: string): KubeClient {
    return this.need(cluster).client;
  }

  /** Requests and limits of the node's non-terminated pods from the pod index; null without a synced one. */
  nodeRequests(cluster: string, node: string): NodeRequests | null {
    return this.o.cluster(cluster)?.podIndex?.requests(node) ?? null;
  }

  nodePods(cluster: string, node: string, opts: { limit: number; continue?: string }) {
    return listNodePods(this.client(cluster), node, opts);
  }

  nodeEvents(cluster: string, node: string, opts: { limit: number }) {
    return listNodeEvents(this.client(cluster), node, opts);
  }
}
