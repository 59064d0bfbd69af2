/**
 * The one place the console talks HTTP: JSON in and out, the session cookie, the CSRF header on every
 * state-changing request, and the API's error shape turned into ApiError.
 */

// The server's own error class: `instanceof ApiError` and its fields mean the same on both sides.
import { ApiError } from '../../../src/api-error';
import type { CodedMessage, MessageCodeFields } from '../../../src/messages/codes';

export { ApiError };

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when an authenticated request answers 401 (session expired or logged out elsewhere). */
export function setUnauthorizedHandler(fn: (() => void) | null): void {
  onUnauthorized = fn;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

export interface RequestOptions {
  query?: Query;
  signal?: AbortSignal;
  /** Do not treat 401 as "session gone" (the login form itself). */
  allow401?: boolean;
}

export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  opts: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(withQuery(`/api/v1${path}`, opts.query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'NetworkError', (e as Error).message || 'network error');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) {
    const err = (
      data as {
        error?: { code?: string; message?: string; field?: string; details?: unknown } & MessageCodeFields;
      }
    )?.error;
    if (res.status === 401 && !opts.allow401) onUnauthorized?.();
    throw new ApiError(
      res.status,
      err?.code ?? `Http${res.status}`,
      err?.message ?? (res.statusText || `HTTP ${res.status}`),
      err?.field,
      err?.details,
      err?.messageCode
        ? ({ code: err.messageCode, params: err.messageParams ?? {} } as CodedMessage)
        : undefined,
    );
  }
  return data as T;
}

export const get = <T>(path: string, query?: Query, signal?: AbortSignal) =>
  request<T>('GET', path, undefined, { query, signal });
export const post = <T>(path: string, body?: unknown, query?: Query) =>
  request<T>('POST', path, body ?? {}, { query });
export const put = <T>(path: string, body: unknown) => request<T>('PUT', path, body);
export const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, body);
export const del = <T>(path: string) => request<T>('DELETE', path);

export const enc = encodeURIComponent;
