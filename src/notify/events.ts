// What the notifier sends about, built from the product's own records; bounded in size whatever the source.
import type { Job, JobCounts } from '../operations/job-types.js';
import type { HealthTransition, WebhookEvent } from './types.js';

const MAX_LISTED_NODES = 20;
const MAX_TEXT = 500;

export interface JobSummary {
  id: string;
  operation: string;
  status: string;
  createdBy: string;
  createdAt: string;
  finishedAt?: string;
  message?: string;
  clusters: string[];
  counts: JobCounts;
  /** The first failed nodes (at most 20). */
  failedNodes: { cluster: string; name: string; message?: string }[];
}

export type NotifyEvent =
  | { type: 'node.health'; at: string; clusters: string[]; transition: HealthTransition }
  | { type: Exclude<WebhookEvent, 'node.health'>; at: string; clusters: string[]; job: JobSummary }
  | { type: 'webhook.test'; at: string; clusters: string[]; endpoint: string };

const cut = (s: string | undefined) =>
  s === undefined ? undefined : s.length > MAX_TEXT ? s.slice(0, MAX_TEXT) + '…' : s;

export function jobEvent(job: Job, at: string): NotifyEvent | undefined {
  const type = `job.${job.status}`;
  if (!['job.succeeded', 'job.failed', 'job.partial', 'job.cancelled', 'job.interrupted'].includes(type))
    return undefined;
  const clusters = [...new Set(job.nodes.map((n) => n.cluster))];
  const counts = {
    pending: 0,
    running: 0,
    ok: 0,
    unchanged: 0,
    failed: 0,
    skipped: 0,
    cancelled: 0,
    interrupted: 0,
  };
  for (const n of job.nodes) counts[n.status]++;
  return {
    type: type as Exclude<WebhookEvent, 'node.health'>,
    at,
    clusters,
    job: {
      id: job.id,
      operation: job.operation,
      status: job.status,
      createdBy: job.createdBy,
      createdAt: job.createdAt,
      finishedAt: job.finishedAt,
      message: cut(job.message),
      clusters,
      counts,
      failedNodes: job.nodes
        .filter((n) => n.status === 'failed')
        .slice(0, MAX_LISTED_NODES)
        .map((n) => ({
          cluster: n.cluster,
          name: n.name,
          ...(n.message ? { message: cut(n.message) } : {}),
        })),
    },
  };
}

export function healthEvent(t: HealthTransition): NotifyEvent {
  return {
    type: 'node.health',
    at: t.at,
    clusters: [t.cluster],
    transition: { ...t, reason: cut(t.reason), message: cut(t.message) },
  };
}

/** One line for people: the chat message, and the delivery's summary in the console. */
export function summaryOf(e: NotifyEvent): string {
  switch (e.type) {
    case 'node.health': {
      const t = e.transition;
      const detail = [t.status, t.reason, t.actor && `by ${t.actor}`].filter(Boolean).join(', ');
      return t.healthy
        ? `Node ${t.cluster}/${t.node} recovered: no longer ${t.kind} (since ${t.at})`
        : `Node ${t.cluster}/${t.node} ${t.kind}${detail ? ` (${detail})` : ''} since ${t.at}`;
    }
    case 'webhook.test':
      return `Test message for webhook "${e.endpoint}" from Kube Node Manager`;
    default: {
      const j = e.job;
      const c = j.counts;
      return (
        `Job ${j.id} (${j.operation} by ${j.createdBy}) ${j.status} on ${j.clusters.join(', ')}: ` +
        `ok ${c.ok}, unchanged ${c.unchanged}, failed ${c.failed}, skipped ${c.skipped}` +
        (c.cancelled ? `, cancelled ${c.cancelled}` : '') +
        (c.interrupted ? `, interrupted ${c.interrupted}` : '') +
        (j.message ? ` — ${j.message}` : '')
      );
    }
  }
}
