/**
 * The NodeMetrics LIST a usage scrape reads (`metrics.k8s.io/v1beta1`), and its reduction to one CPU and
 * memory figure per node. Shared by the poller (poller.ts) and the ingest workers, which scrape for it when
 * the product runs them (src/ingest/usage-scraper.ts).
 */
import { parseQuantity } from '../cache/quantity.js';
import type { UsageSample } from './history.js';

export const NODE_METRICS_PATH = '/apis/metrics.k8s.io/v1beta1/nodes';
/** A NodeMetrics carries the node's labels: 5,000 nodes with many labels stay well below this. */
export const MAX_METRICS_BYTES = 32 * 1024 * 1024;
/** Items read from one answer; a server sending more is cut off there. */
export const MAX_METRICS_ITEMS = 50_000;

interface RawNodeMetrics {
  metadata?: { name?: unknown };
  usage?: { cpu?: unknown; memory?: unknown };
}

/** NodeMetricsList → node name → usage (millicores, bytes); malformed items are skipped. */
export function parseNodeMetrics(body: unknown, maxItems = MAX_METRICS_ITEMS): Map<string, UsageSample> {
  const out = new Map<string, UsageSample>();
  const items = (body as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) throw new Error('answer is not a NodeMetricsList');
  for (let i = 0; i < items.length && i < maxItems; i++) {
    const it = items[i] as RawNodeMetrics | null;
    const name = it?.metadata?.name;
    const cpu = typeof it?.usage?.cpu === 'string' ? parseQuantity(it.usage.cpu) : undefined;
    const mem = typeof it?.usage?.memory === 'string' ? parseQuantity(it.usage.memory) : undefined;
    if (typeof name !== 'string' || name.length > 253 || cpu === undefined || mem === undefined) continue;
    if (!Number.isFinite(cpu) || !Number.isFinite(mem) || cpu < 0 || mem < 0) continue;
    out.set(name, { cpu: cpu * 1000, memory: mem });
  }
  return out;
}
