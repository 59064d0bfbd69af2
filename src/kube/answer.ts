/**
 * Reading and decoding one answer of a cluster's API server, within KUBE_LIMITS. Everything here treats the
 * server as untrusted: a declared or actual size over the bound stops the read at once (the socket is
 * destroyed, nothing more is buffered), only JSON is decoded, its shape is checked before parsing, and an
 * error from something that is not a Kubernetes API server is described by its status code and content
 * type — its body never reaches an error message, a log line or an answer of ours.
 */
import http from 'node:http';
import { errorFromStatus, KubeError, type KubeStatus } from './errors.js';
import { jsonShapeViolation } from './json-shape.js';
import type { KubeLimits } from './limits.js';

const MiB = 1024 * 1024;
export const formatBytes = (n: number): string =>
  n >= MiB && n % MiB === 0 ? `${n / MiB} MiB` : `${n} bytes`;

/** The media type of a Content-Type header (lower case, no parameters); '' when absent. */
export function mediaType(headers: http.IncomingHttpHeaders): string {
  return (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** JSON, or no declared type at all (then the bytes must still parse as JSON). */
export function isJsonType(type: string): boolean {
  return type === '' || type === 'application/json' || /^application\/[a-z0-9.+-]*\+json$/.test(type);
}

export function tooLarge(what: string, detail: string): KubeError {
  return new KubeError('ResponseTooLarge', `ResponseTooLarge: ${what}: ${detail}`, 0);
}

export function malformed(what: string, detail: string): KubeError {
  return new KubeError('MalformedResponse', `MalformedResponse: ${what}: ${detail}`, 0);
}

/**
 * Collects a response body up to `max` bytes. Over the bound (declared in Content-Length, or reached while
 * reading) it calls `abort` (which must destroy the request) and rejects with ResponseTooLarge.
 */
export function readBounded(
  res: http.IncomingMessage,
  max: number,
  what: string,
  abort: (e: KubeError) => void,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      const e = tooLarge(what, `the server announced ${declared} bytes; the limit is ${formatBytes(max)}`);
      reject(e);
      abort(e);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    res.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > max) {
        over = true;
        chunks.length = 0;
        const e = tooLarge(what, `the answer passed ${formatBytes(max)}; the rest was not read`);
        reject(e);
        abort(e);
        return;
      }
      chunks.push(c);
    });
    let ended = false;
    res.on('end', () => {
      ended = true;
      if (!over) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    res.on('error', reject);
    res.on('close', () => {
      if (!ended && !over)
        reject(Object.assign(new Error('connection closed mid-answer'), { code: 'ECONNRESET' }));
    });
  });
}

/** Parses JSON bytes after checking their shape; throws the KubeError made by `fail`. */
export function parseBoundedJson(
  buf: Buffer,
  limits: KubeLimits,
  fail: (detail: string, tooBig: boolean) => Error,
): unknown {
  const v = jsonShapeViolation(buf, limits.maxJsonDepth, limits.maxJsonContainers);
  if (v === 'depth') throw fail(`JSON nested deeper than ${limits.maxJsonDepth} levels`, false);
  if (v === 'containers') throw fail(`more than ${limits.maxJsonContainers} JSON objects and arrays`, true);
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    throw fail('the answer is not valid JSON', false);
  }
}

/** A 2xx answer: JSON of a sane shape, and a LIST page no longer than the `limit` it was asked for. */
export function decodeSuccess(
  res: http.IncomingMessage,
  buf: Buffer,
  limits: KubeLimits,
  what: string,
  pageLimit: number | undefined,
): unknown {
  const type = mediaType(res.headers);
  if (!isJsonType(type)) {
    throw malformed(what, `HTTP ${res.statusCode} with content type ${type}, not JSON`);
  }
  if (buf.length === 0) return undefined;
  const body = parseBoundedJson(buf, limits, (detail, big) =>
    big ? tooLarge(what, detail) : malformed(what, detail),
  );
  const items = (body as { items?: unknown } | null)?.items;
  if (pageLimit !== undefined && Array.isArray(items) && items.length > pageLimit) {
    throw tooLarge(what, `the page holds ${items.length} objects; at most ${pageLimit} were asked for`);
  }
  return body;
}

/**
 * A non-2xx answer. A Kubernetes Status (JSON) keeps its reason and message; anything else — an HTML error
 * page from a proxy, plain text, JSON that is not a Status — is reported by status code and content type.
 */
export function decodeFailure(res: http.IncomingMessage, buf: Buffer, limits: KubeLimits): KubeError {
  const code = res.statusCode ?? 0;
  const type = mediaType(res.headers);
  let body: unknown;
  if (isJsonType(type) && buf.length > 0) {
    try {
      body = parseBoundedJson(buf, limits, (d) => malformed('error answer', d));
    } catch {
      body = undefined;
    }
  }
  const st = body as KubeStatus | undefined;
  if (st && typeof st === 'object' && (st.kind === 'Status' || typeof st.message === 'string')) {
    return errorFromStatus(code, st, res.headers['retry-after'] as string | undefined);
  }
  const kind = buf.length === 0 ? 'an empty answer' : `a ${type || 'untyped'} answer`;
  return markNonKubernetes(
    errorFromStatus(
      code,
      {
        message:
          `HTTP ${code} ${http.STATUS_CODES[code] ?? ''}`.trim() +
          ` (${kind}, not a Kubernetes Status; body not shown)`,
      },
      res.headers['retry-after'] as string | undefined,
    ),
  );
}

const nonKubernetes = new WeakSet<KubeError>();
const markNonKubernetes = (e: KubeError): KubeError => (nonKubernetes.add(e), e);

/** The error answer did not come from a Kubernetes API server (an HTML page, plain text): counted apart. */
export const isNonKubernetesAnswer = (e: KubeError): boolean => nonKubernetes.has(e);
