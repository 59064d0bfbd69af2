/**
 * The errors services throw, carrying the stable JSON error shape of the HTTP API:
 * `{ "error": { "code", "message", "field"?, "details"? } }`. They live below every layer so services, auth and
 * realtime never import from the HTTP layer; routes never format errors themselves.
 */
import { ApiError } from './api-error.js';
import { KubeError, type KubeReason } from './kube/errors.js';
import { kubeErrorText, missingPermission } from './kube/forbidden.js';
import { LockBusyError } from './store/locks.js';
import type { CodedMessage } from './messages/codes.js';
import { englishText } from './messages/english.js';

export { ApiError };

export const badRequest = (message: string, field?: string, details?: unknown) =>
  new ApiError(400, 'BadRequest', message, field, details);
export const notFound = (message: string) => new ApiError(404, 'NotFound', message);
export const conflict = (message: string, details?: unknown) =>
  new ApiError(409, 'Conflict', message, undefined, details);
export const forbidden = (message: string) => new ApiError(403, 'Forbidden', message);

/** An error answer whose message has a code the console translates (src/messages/codes.ts). */
export const codedError = (status: number, code: string, message: CodedMessage, details?: unknown) =>
  new ApiError(status, code, englishText(message), undefined, details, message);

const KUBE_TO_HTTP: Partial<Record<KubeReason, number>> = {
  NotFound: 404,
  Forbidden: 403,
  Unauthorized: 502,
  Conflict: 409,
  AlreadyExists: 409,
  Invalid: 422,
  BadRequest: 400,
  TooManyRequests: 429,
  Timeout: 504,
  Unreachable: 502,
  TLSError: 502,
};

export function toApiError(e: unknown): ApiError | undefined {
  if (e instanceof ApiError) return e;
  if (e instanceof LockBusyError) return new ApiError(503, 'Busy', e.message);
  if (e instanceof KubeError) {
    const missing = missingPermission(e);
    // The cluster's identity lacks a permission: say which, so an admin knows the rule to grant.
    if (missing) return new ApiError(403, 'KubeForbidden', kubeErrorText(e), undefined, { missing });
    return new ApiError(KUBE_TO_HTTP[e.reason] ?? 502, `Kube${e.reason}`, e.message);
  }
  return undefined;
}
