/**
 * The Kubernetes client edge: one small HTTP client per cluster.
 *
 * `@kubernetes/client-node` supplies what is valuable and hard — kubeconfig parsing and every auth flavour
 * (tokens, client certificates, exec and OIDC plugins) via `KubeConfig.applyToHTTPSOptions`. We deliberately
 * do the HTTP ourselves because its generated API classes give no control over streaming watches, paging
 * tokens, per-call timeouts, patch content types or Status bodies, and every call here must be timed out,
 * counted and classified (see errors.ts).
 */
import http from 'node:http';
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { errorFromStatus, errorFromTransport, KubeError } from './errors.js';
import { kubeApiCalls, kubeApiErrors, kubeApiLatency } from '../metrics/registry.js';

export type Query = Record<string, string | number | boolean | undefined>;

export type PatchType = 'merge' | 'strategic' | 'json';
const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Query;
  body?: unknown;
  patchType?: PatchType;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface WatchEvent<T = unknown> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface WatchHandle {
  /** Stop the watch; `done` resolves without an error. */
  abort(): void;
  /** Resolves when the stream ends: cleanly (server closed / aborted) or with the error that ended it. */
  done: Promise<KubeError | undefined>;
}

export interface WatchOptions {
  /** Close the stream (with a Timeout error) when nothing arrives for this long. */
  idleTimeoutMs?: number;
}

/** What the rest of the product needs from a cluster connection; tests may provide their own. */
export interface KubeClient {
  readonly cluster: string;
  readonly server: string;
  request<T = unknown>(opts: RequestOptions): Promise<T>;
  watch<T = unknown>(
    path: string,
    query: Query,
    onEvent: (ev: WatchEvent<T>) => void,
    opts?: WatchOptions,
  ): WatchHandle;
  /** Count of API calls made through this client (benchmarks and tests assert on it). */
  readonly callCount: number;
  close(): void;
}

function qs(query: Query | undefined): string {
  if (!query) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? '?' + s : '';
}

/** The resource name used in metrics labels: `/api/v1/namespaces/x/pods/y/eviction` → `pods/eviction`. */
export function resourceOf(path: string): string {
  const parts = path.split('?')[0]!.split('/').filter(Boolean);
  const i = parts[0] === 'api' ? 2 : parts[0] === 'apis' ? 3 : 0;
  let rest = parts.slice(i);
  if (rest[0] === 'namespaces' && rest.length > 2) rest = rest.slice(2);
  if (rest.length === 0) return parts.join('/') || 'root';
  return rest.length >= 3 ? `${rest[0]}/${rest[2]}` : rest[0]!;
}

export class HttpKubeClient implements KubeClient {
  readonly server: string;
  private readonly url: URL;
  private readonly agent: http.Agent;
  private calls = 0;
  private readonly watches = new Set<WatchHandle>();

