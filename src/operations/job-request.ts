/**
 * A job submission as the API receives it: the body of POST /jobs checked field by field (400 naming the
 * field), targets included, with the per-operation concurrency defaults and the size limits of a job.
 */
import { badRequest } from '../errors.js';
import { parseParams, type ParsedParams } from './job-params.js';
import { JOB_OPERATIONS, type JobOperation, type JobTarget } from './job-types.js';
import { asObject, onlyKeys, parseLabelSelector, validateNodeName } from './validation.js';

export const DEFAULT_CONCURRENCY: Record<JobOperation, number> = {
  cordon: 20,
  uncordon: 20,
  labels: 20,
  taints: 20,
  template: 20,
  // Drains hold nodes out for minutes and move workloads; few at a time, as people do by hand.
  drain: 2,
  // A maintenance plan paces itself in waves (its maxUnavailable); concurrency does not apply.
  maintenance: 1,
};
export const MAX_CONCURRENCY = 50;
export const MAX_JOB_NODES = 10_000;
const MAX_TARGETS = 100;

export interface JobRequest {
  operation: JobOperation;
  targets: JobTarget[];
  params: Record<string, unknown>;
  concurrency: number;
  override: boolean;
}

export interface RequestContext {
  ip?: string;
  requestId?: string;
  /** Audit action for this submission (`job.create`, `node.drain`, `template.apply`). */
  action?: string;
}

/** Validates a POST /jobs body; 400 naming the field. */
export function parseJobRequest(body: unknown): JobRequest & { parsed: ParsedParams } {
  const o = asObject(body, '');
  onlyKeys(o, ['operation', 'targets', 'params', 'concurrency', 'override'], '');
  if (typeof o.operation !== 'string' || !(JOB_OPERATIONS as readonly string[]).includes(o.operation)) {
    throw badRequest(`operation must be one of ${JOB_OPERATIONS.join(', ')}`, 'operation');
  }
  const operation = o.operation as JobOperation;
  const targets = parseTargets(o.targets);
  const parsed = parseParams(
    operation,
    o.params ??
      (operation === 'uncordon' || operation === 'drain' || operation === 'cordon' ? {} : undefined),
  );
  let concurrency = DEFAULT_CONCURRENCY[operation];
  if (o.concurrency !== undefined && o.concurrency !== null) {
    if (
      typeof o.concurrency !== 'number' ||
      !Number.isInteger(o.concurrency) ||
      o.concurrency < 1 ||
      o.concurrency > MAX_CONCURRENCY
    ) {
      throw badRequest(`concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}`, 'concurrency');
    }
    concurrency = o.concurrency;
  }
  if (o.override !== undefined && o.override !== null && typeof o.override !== 'boolean') {
    throw badRequest('override must be true or false', 'override');
  }
  return {
    operation,
    targets,
    params: parsed.params as Record<string, unknown>,
    concurrency,
    override: o.override === true,
    parsed,
  };
}

export function parseTargets(raw: unknown, base = 'targets'): JobTarget[] {
  if (!Array.isArray(raw) || raw.length === 0)
    throw badRequest('targets must be a non-empty list of {cluster, nodes | selector}', base);
  if (raw.length > MAX_TARGETS) throw badRequest(`at most ${MAX_TARGETS} targets per job`, base);
  return raw.map((t: unknown, i): JobTarget => {
    const f = `${base}[${i}]`;
    const o = asObject(t, f);
    onlyKeys(o, ['cluster', 'nodes', 'selector'], f);
    if (typeof o.cluster !== 'string' || !o.cluster) throw badRequest('cluster is required', `${f}.cluster`);
    const hasNodes = o.nodes !== undefined && o.nodes !== null;
    const hasSelector = o.selector !== undefined && o.selector !== null;
    if (hasNodes === hasSelector) throw badRequest('give either nodes or selector', f);
    if (hasNodes) {
      if (!Array.isArray(o.nodes) || o.nodes.length === 0)
        throw badRequest('nodes must be a non-empty list of node names', `${f}.nodes`);
      if (o.nodes.length > MAX_JOB_NODES)
        throw badRequest(`at most ${MAX_JOB_NODES} nodes per job`, `${f}.nodes`);
      const nodes = o.nodes.map((n: unknown, j) => validateNodeName(n, `${f}.nodes[${j}]`));
      return { cluster: o.cluster, nodes: [...new Set(nodes)] };
    }
    if (typeof o.selector !== 'string' || o.selector.trim() === '') {
      throw badRequest(
        'selector must be a non-empty label selector (to target every node, say so, e.g. "kubernetes.io/hostname")',
        `${f}.selector`,
      );
    }
    parseLabelSelector(o.selector, `${f}.selector`);
    return { cluster: o.cluster, selector: o.selector.trim() };
  });
}
