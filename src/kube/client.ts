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
import { errorFromStatus, errorFromTransport, KubeError, UNTRUSTED_ANSWER_REASONS } from './errors.js';
import {
  decodeFailure,
  decodeSuccess,
  formatBytes,
  isJsonType,
  isNonKubernetesAnswer,
  mediaType,
  parseBoundedJson,
  readBounded,
} from './answer.js';
import { KUBE_LIMITS, type KubeLimits } from './limits.js';
import { LineSplitter, LineTooLongError } from './lines.js';
import { OidcTokenSource, type OidcProviderConfig } from './oidc.js';
import { impersonationHeaders, type Impersonation } from './impersonation-headers.js';
import { kubeApiCalls, kubeApiErrors, kubeApiLatency, kubeRejectedAnswers } from '../metrics/registry.js';

const WATCH_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

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
  /** A tighter bound on this answer than the client's (e.g. /version is tiny); never a looser one. */
  maxBytes?: number;
  /** Send as this user (Impersonate-User/Group headers), so the cluster's own RBAC decides too. */
  impersonate?: Impersonation;
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
  impersonate?: Impersonation;
}

/**
 * Everything another thread needs to open its own connection to the same cluster as the same identity (the
 * ingest workers, src/ingest). Holds credentials: it travels only by postMessage inside this process and is
 * never logged.
 */
export interface KubeConnectionSpec {
  cluster: string;
  /** The kubeconfig as JSON text, current context selected. */
  kubeconfig: string;
  timeoutMs: number;
  limits: KubeLimits;
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
  /** How another thread connects as this client does; absent or undefined when it cannot be shared. */
  connectionSpec?(): KubeConnectionSpec | undefined;
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
  private readonly limits: KubeLimits;
  private readonly kc: KubeConfig;
  /** Set for users with the `oidc` auth-provider, whose tokens this client renews itself (see oidc.ts). */
  private readonly oidc?: OidcTokenSource;
  private readonly exportable: KubeConfig | undefined;

