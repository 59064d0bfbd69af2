/**
 * The one place Kubernetes failures become typed errors. Everything above the client edge reasons about
 * `KubeError.reason`, never about raw HTTP codes or transport error strings.
 */
export type KubeReason =
  | 'NotFound'
  | 'Conflict'
  | 'AlreadyExists'
  | 'Forbidden'
  | 'Unauthorized'
  | 'TooManyRequests'
  | 'Gone'
  | 'Invalid'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'Timeout'
  | 'Unreachable'
  | 'TLSError'
  | 'InternalError'
  /** The answer broke a bound of limits.ts (size, objects per page, JSON containers). */
  | 'ResponseTooLarge'
  /** A 2xx answer that is not JSON of a sane shape (HTML, wrong content type, invalid or too deep JSON). */
  | 'MalformedResponse'
  /** A WATCH stream that broke the protocol: a line over the bound, invalid JSON, not a watch event. */
  | 'MalformedWatch'
  | 'Unknown';

/** Reasons that mean the server sent something no Kubernetes API server would: counted and bulkheaded. */
export const UNTRUSTED_ANSWER_REASONS: ReadonlySet<KubeReason> = new Set<KubeReason>([
  'ResponseTooLarge',
  'MalformedResponse',
  'MalformedWatch',
]);

export interface KubeStatus {
  kind?: string;
  apiVersion?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: unknown;
}

export class KubeError extends Error {
  constructor(
    readonly reason: KubeReason,
    message: string,
    readonly code: number,
    readonly status?: KubeStatus,
    /** Seconds the server asked us to wait (Retry-After), e.g. on 429. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'KubeError';
  }
}

const BY_CODE: Record<number, KubeReason> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Gone',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  504: 'Timeout',
};

const MAX_MESSAGE = 1000;

const KNOWN = new Set<string>([...Object.values(BY_CODE), 'AlreadyExists', 'Expired']);

export function errorFromStatus(code: number, body: unknown, retryAfter?: string | null): KubeError {
  const st = (body && typeof body === 'object' ? body : {}) as KubeStatus;
  let reason: KubeReason = BY_CODE[code] ?? 'Unknown';
  if (st.reason === 'AlreadyExists') reason = 'AlreadyExists';
  else if (st.reason === 'Expired' || st.reason === 'Gone') reason = 'Gone';
  else if (st.reason && KNOWN.has(st.reason)) reason = st.reason as KubeReason;
  // Even a genuine Status is the server's text: keep it to one readable line's worth.
  const raw = typeof st.message === 'string' && st.message ? st.message : `HTTP ${code}`;
  const message = raw.length > MAX_MESSAGE ? `${raw.slice(0, MAX_MESSAGE)}… (truncated)` : raw;
  const ra = retryAfter ? Number(retryAfter) : undefined;
  return new KubeError(
    reason,
    message,
    code,
    st.kind === 'Status' ? st : undefined,
    Number.isFinite(ra) ? ra : undefined,
  );
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** Transport-level failures: no HTTP answer at all. */
export function errorFromTransport(err: unknown, what: string): KubeError {
  const e = err as NodeJS.ErrnoException & { code?: string };
  if (e instanceof KubeError) return e;
  if (e?.name === 'AbortError' || e?.code === 'ETIMEDOUT' || e?.code === 'KNM_TIMEOUT') {
    return new KubeError('Timeout', `${what}: timed out`, 0);
  }
  if (e?.code && (TLS_CODES.has(e.code) || e.code.startsWith('ERR_TLS') || e.code.startsWith('ERR_SSL'))) {
    return new KubeError('TLSError', `${what}: TLS verification failed (${e.code}): ${e.message}`, 0);
  }
  return new KubeError('Unreachable', `${what}: ${e?.code ?? ''} ${e?.message ?? String(err)}`.trim(), 0);
}

export const isKubeError = (e: unknown, reason?: KubeReason): e is KubeError =>
  e instanceof KubeError && (reason === undefined || e.reason === reason);
