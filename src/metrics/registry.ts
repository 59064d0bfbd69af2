/**
 * Every Prometheus metric the product exports, declared once so names stay consistent. The seed names the
 * figures operators need: informer sync lag, cache hit rate, WebSocket connections, event rate, API calls,
 * API latency, API errors and timeouts.
 */
import client from 'prom-client';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'knm_process_' });

const labels = <T extends string>(...l: T[]) => l;

export const kubeApiCalls = new client.Counter({
  name: 'knm_kube_api_calls_total',
  help: 'Kubernetes API calls made, by cluster, verb and resource',
  labelNames: labels('cluster', 'verb', 'resource'),
  registers: [registry],
});
export const kubeApiErrors = new client.Counter({
  name: 'knm_kube_api_errors_total',
  help: 'Kubernetes API calls that failed, by reason (Timeout included)',
  labelNames: labels('cluster', 'verb', 'resource', 'reason'),
  registers: [registry],
});
export const kubeApiLatency = new client.Histogram({
  name: 'knm_kube_api_latency_seconds',
  help: 'Kubernetes API call latency (until headers for watches)',
  labelNames: labels('cluster', 'verb', 'resource'),
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});
export const informerLists = new client.Counter({
  name: 'knm_informer_lists_total',
  help: 'Full LISTs by informers (initial and relists)',
  labelNames: labels('cluster', 'resource', 'cause'),
  registers: [registry],
});
export const informerReconnects = new client.Counter({
  name: 'knm_informer_reconnects_total',
  help: 'Watch reconnects, by cause',
  labelNames: labels('cluster', 'resource', 'cause'),
  registers: [registry],
});
export const informerEvents = new client.Counter({
  name: 'knm_informer_events_total',
  help: 'Watch events received, by type',
  labelNames: labels('cluster', 'resource', 'type'),
  registers: [registry],
});
export const informerLastEvent = new client.Gauge({
  name: 'knm_informer_last_event_timestamp_seconds',
  help: 'Unix time of the last watch event (bookmarks included)',
  labelNames: labels('cluster', 'resource'),
  registers: [registry],
});
export const informerSyncLag = new client.Gauge({
  name: 'knm_informer_sync_lag_seconds',
  help: 'Seconds between an object change (its newest condition/managed timestamp) and its arrival in the cache',
  labelNames: labels('cluster', 'resource'),
  registers: [registry],
});
export const informerSynced = new client.Gauge({
  name: 'knm_informer_synced',
  help: '1 when the informer has listed and is watching, else 0',
  labelNames: labels('cluster', 'resource'),
  registers: [registry],
});
export const cacheQueries = new client.Counter({
  name: 'knm_cache_queries_total',
  help: 'Node queries, by source (cache hit or degraded direct read)',
  labelNames: labels('source'),
  registers: [registry],
});
export const queryMemo = new client.Counter({
  name: 'knm_node_query_memo_total',
  help: 'Live-cache node queries answered from a recent identical answer (hit) or computed (miss)',
  labelNames: labels('result'),
  registers: [registry],
});
export const wsConnections = new client.Gauge({
  name: 'knm_ws_connections',
  help: 'Open realtime WebSocket connections',
  registers: [registry],
});
/** Realtime messages sent since the last collection, by type (see countWsMessage). */
const wsMessagesUncounted = new Map<string, number>();
export const wsMessages = new client.Counter({
  name: 'knm_ws_messages_total',
  help: 'Realtime messages sent, by type',
  labelNames: labels('type'),
  registers: [registry],
  collect() {
    for (const [type, n] of wsMessagesUncounted) this.inc({ type }, n);
    wsMessagesUncounted.clear();
  },
});
/**
 * One realtime message sent. Added to the counter when it is read: a usage refresh sends a message per node
 * per client, and prom-client hashes the labels on every `inc` (a third of the cost of sending them).
 */
