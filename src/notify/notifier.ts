/**
 * The notifier: turns health changes and finished jobs into webhook deliveries, and delivers them with
 * retries. Deliveries wait in one bounded in-memory queue (the oldest is dropped, and counted, when it is
 * full); each is tried up to `maxAttempts` times with exponential back-off and jitter, on no answer, 5xx, 408
 * or 429. Each delivery's status is kept in the store for admins, and its end (delivered, failed, dropped) is
 * one audit entry. Logs name the webhook and its host, never its URL or secret.
 *
 * Which replica sends: a job's completion is reported by the replica that finished it (exactly one does);
 * health changes only by the leader (every replica watches every cluster and sees the same change).
 */
import { randomUUID } from 'node:crypto';
import type { AuditRecord } from '../audit/log.js';
import type { Logger } from '../log/logger.js';
import { webhookAttempts, webhookDeliveries } from '../metrics/registry.js';
import type { Job } from '../operations/job-types.js';
import { HealthDebouncer } from './debounce.js';
import { healthEvent, jobEvent, summaryOf, type NotifyEvent } from './events.js';
import { buildPayload } from './payload.js';
import { sendHttp, type Sender } from './send.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signBody } from './sign.js';
import type { ResolvedEndpoint, WebhookStore } from './store.js';
import type { Clock } from '../clock.js';
import { realTimers } from './timers.js';
import type { HealthTransition, NotifierStatus, WebhookDelivery } from './types.js';

export type { NotifierStatus } from './types.js';

export interface NotifierOptions {
  store: WebhookStore;
  audit?: { record(r: AuditRecord): Promise<unknown> | unknown };
  log?: Logger;
  timers?: Clock;
  send?: Sender;
  /** In [0, 1): the jitter of each back-off. */
  random?: () => number;
  /** Whether this replica sends health changes (the leader's; always true alone). */
  isLeader?: () => boolean;
  /** Tries per delivery, the first included (default 5). */
  maxAttempts?: number;
  /** First back-off (default 2 s), doubled per attempt up to maxDelayMs (default 5 min). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Deliveries held at once, queued or waiting for a retry (default 1000). */
  queueLimit?: number;
  /** Whole exchange of one attempt (default 10 s). */
  timeoutMs?: number;
  /** Attempts in flight at once (default 4), so one slow receiver cannot hold every delivery back. */
  concurrency?: number;
  /** Attempts in flight at once to one webhook (default 2). */
  perEndpoint?: number;
  /** How long the endpoint list is reused before it is read again (default 10 s; local edits refresh it). */
  endpointCacheMs?: number;
}

interface Item {
  endpoint: ResolvedEndpoint;
  event: NotifyEvent;
  delivery: WebhookDelivery;
  timer?: unknown;
  /** Creation order. */
  seq: number;
  /** Store writes of this delivery, in order. */
  writes: Promise<void>;
}

const RETRY_STATUS = new Set([408, 429]);

