/**
 * Kubernetes `Status` failure bodies, worded like k8s.io/apimachinery/pkg/api/errors so clients that match on
 * reason, code or message behave the same against the simulator and a real API server.
 */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A Status to send as the HTTP answer; thrown by handlers and caught by the router. */
export class StatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = 'StatusError';
  }
  get code(): number {
    return this.status.code;
  }
}

/** Resource as the API names it in messages: `nodes`, `poddisruptionbudgets.policy`. */
export interface GroupResource {
  group: string;
  resource: string;
}

const qualified = (gr: GroupResource): string => (gr.group ? `${gr.resource}.${gr.group}` : gr.resource);

function details(gr: GroupResource | undefined, name?: string): StatusDetails {
  const d: StatusDetails = {};
  if (name) d.name = name;
  if (gr?.group) d.group = gr.group;
  if (gr?.resource) d.kind = gr.resource;
  return d;
}

export function failure(
  code: number,
  reason: string | undefined,
  message: string,
  det?: StatusDetails,
): StatusError {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code };
  if (reason) s.reason = reason;
  if (det) s.details = det;
  // Keep the wire field order of metav1.Status: ..., message, reason, details, code.
  const ordered: Status = {
    kind: s.kind,
    apiVersion: s.apiVersion,
    metadata: s.metadata,
    status: s.status,
    message: s.message,
    ...(s.reason ? { reason: s.reason } : {}),
    ...(s.details ? { details: s.details } : {}),
    code: s.code,
  };
  return new StatusError(ordered);
}

export const notFound = (gr: GroupResource, name: string): StatusError =>
  failure(404, 'NotFound', `${qualified(gr)} "${name}" not found`, details(gr, name));

export const alreadyExists = (gr: GroupResource, name: string): StatusError =>
  failure(409, 'AlreadyExists', `${qualified(gr)} "${name}" already exists`, details(gr, name));

export const OPTIMISTIC_LOCK_MSG =
  'the object has been modified; please apply your changes to the latest version and try again';

export const conflict = (gr: GroupResource, name: string, why: string = OPTIMISTIC_LOCK_MSG): StatusError =>
  failure(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${why}`,
    details(gr, name),
  );

/** The storage-layer precondition failure text the real server wraps into a Conflict. */
export function preconditionConflict(
  gr: GroupResource,
  name: string,
  key: string,
  what: string,
): StatusError {
  return conflict(
    gr,
    name,
    `StorageError: invalid object, Code: 4, Key: ${key}, ResourceVersion: 0, AdditionalErrorMsg: ${what}`,
  );
}

export function forbidden(gr: GroupResource | undefined, name: string, why: string): StatusError {
  let message: string;
  if (!gr || !gr.resource) message = `forbidden: ${why}`;
  else if (!name) message = `${qualified(gr)} is forbidden: ${why}`;
  else message = `${qualified(gr)} "${name}" is forbidden: ${why}`;
  return failure(403, 'Forbidden', message, details(gr, name));
}

export const unauthorized = (): StatusError => failure(401, 'Unauthorized', 'Unauthorized');

export const badRequest = (message: string): StatusError => failure(400, 'BadRequest', message);

export const gone = (message: string): StatusError => failure(410, 'Gone', message);

export const expired = (message: string): StatusError => failure(410, 'Expired', message);

export function tooManyRequests(
  message: string,
  retryAfterSeconds: number,
  causes?: StatusCause[],
): StatusError {
  const d: StatusDetails = {};
  if (causes?.length) d.causes = causes;
  if (retryAfterSeconds) d.retryAfterSeconds = retryAfterSeconds;
  return failure(429, 'TooManyRequests', message, d);
}

export const methodNotSupported = (gr: GroupResource, action: string): StatusError =>
  failure(405, 'MethodNotAllowed', `${action} is not supported on resources of kind "${qualified(gr)}"`, {
    ...(gr.group ? { group: gr.group } : {}),
    kind: gr.resource,
  });

export const resourceNotFound = (): StatusError =>
  failure(404, 'NotFound', 'the server could not find the requested resource', {});

export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

export const unsupportedMediaType = (accepted: string[]): StatusError =>
  failure(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );

export function timeoutError(
  message: string,
  retryAfterSeconds: number,
  causes?: StatusCause[],
): StatusError {
  const d: StatusDetails = {};
  if (causes) d.causes = causes;
  if (retryAfterSeconds) d.retryAfterSeconds = retryAfterSeconds;
  return failure(504, 'Timeout', `Timeout: ${message}`, d);
}

export const internalError = (message: string): StatusError =>
  failure(500, 'InternalError', `Internal error occurred: ${message}`, {
    causes: [{ message }],
  });

/** Field-level validation failure, as `errors.NewInvalid` renders it. */
export interface FieldError {
  type:
    | 'FieldValueInvalid'
    | 'FieldValueRequired'
    | 'FieldValueNotSupported'
    | 'FieldValueDuplicate'
    | 'FieldValueForbidden';
  field: string;
  /** Rendered "Invalid value: ..." part including detail (ErrorBody). */
  body: string;
}

export function invalid(kind: string, group: string, name: string, errs: FieldError[]): StatusError {
  const seen = new Set<string>();
  const msgs: string[] = [];
  for (const e of errs) {
    const m = `${e.field}: ${e.body}`;
    if (!seen.has(m)) {
      seen.add(m);
      msgs.push(m);
    }
  }
  const qk = group ? `${kind}.${group}` : kind;
  const agg = msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`;
  const d: StatusDetails = { name, ...(group ? { group } : {}), kind };
  d.causes = errs.map((e) => ({ reason: e.type, message: e.body, field: e.field }));
  if (!name) delete d.name;
  return failure(422, 'Invalid', `${qk} "${name}" is invalid: ${agg}`, d);
}

/** The generic answer the real server gives when a JSON patch cannot be applied (e.g. a failed `test`). */
export const unprocessablePatch = (): StatusError =>
  failure(422, 'Invalid', 'the server rejected our request due to an error in our request', {});

/** Go's %q for the ASCII strings the simulator deals with. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}
