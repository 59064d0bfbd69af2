/** Request accounting and injected failures, so tests can count API calls and make chosen calls fail. */
import { failure, type StatusError } from '../status.js';

export interface FailureRule {
  /** Kubernetes verb (get, list, watch, create, update, patch, delete, deletecollection) or HTTP method. */
  verb?: string;
  /** Resource, optionally with subresource: `nodes`, `nodes/status`, `pods/eviction`. */
  resource?: string;
  name?: string;
  namespace?: string;
  status: number;
  /** How many matching requests fail; unlimited when omitted. */
  times?: number;
  message?: string;
  /** Delay before answering (to exercise client timeouts); the failure is still sent afterwards. */
  delayMs?: number;
}

export interface RequestInfo {
  verb: string;
  /** `nodes`, `pods/eviction`, or '' for non-resource paths. */
  resource: string;
  name?: string;
  namespace?: string;
  method: string;
}

const METHOD_VERBS: Record<string, string[]> = {
  GET: ['get', 'list', 'watch'],
  POST: ['create'],
  PUT: ['update'],
  PATCH: ['patch'],
  DELETE: ['delete', 'deletecollection'],
};

function verbMatches(ruleVerb: string | undefined, info: RequestInfo): boolean {
  if (!ruleVerb) return true;
  const v = ruleVerb.toLowerCase();
  if (v === info.verb) return true;
  const byMethod = METHOD_VERBS[ruleVerb.toUpperCase()];
  return ruleVerb === ruleVerb.toUpperCase() && !!byMethod && byMethod.includes(info.verb);
}

const REASONS: Record<number, [string, string]> = {
  400: ['BadRequest', 'the server rejected our request for an unknown reason'],
  401: ['Unauthorized', 'Unauthorized'],
  403: ['Forbidden', 'forbidden'],
  404: ['NotFound', 'the server could not find the requested resource'],
  409: ['Conflict', 'the server reported a conflict'],
  410: ['Expired', 'the resource version is too old'],
  422: ['Invalid', 'the server rejected our request due to an error in our request'],
  429: ['TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
  500: ['InternalError', 'Internal error occurred: injected failure'],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: [
    'Timeout',
    'the server was unable to return a response in the time allotted, but may still be processing the request',
  ],
};

export class FaultInjector {
  private rules: (FailureRule & { left: number })[] = [];

  add(rule: FailureRule): void {
    this.rules.push({ ...rule, left: rule.times ?? Infinity });
  }

  clear(): void {
    this.rules = [];
  }

  /** The failure for this request, consuming one use of the matching rule. */
  take(info: RequestInfo): { error: StatusError; delayMs: number } | undefined {
    for (const r of this.rules) {
      if (r.left <= 0) continue;
      if (!verbMatches(r.verb, info)) continue;
      if (r.resource !== undefined && r.resource !== info.resource) continue;
      if (r.name !== undefined && r.name !== info.name) continue;
      if (r.namespace !== undefined && r.namespace !== info.namespace) continue;
      r.left--;
      const [reason, dflt] = REASONS[r.status] ?? ['', `injected failure (${r.status})`];
      const details = info.name ? { name: info.name, kind: info.resource.split('/')[0] } : undefined;
      return {
        error: failure(r.status, reason || undefined, r.message ?? dflt, details),
        delayMs: r.delayMs ?? 0,
      };
    }
    return undefined;
  }
}

export class RequestCounter {
  private readonly counts = new Map<string, number>();

  record(info: RequestInfo): void {
    const k = `${info.verb} ${info.resource}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }

  count(filter: { verb?: string; resource?: string } = {}): number {
    let n = 0;
    for (const [k, c] of this.counts) {
      const [verb, resource] = k.split(' ') as [string, string];
      if (filter.verb && !verbMatches(filter.verb, { verb, resource, method: '' })) continue;
      if (filter.resource !== undefined && filter.resource !== resource) continue;
      n += c;
    }
    return n;
  }

  reset(): void {
    this.counts.clear();
  }
}
