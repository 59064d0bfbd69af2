// Minimal HTTP(S) client for the test API servers: the real one (HTTPS with a
// self-signed certificate generated at start-up, so verification is switched
// off here) and the simulator (plain HTTP). This module must never be used
// outside tests.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';

/** Loose shape of an API object or Status; tests read the few fields they need. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    [field: string]: unknown;
  };
  spec?: { [field: string]: unknown };
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    [field: string]: unknown;
  };
  items?: KubeObject[];
  /** Set on Status objects. */
  code?: number;
  reason?: string;
  message?: string;
  [field: string]: unknown;
}

export interface ApiTarget {
  server: string;
  token: string;
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  /** Defaults to application/json; use application/merge-patch+json etc. for PATCH. */
  contentType?: string;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

// A dedicated agent keeps sockets to one throw-away server from lingering in
// the global pool after that server is gone.
const agents = new Map<string, http.Agent>();
const isHttps = (server: string): boolean => new URL(server).protocol === 'https:';
function agentFor(server: string): http.Agent {
  let agent = agents.get(server);
  if (!agent) {
    agent = isHttps(server)
      ? new https.Agent({ rejectUnauthorized: false, keepAlive: true, maxSockets: 16 })
      : new http.Agent({ keepAlive: true, maxSockets: 16 });
    agents.set(server, agent);
  }
  return agent;
}

function transport(server: string): typeof http.request {
  return isHttps(server) ? https.request : http.request;
}

/** Drops pooled sockets for a server; called when its control plane stops. */
export function releaseAgent(server: string): void {
  agents.get(server)?.destroy();
  agents.delete(server);
}

export function apiRequest<T = KubeObject>(
  target: ApiTarget,
  method: string,
  path: string,
  opts: RequestOptions = {},
): Promise<ApiResponse<T>> {
  const url = new URL(path, target.server);
  const payload =
    opts.body === undefined
      ? undefined
      : typeof opts.body === 'string'
        ? opts.body
        : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = transport(target.server)(
      url,
      {
        method,
        agent: agentFor(target.server),
        headers: {
          Authorization: `Bearer ${target.token}`,
          Accept: 'application/json',
          ...(payload !== undefined
            ? {
                'Content-Type': opts.contentType ?? 'application/json',
                'Content-Length': Buffer.byteLength(payload),
              }
            : {}),
          ...opts.headers,
        },
        timeout: opts.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: body as T });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname} timed out`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Like apiRequest but throws unless the status is 2xx (or listed in `allow`). */
export async function api<T = KubeObject>(
  target: ApiTarget,
  method: string,
  path: string,
  opts: RequestOptions & { allow?: number[] } = {},
): Promise<ApiResponse<T>> {
  const res = await apiRequest<T>(target, method, path, opts);
  if ((res.status < 200 || res.status >= 300) && !opts.allow?.includes(res.status)) {
    throw new Error(`${method} ${path} -> ${res.status}: ${res.text.slice(0, 500)}`);
  }
  return res;
}

export interface WatchEvent<T = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface WatchHandle {
  /** Resolves with the HTTP status once response headers arrive. */
  status: Promise<number>;
  /** Resolves when the server ends the stream or stop() is called. */
  done: Promise<void>;
  stop(): void;
}

/**
 * Opens a watch stream (the path must carry ?watch=true or be a watch URL) and
 * calls onEvent per newline-delimited JSON event. A non-200 answer, such as
 * 410 Gone for an expired resourceVersion, is delivered as a single ERROR
 * event carrying the Status body.
 */
export function openWatch(target: ApiTarget, path: string, onEvent: (ev: WatchEvent) => void): WatchHandle {
  const url = new URL(path, target.server);
  let resolveStatus!: (s: number) => void;
  let rejectStatus!: (e: Error) => void;
  const status = new Promise<number>((res, rej) => {
    resolveStatus = res;
    rejectStatus = rej;
  });
  let resolveDone!: () => void;
  const done = new Promise<void>((res) => (resolveDone = res));
  // Watches are long-lived; a private agent avoids occupying the shared pool.
  const req = transport(target.server)(
    url,
    {
      method: 'GET',
      agent: isHttps(target.server) ? new https.Agent({ rejectUnauthorized: false }) : new http.Agent(),
      headers: { Authorization: `Bearer ${target.token}`, Accept: 'application/json' },
    },
    (res) => {
      resolveStatus(res.statusCode ?? 0);
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        if (res.statusCode !== 200) return;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) onEvent(JSON.parse(line) as WatchEvent);
        }
      });
      res.on('end', () => {
        if (res.statusCode !== 200 && buf) {
          try {
            onEvent({ type: 'ERROR', object: JSON.parse(buf) });
          } catch {
            onEvent({ type: 'ERROR', object: { code: res.statusCode, message: buf } });
          }
        }
        resolveDone();
      });
      res.on('error', () => resolveDone());
      res.on('close', () => resolveDone());
    },
  );
  req.on('error', (e) => {
    rejectStatus(e);
    resolveDone();
  });
  req.end();
  // Keep the promise from surfacing as unhandled when a caller only awaits `done`.
  status.catch(() => undefined);
  return {
    status,
    done,
    stop() {
      req.destroy();
      resolveDone();
    },
  };
}