export class Notifier {
  private readonly timers: Clock;
  private readonly send: Sender;
  private readonly random: () => number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly queueLimit: number;
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly perEndpoint: number;
  /** Attempts in flight per webhook id. */
  private readonly busy = new Map<string, number>();
  private readonly endpointCacheMs: number;
  private readonly debouncer: HealthDebouncer;
  private readonly queue: Item[] = [];
  private readonly waiting = new Set<Item>();
  private readonly running = new Set<Promise<void>>();
  private endpoints?: { at: number; list: Promise<ResolvedEndpoint[]> };
  private dropped = 0;
  private seq = 0;
  /** No new events (stopping). */
  private stopped = false;
  /** Nothing more is sent (stopped, after the grace). */
  private halted = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly o: NotifierOptions) {
    this.timers = o.timers ?? realTimers;
    this.send = o.send ?? sendHttp;
    this.random = o.random ?? Math.random;
    this.maxAttempts = o.maxAttempts ?? 5;
    this.baseDelayMs = o.baseDelayMs ?? 2000;
    this.maxDelayMs = o.maxDelayMs ?? 300_000;
    this.queueLimit = o.queueLimit ?? 1000;
    this.timeoutMs = o.timeoutMs ?? 10_000;
    this.concurrency = o.concurrency ?? 4;
    this.perEndpoint = o.perEndpoint ?? 2;
    this.endpointCacheMs = o.endpointCacheMs ?? 10_000;
    this.debouncer = new HealthDebouncer(this.timers, (id, t) => void this.releaseHealth(id, t));
  }

  /** Called by the health recorder for every change it records. */
  onHealthTransition(t: HealthTransition): void {
    if (this.stopped || !(this.o.isLeader?.() ?? true)) return;
    void this.forEndpoints((list) => {
      for (const ep of list)
        if (ep.events.includes('node.health') && inScope(ep, [t.cluster]))
          this.debouncer.push(ep.id, t, ep.debounceMs);
    });
  }

  /** Called once when a job reaches its final state, on the replica that ran it. */
  onJobFinished(job: Job): void {
    if (this.stopped) return;
    const event = jobEvent(job, new Date(this.timers.now()).toISOString());
    if (!event) return;
    void this.forEndpoints((list) => {
      for (const ep of list)
        if ((ep.events as string[]).includes(event.type) && inScope(ep, event.clusters))
          this.enqueue(ep, event);
    });
  }

  /** Sends a test message to one endpoint now (enabled or not); returns its delivery. */
  async test(endpointId: string): Promise<WebhookDelivery | undefined> {
    const ep = (await this.o.store.resolveAll(undefined, true)).find((e) => e.id === endpointId);
    if (!ep) return undefined;
    const at = new Date(this.timers.now()).toISOString();
    return this.enqueue(ep, { type: 'webhook.test', at, clusters: [], endpoint: ep.name });
  }

  /** The endpoint list changed here: read it again before the next event. */
  invalidate(): void {
    this.endpoints = undefined;
  }

  status(): NotifierStatus {
    return {
      queued: this.queue.length,
      waitingRetry: this.waiting.size,
      inFlight: this.running.size,
      dropped: this.dropped,
      debouncing: this.debouncer.size,
      suppressed: this.debouncer.suppressed,
    };
  }

  /** Resolves when nothing is queued or in flight (retries may still be waiting for their time). */
  async idle(): Promise<void> {
    await this.endpoints?.list.catch(() => undefined);
    while (this.queue.length || this.running.size) {
      await new Promise<void>((r) => this.idleWaiters.push(r));
    }
    await Promise.all([...this.waiting, ...this.queue].map((i) => i.writes));
  }

  /**
   * Stops taking events. Messages queued for their first attempt get up to `graceMs` (default 5 s) to go out —
   * jobs interrupted by this very shutdown are reported that way; retries still waiting, and whatever is left
   * after the grace, are recorded as dropped.
   */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    this.debouncer.clear();
    const left = [...this.waiting];
    this.waiting.clear();
    for (const i of left) {
      this.timers.clearTimeout(i.timer);
      this.finish(i, 'dropped', 'the server stopped before it was delivered');
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.idle(),
      new Promise<void>((r) => {
        timer = setTimeout(r, graceMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    this.halted = true;
    for (const i of this.queue.splice(0)) {
      left.push(i);
      this.finish(i, 'dropped', 'the server stopped before it was delivered');
    }
    await Promise.all(this.running);
    await Promise.all(left.map((i) => i.writes));
  }

  private forEndpoints(fn: (list: ResolvedEndpoint[]) => void): Promise<void> {
    const now = this.timers.now();
    if (!this.endpoints || now - this.endpoints.at > this.endpointCacheMs) {
      this.endpoints = {
        at: now,
        list: this.o.store.resolveAll((name, err) =>
          this.o.log?.error({ webhook: name, err: err.message }, 'webhook cannot be read; it sends nothing'),
        ),
      };
    }
    const cached = this.endpoints;
    return cached.list.then(fn, (e: Error) => {
      if (this.endpoints === cached) this.endpoints = undefined;
      this.o.log?.error({ err: e.message }, 'webhooks could not be read; a notification was not sent');
    });
  }

  private releaseHealth(endpointId: string, t: HealthTransition): Promise<void> {
    return this.forEndpoints((list) => {
      const ep = list.find((e) => e.id === endpointId);
      if (ep) this.enqueue(ep, healthEvent(t));
    });
  }

  private enqueue(endpoint: ResolvedEndpoint, event: NotifyEvent): WebhookDelivery | undefined {
    // Events that came in before stop() still go out within its grace.
    if (this.halted) return undefined;
    const at = new Date(this.timers.now()).toISOString();
    const delivery: WebhookDelivery = {
      id: randomUUID(),
      endpointId: endpoint.id,
      event: event.type,
      summary: summaryOf(event),
      status: 'queued',
      attempts: 0,
      createdAt: at,
      updatedAt: at,
    };
    const item: Item = { endpoint, event, delivery, seq: this.seq++, writes: Promise.resolve() };
    this.write(item, () => this.o.store.recordDelivery({ ...delivery }));
    this.queue.push(item);
    while (this.queue.length + this.waiting.size > this.queueLimit) this.dropOldest();
    this.pump();
    return { ...delivery };
  }

  private dropOldest(): void {
    // Oldest by creation: a retry waiting for its time may be older than everything queued.
    let victim = this.queue[0];
    for (const w of this.waiting) if (!victim || w.seq < victim.seq) victim = w;
    if (!victim) return;
    if (victim === this.queue[0]) this.queue.shift();
    else {
      this.waiting.delete(victim);
      this.timers.clearTimeout(victim.timer);
    }
    this.dropped++;
    this.finish(victim, 'dropped', `dropped: more than ${this.queueLimit} deliveries were waiting`);
  }

  private pump(): void {
    while (!this.halted && this.running.size < this.concurrency) {
      // The oldest message whose webhook has a free slot: a receiver that hangs until the timeout holds at most
      // perEndpoint of the slots, and the other webhooks keep being served.
      const at = this.queue.findIndex((i) => (this.busy.get(i.endpoint.id) ?? 0) < this.perEndpoint);
      if (at < 0) break;
      const [item] = this.queue.splice(at, 1) as [Item];
      const id = item.endpoint.id;
      this.busy.set(id, (this.busy.get(id) ?? 0) + 1);
      const p: Promise<void> = this.attempt(item).finally(() => {
        this.running.delete(p);
        const n = (this.busy.get(id) ?? 1) - 1;
        if (n > 0) this.busy.set(id, n);
        else this.busy.delete(id);
        this.pump();
      });
      this.running.add(p);
    }
    if (!this.queue.length && !this.running.size) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async attempt(item: Item): Promise<void> {
    const { endpoint: ep, delivery: d } = item;
    d.attempts++;
    const timestamp = Math.floor(this.timers.now() / 1000);
    const body = buildPayload({
      deliveryId: d.id,
      event: item.event,
      format: ep.format,
      timestamp,
      secret: ep.secret,
    });
    const headers: Record<string, string> = { 'X-KNM-Event': item.event.type, 'X-KNM-Delivery': d.id };
    if (ep.secret) {
      headers[TIMESTAMP_HEADER] = String(timestamp);
      headers[SIGNATURE_HEADER] = signBody(ep.secret, timestamp, body);
    }
    let r: Awaited<ReturnType<Sender>>;
    try {
      r = await this.send(ep.url, body, headers, this.timeoutMs);
    } catch (e) {
      r = { error: (e as Error).message.slice(0, 200) };
    }
    d.responseCode = r.status;
    d.error = r.error;
    webhookAttempts.inc({ result: r.status === undefined ? 'no_answer' : r.error ? 'answered' : 'ok' });
    if (!r.error) return this.finish(item, 'delivered');
    const retry = r.status === undefined || r.status >= 500 || RETRY_STATUS.has(r.status);
    if (!retry || d.attempts >= this.maxAttempts || this.stopped) return this.finish(item, 'failed', r.error);
    const delay = this.backoff(d.attempts);
    d.status = 'retrying';
    d.updatedAt = new Date(this.timers.now()).toISOString();
    this.write(item, () => this.o.store.updateDelivery(d.id, { ...d }));
    this.o.log?.info(
      {
        webhook: ep.name,
        host: ep.host,
        delivery: d.id,
        attempt: d.attempts,
        status: r.status,
        err: r.error,
        retryInMs: delay,
      },
      'webhook attempt failed; will retry',
    );
    this.waiting.add(item);
    item.timer = this.timers.setTimeout(() => {
      if (!this.waiting.delete(item)) return;
      this.queue.push(item);
      this.pump();
    }, delay);
  }

  /** Exponential back-off with "equal jitter": half fixed, half random, so receivers see spread-out retries. */
  backoff(attempt: number): number {
    const cap = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(cap / 2 + (cap / 2) * this.random());
  }

  private finish(item: Item, status: 'delivered' | 'failed' | 'dropped', error?: string): void {
    const { endpoint: ep, delivery: d, event } = item;
    d.status = status;
    webhookDeliveries.inc({ outcome: status });
    if (error !== undefined) d.error = error;
    d.updatedAt = new Date(this.timers.now()).toISOString();
    this.write(item, () => this.o.store.updateDelivery(d.id, { ...d }));
    const fields = {
      webhook: ep.name,
      host: ep.host,
      delivery: d.id,
      event: event.type,
      attempts: d.attempts,
      status: d.responseCode,
    };
    if (status === 'delivered') this.o.log?.info(fields, 'webhook delivered');
    else this.o.log?.warn({ ...fields, err: d.error }, `webhook ${status}`);
    const node = event.type === 'node.health' ? event.transition.node : undefined;
    const job = 'job' in event ? event.job.id : undefined;
    void Promise.resolve(
      this.o.audit?.record({
        user: null,
        action: 'webhook.deliver',
        cluster: event.clusters.length === 1 ? event.clusters[0] : null,
        nodes: node ? [node] : undefined,
        params: {
          webhook: ep.name,
          host: ep.host,
          event: event.type,
          delivery: d.id,
          attempts: d.attempts,
          ...(job ? { job } : {}),
        },
        outcome: status === 'delivered' ? 'success' : 'failure',
        status: d.responseCode,
        message: status === 'delivered' ? `delivered to ${ep.host}` : `${status}: ${d.error ?? ''}`,
      }),
    ).catch((e: Error) =>
      this.o.log?.error({ webhook: ep.name, err: e.message }, 'audit record of a webhook delivery failed'),
    );
  }

  private write(item: Item, fn: () => Promise<void>): void {
    item.writes = item.writes
      .then(fn)
      .catch((e: Error) =>
        this.o.log?.error(
          { webhook: item.endpoint.name, err: e.message },
          'webhook delivery status not stored',
        ),
      );
  }
}

function inScope(ep: ResolvedEndpoint, clusters: string[]): boolean {
  return ep.clusters === null || clusters.some((c) => ep.clusters!.includes(c));
}
