/**
 * The HTTP server: fastify with request ids, JSON logs, body limit, the one error handler that turns every
 * failure into the stable `{error: {code, message, field?, details?}}` shape, request metrics, and the built
 * web console with SPA fallback. Route groups are registered on the instance it returns (see app.ts); this
 * file holds no business logic and must not call Kubernetes or the store itself.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import fastifyStatic from '@fastify/static';
import { registerCompression } from './compression.js';
import { ZodError } from 'zod';
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { hostAllowed, hostPolicy } from '../auth/hosts.js';
import { httpRequests } from '../metrics/registry.js';
import { ApiError, toApiError } from '../errors.js';
import type { MessageCodeFields } from '../messages/codes.js';
import { useZodSchemas } from './validation.js';
import { registerOpenApi } from './openapi.js';

/**
 * Routes or hooks added to the root instance itself (tests' probes and recorders). Product route groups are
 * plugins registered with the services they need instead (see app.ts). Every route declares `config.policy`.
 */
export type RouteModule = (app: FastifyInstance) => unknown;

/** What the server itself needs: the logger, and the configuration's host and proxy settings. */
export interface ServerBase {
  config: Config;
  log: Logger;
}

export interface ServerOptions {
  /** Built web console; null = none. Default: `<package root>/dist/web` when it holds index.html. */
  webDir?: string | null;
  /** Largest accepted request body (default 1 MiB: a pasted kubeconfig fits with room to spare). */
  bodyLimit?: number;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Accept a caller's request id only if it is short and plain, so it cannot forge log lines. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface ErrorBody {
  error: { code: string; message: string; field?: string; details?: unknown } & MessageCodeFields;
}

export function errorBody(e: ApiError): ErrorBody {
  const error: ErrorBody['error'] = { code: e.code, message: e.message };
  if (e.field !== undefined) error.field = e.field;
  if (e.details !== undefined) error.details = e.details;
  if (e.coded) {
    error.messageCode = e.coded.code;
    error.messageParams = e.coded.params as Record<string, string | number>;
  }
  return { error };
}

const STATUS_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  408: 'RequestTimeout',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  414: 'UriTooLong',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  431: 'HeadersTooLarge',
  503: 'Unavailable',
};

function fromZod(e: ZodError): ApiError {
  const issues = e.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
  const first = issues[0] ?? { field: '', message: 'invalid request' };
  const message = first.field ? `${first.field}: ${first.message}` : first.message;
  return new ApiError(
    400,
    'BadRequest',
    message,
    first.field || undefined,
    issues.length > 1 ? { issues } : undefined,
  );
}

/** Maps anything thrown by a handler or by fastify itself to an ApiError (500 for the unexpected). */
export function classifyError(err: unknown, requestId: string): { apiError: ApiError; unexpected: boolean } {
  const known = toApiError(err);
  if (known) return { apiError: known, unexpected: false };
  if (err instanceof ZodError) return { apiError: fromZod(err), unexpected: false };
  const fe = err as FastifyError;
  if (fe?.validation && Array.isArray(fe.validation)) {
    const v = fe.validation[0];
    const where = fe.validationContext ?? 'body';
    const field = [where, ...(v?.instancePath ?? '').split('/').filter(Boolean)].join('.');
    const missing = (v?.params as { missingProperty?: string } | undefined)?.missingProperty;
    return {
      apiError: new ApiError(400, 'BadRequest', fe.message, missing ? `${field}.${missing}` : field),
      unexpected: false,
    };
  }
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    return {
      apiError: new ApiError(status, STATUS_CODES[status] ?? 'BadRequest', fe.message),
      unexpected: false,
    };
  }
  return {
    apiError: new ApiError(
      500,
      'InternalError',
      `internal error; the server log has the details (request ${requestId})`,
    ),
    unexpected: true,
  };
}

