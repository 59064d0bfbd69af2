/**
 * The worker's side of the usage poller (src/usage/poller.ts): one NodeMetrics LIST per request, decoded here
 * and sent back as names and numbers. Each cluster keeps one client (its keep-alive connection) while it is
 * scraped; one not asked for within a few intervals is closed, and a changed kubeconfig replaces it.
 */
import { HttpKubeClient, kubeConfigFromText } from '../kube/client.js';
import { KubeError } from '../kube/errors.js';
import { NODE_METRICS_PATH, parseNodeMetrics } from '../usage/node-metrics.js';
import type { ScrapedMessage, ScrapeMessage } from './protocol.js';

interface Held {
  client: HttpKubeClient;
  kubeconfig: string;
  usedAt: number;
}

/** A client unused this long is closed (several usage intervals at any sane setting). */
export const IDLE_CLIENT_MS = 5 * 60_000;

export class UsageScraper {
  private readonly clients = new Map<string, Held>();

  async scrape(m: ScrapeMessage): Promise<ScrapedMessage> {
    try {
      const client = this.clientFor(m);
      const body = await client.request<unknown>({
        path: NODE_METRICS_PATH,
        timeoutMs: m.timeoutMs,
        maxBytes: m.maxBytes,
      });
      const samples = parseNodeMetrics(body);
      const names: string[] = [];
      const usage = new Float64Array(samples.size * 2);
      let i = 0;
      for (const [name, s] of samples) {
        names.push(name);
        usage[i++] = s.cpu;
        usage[i++] = s.memory;
      }
      return { type: 'scraped', id: m.id, names, usage };
    } catch (e) {
      const err = e as Error;
      return {
        type: 'scraped',
        id: m.id,
        error:
          e instanceof KubeError
            ? { message: err.message, reason: e.reason, code: e.code }
            : { message: err.message },
      };
    }
  }

  private clientFor(m: ScrapeMessage): HttpKubeClient {
    const name = m.spec.cluster;
    let h = this.clients.get(name);
    if (h && h.kubeconfig !== m.spec.kubeconfig) {
      h.client.close();
      h = undefined;
    }
    if (!h) {
      const client = new HttpKubeClient(
        name,
        kubeConfigFromText(m.spec.kubeconfig),
        m.spec.timeoutMs,
        m.spec.limits,
      );
      h = { client, kubeconfig: m.spec.kubeconfig, usedAt: 0 };
      this.clients.set(name, h);
    }
    h.usedAt = Date.now();
    return h.client;
  }

  /** Close the clients of clusters no longer scraped. */
  sweep(now = Date.now()): void {
    for (const [name, h] of this.clients) {
      if (now - h.usedAt < IDLE_CLIENT_MS) continue;
      h.client.close();
      this.clients.delete(name);
    }
  }
}
