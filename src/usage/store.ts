/**
 * What the usage poller found, per cluster: whether the metrics API answered, the newest sample of every node
 * and the history ring. Queries read it without any API call; the node cache reads the newest samples
 * through `usage()` to compute row shares.
 */
import { UsageHistory, type UsageSample } from './history.js';
import type { ClusterUsageStatus } from './types.js';

interface ClusterUsage {
  status: ClusterUsageStatus;
  history: UsageHistory;
  generation: number;
}

/** At most this many samples per node (5.6 KiB): a long history at a short interval is thinned instead. */
export const MAX_SAMPLES = 720;

/** One sequence for every cluster, so a removed and re-added cluster never repeats a generation. */
let generations = 0;

/** What the node cache reads from the store. */
export interface UsageReader {
  usage(cluster: string, node: string): UsageSample | undefined;
  generation(cluster: string): number;
  status(cluster: string): ClusterUsageStatus | undefined;
}

export class UsageStore implements UsageReader {
  private readonly clusters = new Map<string, ClusterUsage>();
  readonly capacity: number;

  constructor(readonly o: { intervalMs: number; historyMs: number }) {
    this.capacity = Math.min(MAX_SAMPLES, Math.max(1, Math.ceil(o.historyMs / Math.max(1, o.intervalMs))));
  }

  private entry(cluster: string): ClusterUsage {
    let e = this.clusters.get(cluster);
    if (!e) {
      e = {
        status: { available: null },
        history: new UsageHistory(this.capacity),
        generation: ++generations,
      };
      this.clusters.set(cluster, e);
    }
    return e;
  }

  recorded(cluster: string, at: number, samples: ReadonlyMap<string, UsageSample>): void {
    const e = this.entry(cluster);
    e.history.record(at, samples);
    e.status = { available: true, lastScrapeAt: new Date(at).toISOString() };
    e.generation = ++generations;
  }

  /** The scrape failed: rows show no usage until one succeeds again. The history keeps a gap. */
  failed(cluster: string, at: number, reason: string): void {
    const e = this.entry(cluster);
    const was = e.status;
    e.history.record(at, new Map());
    e.status = { available: false, reason, ...(was.lastScrapeAt ? { lastScrapeAt: was.lastScrapeAt } : {}) };
    e.generation = ++generations;
  }

  remove(cluster: string): void {
    this.clusters.delete(cluster);
  }

  status(cluster: string): ClusterUsageStatus | undefined {
    return this.clusters.get(cluster)?.status;
  }

  /** The node's newest sample, only while the cluster's metrics API answers. */
  usage(cluster: string, node: string): UsageSample | undefined {
    const e = this.clusters.get(cluster);
    return e?.status.available ? e.history.latest(node) : undefined;
  }

  /** Changes whenever a scrape of the cluster finished (memo keys). */
  generation(cluster: string): number {
    return this.clusters.get(cluster)?.generation ?? 0;
  }

  points(cluster: string, node: string): { t: number; cpu: number | null; memory: number | null }[] {
    return this.clusters.get(cluster)?.history.points(node) ?? [];
  }

  /** Sample bytes held over all clusters, and nodes with a series (benchmark, metrics). */
  footprint(): { nodes: number; dataBytes: number } {
    let nodes = 0;
    let dataBytes = 0;
    for (const e of this.clusters.values()) {
      nodes += e.history.nodes;
      dataBytes += e.history.dataBytes;
    }
    return { nodes, dataBytes };
  }
}
