/**
 * The messages between the request thread (pool.ts) and an ingest worker (worker.ts). Types only, so both
 * sides agree on one shape. Every message about a cluster carries the `key` of that cluster's attachment (not
 * its name): a cluster removed and added again while the first stop is in flight gets a new key, and late
 * messages for the old one are dropped.
 */
import type { ListCause, ReflectorStats } from '../informer/reflector.js';
import type { KubeConnectionSpec } from '../kube/client.js';
import type { KubeReason } from '../kube/errors.js';
import type { NodeInformerTuning } from '../cache/node-informer.js';
import type { PodIndexTuning, PodTable } from '../cache/pod-index.js';
import type { NodeRecord } from '../cache/types.js';

/** What a worker runs for a cluster: its pod index, or its node informer. */
export type IngestKind = 'pods' | 'nodes';

export interface StartMessage {
  type: 'start';
  key: number;
  kind: IngestKind;
  spec: KubeConnectionSpec;
  tuning?: PodIndexTuning & NodeInformerTuning;
  flushMs?: number;
}

export interface StopMessage {
  type: 'stop';
  key: number;
}

/** One NodeMetrics LIST of a cluster for the usage poller, which keeps its timers on the request thread. */
export interface ScrapeMessage {
  type: 'scrape';
  id: number;
  spec: KubeConnectionSpec;
  timeoutMs: number;
  maxBytes: number;
}

export type ToWorker = StartMessage | StopMessage | ScrapeMessage;

/** The whole table after the first LIST of an index (counts turn from unknown to numbers). */
export interface TableMessage extends PodTable {
  type: 'table';
  key: number;
  podCount: number;
  profileCount: number;
  stats: ReflectorStats;
}

/** Rows whose numbers changed since the last flush (coalesced in the worker as in-process). */
export interface RowsMessage extends PodTable {
  type: 'rows';
  key: number;
}

/** The pod watch's figures: at most once a second, and at once when its phase or health changes. */
export interface StatsMessage {
  type: 'stats';
  key: number;
  podCount: number;
  profileCount: number;
  stats: ReflectorStats;
}

/**
 * What a node informer emitted, in its order: a record added (`initial` during the first LIST), changed or
 * deleted, a LIST completed, and the resourceVersion a heartbeat moved a kept record to.
 */
export type NodeOp =
  | [op: 'a', rec: NodeRecord, initial: boolean]
  | [op: 'u', rec: NodeRecord]
  | [op: 'd', name: string]
  | [op: 'v', name: string, resourceVersion: string]
  | [op: 'l', cause: ListCause];

/** A node informer's events of one turn of the worker (at most a few hundred), and its figures when they moved. */
export interface NodesMessage {
  type: 'nodes';
  key: number;
  ops: NodeOp[];
  stats?: ReflectorStats;
}

/** The index could not be built (bad kubeconfig text); it is not retried until the cluster is started again. */
export interface FailedMessage {
  type: 'failed';
  key: number;
  error: string;
}

export interface StoppedMessage {
  type: 'stopped';
  key: number;
}

/** A counter's increase since the last report, or a gauge's value now, of one labelled series. */
export interface MetricSample {
  name: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * What the worker's metrics did since its last report: prom-client keeps one registry per thread, so the API
 * calls and informer figures of the pod watches are reported here and applied to the same metrics on the
 * request thread, where /metrics is served.
 */
export interface MetricsMessage {
  type: 'metrics';
  counters: MetricSample[];
  gauges: MetricSample[];
}

/** One pino line of the worker's logger, logged again by the pool's logger. */
export interface LogMessage {
  type: 'log';
  line: string;
}

/** Why a scrape failed: a KubeError's reason and code when it was one, so the cluster's status reads the same. */
export interface ScrapeError {
  message: string;
  reason?: KubeReason;
  code?: number;
}

/**
 * A scrape's answer: node names, and their CPU (millicores) and memory (bytes) interleaved in one array
 * (`usage[2i]`, `usage[2i + 1]` for `names[i]`), transferred rather than copied.
 */
export type ScrapedMessage = { type: 'scraped'; id: number } & (
  { names: string[]; usage: Float64Array } | { error: ScrapeError }
);

/** What a worker says about one attached cluster (routed by key to its sink). */
export type ClusterMessage = TableMessage | RowsMessage | StatsMessage | FailedMessage | NodesMessage;

export type FromWorker = ClusterMessage | StoppedMessage | MetricsMessage | LogMessage | ScrapedMessage;

export interface IngestWorkerData {
  logLevel: string;
  /** How often stats and metrics are reported (ms). */
  reportEveryMs: number;
}
