/** The usage poller's fetcher (src/usage/poller.ts UsageFetcher), served by an ingest pool's worker threads. */
import { KubeError } from '../kube/errors.js';
import type { UsageSample } from '../usage/history.js';
import type { UsageFetcher } from '../usage/poller.js';
import type { IngestPool } from './pool.js';

export function remoteUsage(pool: IngestPool): UsageFetcher {
  return async (spec, req) => {
    const m = await pool.scrape(spec, req);
    if ('error' in m) {
      const e = m.error;
      throw e.reason !== undefined && e.code !== undefined
        ? new KubeError(e.reason, e.message, e.code)
        : new Error(e.message);
    }
    const out = new Map<string, UsageSample>();
    for (let i = 0; i < m.names.length; i++)
      out.set(m.names[i]!, { cpu: m.usage[2 * i]!, memory: m.usage[2 * i + 1]! });
    return out;
  };
}