/** Walks up from this file to the package root (works from src/ under tsx and from dist/server/). */
export function packageRoot(from = path.dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function defaultWebDir(): string | null {
  const root = packageRoot();
  const dir = root ? path.join(root, 'dist', 'web') : undefined;
  return dir && fs.existsSync(path.join(dir, 'index.html')) ? dir : null;
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Kube Node Manager</title>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 4em auto">
<h1>Kube Node Manager</h1>
<p>The server is running, but the web console has not been built.</p>
<p>Run <code>npm start</code> (it builds what is missing) or <code>npm run build</code>, then reload.
The HTTP API is available under <code>/api/v1</code>.</p>`;

/** Longest path segment a route parameter accepts (a Kubernetes name is at most 253 characters). */
export const MAX_PARAM_LENGTH = 512;

/** Writes the stable error shape on a socket the HTTP parser gave up on, then closes it. */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'HeadersTooLarge', 'the request headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'RequestTimeout', 'the request was not received in time']
        : [400, 'BadRequest', 'malformed HTTP request'];
  const body = JSON.stringify(errorBody(new ApiError(status, code, message)));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

export async function buildServer(ctx: ServerBase, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log,
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    genReqId: (req) => {
      const h = req.headers['x-request-id'];
      return typeof h === 'string' && SANE_REQUEST_ID.test(h) ? h : randomUUID();
    },
    // One access line per request, written below with the route pattern; fastify's two lines are noise.
    logController: new LogController({ disableRequestLogging: true }),
    // X-Forwarded-For is believed only from these proxies; request.ip is then the right-most untrusted address.
    trustProxy: ctx.config.trustedProxies.length ? ctx.config.trustedProxies : false,
    // A Kubernetes name may be 253 characters; longer path segments answer 414 before any route runs.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Errors fastify answers before routing (a bad URL, an over-long path segment): the stable shape too.
    frameworkErrors: (err, req, reply: FastifyReply) => {
      const { apiError } = classifyError(err, String(req.id));
      return reply.status(apiError.status).send(errorBody(apiError));
    },
    // Errors of the HTTP parser, before there is a request (headers too large, a malformed request).
    clientErrorHandler: answerClientError,
  }) as unknown as FastifyInstance;
  useZodSchemas(app);
  await registerOpenApi(app);

  const hosts = hostPolicy(ctx.config);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    // DNS rebinding: a name this server does not answer to means a page of another site (src/auth/hosts.ts).
    if (!hostAllowed(req.headers.host, hosts)) {
      req.log.info(
        { host: String(req.headers.host ?? '').slice(0, 100) },
        'request for another host refused',
      );
      return reply
        .code(403)
        .send(
          errorBody(
            new ApiError(
              403,
              'HostNotAllowed',
              'this server does not answer to that host name (see KNM_ALLOWED_HOSTS)',
            ),
          ),
        );
    }
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? '(unmatched)';
    const code = String(reply.statusCode);
    const seconds = reply.elapsedTime / 1000;
    httpRequests.observe({ method: req.method, route, code }, seconds);
    const line = {
      method: req.method,
      route,
      path: req.url.split('?')[0],
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      user: req.user?.username,
    };
    if (QUIET_ROUTES.has(route)) req.log.debug(line, 'request');
    else req.log.info(line, 'request');
  });

  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const { apiError, unexpected } = classifyError(err, req.id);
    if (unexpected) req.log.error({ err }, 'request failed');
    else if (apiError.status >= 500)
      req.log.warn({ code: apiError.code, err: apiError.message }, 'request failed');
    return reply.status(apiError.status).send(errorBody(apiError));
  });

  await registerCompression(app, ctx.config.compression !== false);
  const webDir = opts.webDir === undefined ? defaultWebDir() : opts.webDir;
  if (webDir) await app.register(fastifyStatic, { root: webDir, serve: false });

  app.setNotFoundHandler((req, reply) => {
    const pathOnly = req.url.split('?')[0]!;
    const isPage =
      (req.method === 'GET' || req.method === 'HEAD') &&
      !pathOnly.startsWith('/api/') &&
      !/\.[a-z0-9]+$/i.test(pathOnly); // a missing file is a 404, not the console
    if (isPage && webDir) {
      // SPA fallback: client-side routes (e.g. /clusters/prod/nodes) load the console, which routes itself.
      // sendFile's reply is not returned: a returned reply is awaited, and every await of a reply whose file
      // is still streaming adds listeners to the response (11 on a fallback page: MaxListenersExceededWarning).
      void reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
      return;
    }
    return reply
      .status(404)
      .send(errorBody(new ApiError(404, 'NotFound', `no such route: ${req.method} ${pathOnly}`)));
  });

  if (webDir) {
    app.get('/*', { config: { policy: { public: true } }, schema: { hide: true } }, (req, reply) => {
      const p = req.url.split('?')[0]!;
      if (p.startsWith('/api/')) return reply.callNotFound();
      // As in the not-found handler, sendFile's reply is not returned (nor awaited).
      if (p === '/' || p === '/index.html') {
        void reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
        return;
      }
      // Vite fingerprints everything under /assets/, so those may be cached for good.
      const immutable = p.startsWith('/assets/');
      void reply.sendFile(p, immutable ? { maxAge: '365d', immutable: true } : { maxAge: 0 });
    });
  } else {
    app.get('/', { config: { policy: { public: true } }, schema: { hide: true } }, (_req, reply) =>
      reply.type('text/html; charset=utf-8').send(NOT_BUILT),
    );
  }

  return app;
}