  constructor(
    readonly cluster: string,
    kc: KubeConfig,
    private readonly defaultTimeoutMs = 15_000,
    /** Tests shrink the bounds to exercise them cheaply; production uses KUBE_LIMITS. */
    limits: Partial<KubeLimits> = {},
  ) {
    this.limits = { ...KUBE_LIMITS, ...limits };
    const user = kc.getCurrentUser();
    // An OIDC refresh token may be single-use (rotated by the provider): a second thread refreshing with the
    // same one would log this one out, so such clusters keep every connection here.
    this.exportable = user?.authProvider?.name === 'oidc' ? undefined : kc;
    if (user?.authProvider?.name === 'oidc') {
      this.oidc = new OidcTokenSource((user.authProvider.config ?? {}) as OidcProviderConfig);
      kc = withoutAuthProvider(kc, user.name);
    }
    this.kc = kc;
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

  /** How to connect to this cluster from another thread; undefined when it must not be shared (OIDC). */
  connectionSpec(): KubeConnectionSpec | undefined {
    if (!this.exportable) return undefined;
    return {
      cluster: this.cluster,
      kubeconfig: this.exportable.exportConfig(),
      timeoutMs: this.defaultTimeoutMs,
      limits: { ...this.limits },
    };
  }

  private async baseOptions(
    method: string,
    path: string,
    impersonate?: Impersonation,
  ): Promise<https.RequestOptions> {
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
    if (this.oidc) opts.headers = { ...opts.headers, Authorization: `Bearer ${await this.oidc.token()}` };
    if (impersonate) opts.headers = { ...opts.headers, ...impersonationHeaders(impersonate) };
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
    const what = `${method} ${o.path}`;
    const limit = o.query?.limit;
    const pageLimit = typeof limit === 'number' ? limit : limit ? Number(limit) || undefined : undefined;
    try {
      const opts = await this.baseOptions(method, path, o.impersonate);
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
        let settled = false;
        const settle = (fn: () => void) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          o.signal?.removeEventListener('abort', onAbort);
          fn();
        };
        const fail = (e: unknown) => settle(() => reject(errorFromTransport(e, what)));
        const req = this.transport().request(opts, (res) => {
          res.on('error', fail);
          readBounded(res, Math.min(this.limits.maxAnswerBytes, o.maxBytes ?? Infinity), what, (e) => {
            fail(e);
            req.destroy();
          }).then((buf) => {
            const code = res.statusCode ?? 0;
            try {
              if (code >= 200 && code < 300) {
                const body = decodeSuccess(res, buf, this.limits, what, pageLimit);
                settle(() => resolve(body as T));
              } else fail(decodeFailure(res, buf, this.limits));
            } catch (e) {
              fail(e);
            }
          }, fail);
        });
        // A total deadline, not an idle one: a server dripping a byte at a time is cut off all the same.
        const timer = setTimeout(() => {
          const e = new Error('timeout') as NodeJS.ErrnoException;
          e.code = 'KNM_TIMEOUT';
          req.destroy(e);
        }, timeoutMs);
        const onAbort = () => req.destroy(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        o.signal?.addEventListener('abort', onAbort, { once: true });
        req.on('error', fail);
        if (payload !== undefined) req.write(payload);
        req.end();
      });
    } catch (e) {
      const err = e instanceof KubeError ? e : errorFromTransport(e, what);
      this.countError(labels, err);
      throw err;
    } finally {
      end();
    }
  }

  private countError(labels: { cluster: string; verb: string; resource: string }, err: KubeError): void {
    kubeApiErrors.inc({ ...labels, reason: err.reason });
    if (UNTRUSTED_ANSWER_REASONS.has(err.reason)) {
      kubeRejectedAnswers.inc({ cluster: this.cluster, reason: err.reason });
    } else if (isNonKubernetesAnswer(err)) {
      kubeRejectedAnswers.inc({ cluster: this.cluster, reason: 'NonKubernetesAnswer' });
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
    const what = `watch ${path}`;
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
      if (e && !aborted) this.countError(labels, e);
      this.watches.delete(handle);
      settle(aborted ? undefined : e);
    };
    const refuse = (detail: string) => {
      finish(new KubeError('MalformedWatch', `MalformedWatch: ${what}: ${detail}`, 0));
      req?.destroy();
    };
    const armIdle = () => {
      if (!wopts.idleTimeoutMs) return;
      clearTimeout(idle);
      idle = setTimeout(() => {
        finish(new KubeError('Timeout', `${what}: no data for ${wopts.idleTimeoutMs} ms`, 0));
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
    this.baseOptions('GET', path + qs({ ...query, watch: 'true' }), wopts.impersonate)
      .then((opts) => {
        if (aborted) return;
        armIdle();
        req = this.transport().request(opts, (res) => {
          end();
          const code = res.statusCode ?? 0;
          res.on('error', (e) => finish(errorFromTransport(e, what)));
          if (code !== 200) {
            readBounded(res, this.limits.maxAnswerBytes, what, (e) => {
              finish(e);
              req?.destroy();
            }).then(
              (buf) => finish(decodeFailure(res, buf, this.limits)),
              (e) => finish(errorFromTransport(e, what)),
            );
            return;
          }
          const type = mediaType(res.headers);
          if (!isJsonType(type)) return refuse(`content type ${type}, not a JSON watch stream`);
          const lines = new LineSplitter(this.limits.maxWatchLineBytes);
          res.on('data', (chunk: Buffer) => {
            if (settled) return;
            armIdle();
            let complete: Buffer[];
            try {
              complete = lines.push(chunk);
            } catch (e) {
              if (!(e instanceof LineTooLongError)) throw e;
              return refuse(`an event passed ${formatBytes(e.limit)} without a line end`);
            }
            for (const line of complete) {
              if (settled) return;
              const ev = this.decodeEvent<T>(line, refuse);
              if (ev === null) continue;
              if (ev === undefined) return;
              if (ev.type === 'ERROR') {
                const st = ev.object as { code?: number };
                finish(errorFromStatus(typeof st?.code === 'number' ? st.code : 500, ev.object));
                req?.destroy();
                return;
              }
              onEvent(ev);
            }
          });
          res.on('end', () => finish(undefined));
          res.on('close', () => finish(undefined));
        });
        req.on('error', (e) => {
          end();
          finish(errorFromTransport(e, what));
        });
        req.end();
      })
      .catch((e) => finish(errorFromTransport(e, what)));
    return handle;
  }

  /** One line of a watch stream: the event, null for a blank line, undefined after refusing the stream. */
  private decodeEvent<T>(line: Buffer, refuse: (detail: string) => void): WatchEvent<T> | null | undefined {
    let from = 0;
    let to = line.length;
    while (from < to && (line[from] === 0x20 || line[from] === 0x0d || line[from] === 0x09)) from++;
    while (to > from && (line[to - 1] === 0x20 || line[to - 1] === 0x0d || line[to - 1] === 0x09)) to--;
    if (from === to) return null;
    let ev: unknown;
    try {
      ev = parseBoundedJson(line.subarray(from, to), this.limits, (detail) => new Error(detail));
    } catch (e) {
      refuse((e as Error).message);
      return undefined;
    }
    const o = ev as { type?: unknown; object?: unknown } | null;
    if (!o || typeof o !== 'object' || typeof o.type !== 'string' || !WATCH_TYPES.has(o.type)) {
      refuse('a line is not a watch event (no known type)');
      return undefined;
    }
    if (!o.object || typeof o.object !== 'object' || Array.isArray(o.object)) {
      refuse(`a ${o.type} event carries no object`);
      return undefined;
    }
    return ev as WatchEvent<T>;
  }

  close(): void {
    for (const w of [...this.watches]) w.abort();
    this.agent.destroy();
  }
}

/** The same KubeConfig with one user's auth-provider removed (its TLS settings and other fields kept). */
function withoutAuthProvider(kc: KubeConfig, userName: string): KubeConfig {
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: kc.clusters,
    users: kc.users.map((u) => (u.name === userName ? { ...u, authProvider: undefined } : u)),
    contexts: kc.contexts,
    currentContext: kc.getCurrentContext(),
  });
  return out;
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
