/* eslint-disable @typescript-eslint/no-explicit-any -- tests read arbitrary Kubernetes JSON */
// Raw HTTP(S) helpers for talking to the simulator exactly as any client would: over HTTPS they trust only
// the simulator's CA, so every request also checks the serving certificate.
import http from 'node:http';
import https from 'node:https';
import type { SimServer } from '../../src/sim/index.js';

export interface ApiAnswer<T = any> {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  body: T;
}

export interface ApiOptions {
  body?: unknown;
  contentType?: string;
  /** Bearer token; defaults to the admin token, `null` sends none. */
  token?: string | null;
  /** Extra request headers (e.g. a Table Accept header). */
  headers?: Record<string, string>;
}

/** http.request or https.request trusting the simulator's CA, by the simulator's scheme. */
function requestFn(
  sim: SimServer,
): (url: URL, opts: https.RequestOptions, cb: (res: http.IncomingMessage) => void) => http.ClientRequest {
  if (!sim.url.startsWith('https:')) return (url, opts, cb) => http.request(url, opts, cb);
  return (url, opts, cb) => https.request(url, { ...opts, ca: sim.caCertPem }, cb);
}

export function api<T = any>(
  sim: SimServer,
  method: string,
  path: string,
  opts: ApiOptions = {},
): Promise<ApiAnswer<T>> {
  const url = new URL(path, sim.url);
  const payload =
    opts.body === undefined
      ? undefined
      : typeof opts.body === 'string'
        ? opts.body
        : JSON.stringify(opts.body);
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  const token = opts.token === undefined ? sim.token : opts.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (payload !== undefined) {
    headers['Content-Type'] = opts.contentType ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const req = requestFn(sim)(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: any;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export interface WatchEvent {
  type: string;
  object: any;
}

export interface RawWatch {
  status: Promise<number>;
  events: WatchEvent[];
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  waitFor(pred: (events: WatchEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

/** A streaming watch over raw HTTP; events accumulate in `events`. */
export function rawWatch(
  sim: SimServer,
  path: string,
  token: string = sim.token,
  headers: Record<string, string> = {},
): RawWatch {
  const events: WatchEvent[] = [];
  const waiters = new Set<() => void>();
  let req!: http.ClientRequest;
  let resolveStatus!: (n: number) => void;
  const status = new Promise<number>((r) => (resolveStatus = r));
  const ended = new Promise<void>((resolve) => {
    req = requestFn(sim)(
      new URL(path, sim.url),
      { headers: { ...headers, Authorization: `Bearer ${token}` }, agent: false },
      (res) => {
        resolveStatus(res.statusCode ?? 0);
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          buf += c;
          let i: number;
          while ((i = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            if (line.trim()) events.push(JSON.parse(line) as WatchEvent);
          }
          for (const w of waiters) w();
        });
        res.on('end', () => resolve());
        res.on('close', () => resolve());
      },
    );
    req.on('error', () => resolve());
    req.end();
  });
  return {
    status,
    events,
    ended,
    close: () => req.destroy(),
    waitFor(pred, timeoutMs = 5000) {
      if (pred(events)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (pred(events)) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `watch condition not met within ${timeoutMs} ms; got ${events.length} events: ${events.map((e) => e.type).join(',')}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
      });
    },
  };
}

/** Polls `fn` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function node(
  name: string,
  labels: Record<string, string> = {},
  extra: Record<string, unknown> = {},
): unknown {
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    spec: {},
    status: {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      addresses: [{ type: 'InternalIP', address: '10.0.0.9' }],
    },
    ...extra,
  };
}

export function runningPod(
  namespace: string,
  name: string,
  nodeName: string,
  labels: Record<string, string> = {},
  ready = true,
): unknown {
  return {
    metadata: { name, namespace, labels },
    spec: {
      nodeName,
      containers: [{ name: 'main', image: 'registry.invalid/app:1' }],
      terminationGracePeriodSeconds: 30,
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  };
}