  constructor(
    readonly cluster: string,
    private readonly kc: KubeConfig,
    private readonly defaultTimeoutMs = 15_000,
  ) {
    const c = kc.getCurrentCluster();
    if (!c) throw new KubeError('BadRequest', 'kubeconfig has no current cluster', 0);
    this.server = c.server;
    this.url = new URL(c.server);
    const Agent = this.url.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: 64 });
  }

  get callCount(): number {
    return this.calls;
  }

  private async baseOptions(method: string, path: string): Promise<https.RequestOptions> {
    const opts: https.RequestOptions = {
      method,
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      port: this.url.port || (this.url.protocol === 'https:' ? 443 : 80),
      path: (this.url.pathname.replace(/\/$/, '') || '') + path,
      agent: this.agent,
      headers: { Accept: 'application/json', 'User-Agent': 'kube-node-manager' },
    };
    await this.kc.applyToHTTPSOptions(opts);
    return opts;
  }

  private transport(): typeof http | typeof https {
    return this.url.protocol === 'https:' ? https : http;
  }

  async request<T = unknown>(o: RequestOptions): Promise<T> {
    const method = o.method ?? 'GET';
    const path = o.path + qs(o.query);
    const resource = resourceOf(o.path);
    const labels = { cluster: this.cluster, verb: method.toLowerCase(), resource };
    this.calls++;
    kubeApiCalls.inc(labels);
    const end = kubeApiLatency.startTimer(labels);
    const timeoutMs = o.timeoutMs ?? this.defaultTimeoutMs;
    try {
      const opts = await this.baseOptions(method, path);
      let payload: string | undefined;
      if (o.body !== undefined) {
        payload = JSON.stringify(o.body);
        opts.headers = {
          ...opts.headers,
          'Content-Type':
            method === 'PATCH' ? PATCH_CONTENT_TYPE[o.patchType ?? 'merge'] : 'application/json',
          'Content-Length': Buffer.byteLength(payload),
        };
      }
      return await new Promise<T>((resolve, reject) => {
        const req = this.transport().request(opts, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => reject(errorFromTransport(e, `${method} ${o.path}`)));
          res.on('end', () => {
            clearTimeout(timer);
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            try {
              body = text ? JSON.parse(text) : undefined;
            } catch {
              /* non-JSON bodies (e.g. proxies) are reported as text */
            }
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) resolve(body as T);
            else
              reject(
                errorFromStatus(
                  code,
                  typeof body === 'object'
                    ? body
                    : { message: `HTTP ${code}: ${String(text).slice(0, 200)}` },
                  res.headers['retry-after'] as string | undefined,
                ),
              );
          });
        });
        const timer = setTimeout(() => {
          const e = new Error('timeout') as NodeJS.ErrnoException;
          e.code = 'KNM_TIMEOUT';
          req.destroy(e);
        }, timeoutMs);
        const onAbort = () => req.destroy(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        o.signal?.addEventListener('abort', onAbort, { once: true });
        req.on('error', (e) => {
          clearTimeout(timer);
          o.signal?.removeEventListener('abort', onAbort);
          reject(errorFromTransport(e, `${method} ${o.path}`));
        });
        req.on('close', () => o.signal?.removeEventListener('abort', onAbort));
        if (payload !== undefined) req.write(payload);
        req.end();
      });
    } catch (e) {
      const err = e instanceof KubeError ? e : errorFromTransport(e, `${method} ${o.path}`);
      kubeApiErrors.inc({ ...labels, reason: err.reason });
      throw err;
    } finally {
      end();
    }
  }

  watch<T = unknown>(
    path: string,
    query: Query,
    onEvent: (ev: WatchEvent<T>) => void,
    wopts: WatchOptions = {},
  ): WatchHandle {
    const resource = resourceOf(path);
    const labels = { cluster: this.cluster, verb: 'watch', resource };
    this.calls++;
    kubeApiCalls.inc(labels);
    let req: http.ClientRequest | undefined;
    let aborted = false;
    let idle: NodeJS.Timeout | undefined;
    let settle!: (e: KubeError | undefined) => void;
    const done = new Promise<KubeError | undefined>((r) => (settle = r));
    let settled = false;
    const finish = (e: KubeError | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      if (e) kubeApiErrors.inc({ ...labels, reason: e.reason });
      this.watches.delete(handle);
      settle(aborted ? undefined : e);
    };
    const armIdle = () => {
      if (!wopts.idleTimeoutMs) return;
      clearTimeout(idle);
      idle = setTimeout(() => {
        finish(new KubeError('Timeout', `watch ${path}: no data for ${wopts.idleTimeoutMs} ms`, 0));
        req?.destroy();
      }, wopts.idleTimeoutMs);
    };
    const handle: WatchHandle = {
      abort: () => {
        aborted = true;
        req?.destroy();
        finish(undefined);
      },
      done,
    };
    this.watches.add(handle);
    const end = kubeApiLatency.startTimer(labels);
    this.baseOptions('GET', path + qs({ ...query, watch: 'true' }))
      .then((opts) => {
        if (aborted) return;
        armIdle();
        req = this.transport().request(opts, (res) => {
          end();
          const code = res.statusCode ?? 0;
          if (code !== 200) {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              let body: unknown;
              try {
                body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
              } catch {
                body = undefined;
              }
              finish(errorFromStatus(code, body));
            });
            return;
          }
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            armIdle();
            buf += chunk;
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl).trim();
              buf = buf.slice(nl + 1);
              if (!line) continue;
              let ev: WatchEvent<T>;
              try {
                ev = JSON.parse(line) as WatchEvent<T>;
              } catch {
                finish(new KubeError('InternalError', `watch ${path}: malformed event`, 0));
                req?.destroy();
                return;
              }
              if (ev.type === 'ERROR') {
                const st = ev.object as { code?: number };
                finish(errorFromStatus(st?.code ?? 500, ev.object));
                req?.destroy();
                return;
              }
              if (!settled) onEvent(ev);
            }
          });
          res.on('end', () => finish(undefined));
          res.on('error', (e) => finish(errorFromTransport(e, `watch ${path}`)));
          res.on('close', () => finish(undefined));
        });
        req.on('error', (e) => {
          end();
          finish(errorFromTransport(e, `watch ${path}`));
        });
        req.end();
      })
      .catch((e) => finish(errorFromTransport(e, `watch ${path}`)));
    return handle;
  }

  close(): void {
    for (const w of [...this.watches]) w.abort();
    this.agent.destroy();
  }
}

/** Build a KubeConfig from kubeconfig text and pick a context (throws KubeError 'BadRequest'/'NotFound'). */
export function kubeConfigFromText(text: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (e) {
    throw new KubeError(
      'BadRequest',
      `kubeconfig could not be parsed: ${(e as Error).message.split('\n')[0]}`,
      400,
    );
  }
  if (context) {
    if (!kc.getContextObject(context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new KubeError(
        'NotFound',
        `context "${context}" not found in kubeconfig (has: ${known.join(', ') || 'none'})`,
        404,
      );
    }
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster())
    throw new KubeError('BadRequest', 'kubeconfig has no usable current context or cluster', 400);
  return kc;
}
