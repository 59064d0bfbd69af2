// A real HTTP receiver on 127.0.0.1, a fake clock for debounce and back-off, and a notifier over a fresh
// SQLite store.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { SecretBox } from '../../src/clusters/crypto.js';
import { auditLogFor } from '../../src/audit/index.js';
import { createLogger } from '../../src/log/logger.js';
import { openStore, type Store } from '../../src/store/index.js';
import { Notifier, type NotifierOptions } from '../../src/notify/notifier.js';
import { WebhookStore, type EndpointInput } from '../../src/notify/store.js';
import type { Clock } from '../../src/clock.js';
import { displayUrl } from '../../src/notify/url.js';
import type { Job } from '../../src/operations/job-types.js';
import { testDialects } from '../store/databases.js';

export const T0 = Date.parse('2026-03-01T10:00:00.000Z');

export class FakeTimers implements Clock {
  t = T0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  /** Every wait asked for, in order. */
  readonly requested: number[] = [];
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.seq;
    this.pending.set(id, { at: this.t + ms, fn });
    this.requested.push(ms);
    return id;
  };
  clearTimeout = (h: unknown) => void this.pending.delete(h as number);
  /** Moves time forward, running every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.pending) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.pending.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Answers with the scripted codes in turn (then the last one forever). */
export async function startReceiver(codes: number[] = [200], extra?: (res: http.ServerResponse) => void) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const code = codes[Math.min(received.length - 1, codes.length - 1)]!;
      extra?.(res);
      res.writeHead(code, { 'content-type': 'text/plain' });
      res.end(code < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/T000/B000/tok3n-in-path?key=qs-token`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export async function startNotifier(o: Partial<NotifierOptions> = {}) {
  const database = await testDialects()[0]!.create();
  const dataDir = database.cfg.dataDir;
  const logs: string[] = [];
  const log = createLogger('debug', { write: (s: string) => void logs.push(s) });
  const store: Store = await openStore({ dataDir, databaseUrl: '' }, { log });
  const timers = new FakeTimers();
  const webhooks = new WebhookStore(store.db, new SecretBox(randomBytes(32)), () => new Date(timers.now()));
  const audit = auditLogFor(store.db);
  const notifier = new Notifier({ store: webhooks, audit, log, timers, random: () => 0.5, ...o });
  return {
    store,
    webhooks,
    audit,
    notifier,
    timers,
    logs,
    async add(url: string, p: Partial<Omit<EndpointInput, 'url'>> = {}) {
      const u = new URL(url);
      return webhooks.create(
        {
          name: 'ops',
          url: u,
          urlDisplay: displayUrl(u),
          format: 'generic',
          events: ['job.failed', 'job.succeeded', 'job.interrupted', 'node.health'],
          clusters: null,
          debounceMs: 0,
          secret: 'signing-secret-1234',
          enabled: true,
          ...p,
        },
        'admin',
      );
    },
    async close() {
      await notifier.stop();
      await store.close();
      await database.drop();
    },
  };
}

export function failedJob(over: Partial<Job> = {}): Job {
  return {
    id: 'job-1',
    operation: 'drain',
    params: {},
    targets: [{ cluster: 'prod', nodes: ['n1', 'n2'] }],
    concurrency: 2,
    status: 'failed',
    createdBy: 'alice',
    createdAt: new Date(T0).toISOString(),
    finishedAt: new Date(T0 + 5000).toISOString(),
    total: 2,
    done: 2,
    counts: {
      ok: 0,
      unchanged: 0,
      failed: 2,
      skipped: 0,
      pending: 0,
      running: 0,
      cancelled: 0,
      interrupted: 0,
    },
    nodes: [
      { cluster: 'prod', name: 'n1', status: 'failed', message: 'eviction blocked by PDB' },
      { cluster: 'prod', name: 'n2', status: 'failed', message: 'timed out' },
    ],
    ...over,
  };
}