export function countWsMessage(type: string): void {
  wsMessagesUncounted.set(type, (wsMessagesUncounted.get(type) ?? 0) + 1);
}
export const wsDropped = new client.Counter({
  name: 'knm_ws_slow_clients_total',
  help: 'Realtime clients resynced or closed for falling behind (resync, close) or asking for too much (abuse)',
  labelNames: labels('action'),
  registers: [registry],
});
export const httpRequests = new client.Histogram({
  name: 'knm_http_request_duration_seconds',
  help: 'HTTP API request duration',
  labelNames: labels('method', 'route', 'code'),
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

// ---- node operations (src/operations) ----
export const nodeOperations = new client.Counter({
  name: 'knm_node_operations_total',
  help: 'Node write operations (cordon, uncordon, labels, taints, template, drain), by outcome',
  labelNames: labels('operation', 'outcome'),
  registers: [registry],
});
export const nodeWriteRetries = new client.Counter({
  name: 'knm_node_write_retries_total',
  help: 'Node writes retried because the node changed between read and write (resourceVersion precondition)',
  labelNames: labels('cluster'),
  registers: [registry],
});
export const drainEvictions = new client.Counter({
  name: 'knm_drain_evictions_total',
  help: 'Eviction (or delete) requests made by drains, by result (accepted, deleted, gone, pdb_retry, error)',
  labelNames: labels('cluster', 'result'),
  registers: [registry],
});
export const jobsFinished = new client.Counter({
  name: 'knm_jobs_finished_total',
  help: 'Batch jobs finished, by operation and final status',
  labelNames: labels('operation', 'status'),
  registers: [registry],
});
export const jobsAdopted = new client.Counter({
  name: 'knm_jobs_adopted_total',
  help: 'Batch jobs this replica took over after their owner stopped heartbeating, by operation',
  labelNames: labels('operation'),
  registers: [registry],
});
export const leaderState = new client.Gauge({
  name: 'knm_leader',
  help: 'Whether this replica holds the lease to run background work (1) or not (0), by lease',
  labelNames: labels('lease'),
  registers: [registry],
});
export const leaderTransitions = new client.Counter({
  name: 'knm_leader_transitions_total',
  help: 'Times this replica acquired or lost a leader lease, by lease and what happened',
  labelNames: labels('lease', 'event'),
  registers: [registry],
});
export const jobsRunning = new client.Gauge({
  name: 'knm_jobs_running',
  help: 'Batch jobs running in this process',
  registers: [registry],
});
export const authLogins = new client.Counter({
  name: 'knm_auth_logins_total',
  help: 'Sign-in attempts, by result (success, failure, locked, throttled)',
  labelNames: labels('result'),
  registers: [registry],
});
export const authRefusals = new client.Counter({
  name: 'knm_auth_refusals_total',
  help: 'Requests refused by the route policy, by code (Unauthenticated, Forbidden, CsrfFailed, OriginRefused)',
  labelNames: labels('code'),
  registers: [registry],
});

// ---- bulkheads (src/kube/limits.ts) ----
export const kubeRejectedAnswers = new client.Counter({
  name: 'knm_kube_rejected_answers_total',
  help: 'Answers of a cluster API server refused at the client edge (ResponseTooLarge, MalformedResponse, MalformedWatch) or errors that came from something else (NonKubernetesAnswer: an HTML or text error page), by cluster and reason',
  labelNames: labels('cluster', 'reason'),
  registers: [registry],
});
export const uncaughtErrors = new client.Counter({
  name: 'knm_uncaught_errors_total',
  help: 'Exceptions and promise rejections nobody handled, caught by the last-resort handler (the process kept serving), by kind',
  labelNames: labels('kind'),
  registers: [registry],
});
export const webhookDeliveries = new client.Counter({
  name: 'knm_webhook_deliveries_total',
  help: 'Webhook deliveries that ended on this replica, by outcome (delivered, failed after the last attempt, dropped: queue full or shutdown)',
  labelNames: labels('outcome'),
  registers: [registry],
});
export const webhookAttempts = new client.Counter({
  name: 'knm_webhook_attempts_total',
  help: 'Webhook POSTs sent, by result (ok: 2xx; answered: any other status; no_answer: timeout or connection error)',
  labelNames: labels('result'),
  registers: [registry],
});

// ---- ingest workers (src/ingest) ----
export const ingestWorkerRestarts = new client.Counter({
  name: 'knm_ingest_worker_restarts_total',
  help: 'Ingest worker threads (pod indexes) that stopped unexpectedly and were started again',
  registers: [registry],
});
