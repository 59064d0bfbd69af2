/**
 * Query-string parameters of the node list routes → NodeQuery, validated. Every refusal names the parameter
 * (QueryError.field) so the API can answer 400 with `field`. `nodeQuerySchema` is the routes' querystring schema:
 * it bounds each parameter (and documents it), then parses with `parseNodeQuery`.
 */
import { z } from 'zod';
import { parseLabelSelector, SelectorError } from '../kube/selector.js';
import { ConditionFilterError, parseConditionFilter } from './condition-filter.js';
import { QueryError, type NodeQuery } from './query.js';
import { parseSort, SORT_FIELD_NAMES, SORT_RESOURCE_HINT } from './sort.js';
import { parseTaintFilter, TaintFilterError } from './taint-filter.js';
import type { NodeStatus } from './types.js';
import { parseUsageFilter, UsageFilterError } from './usage-filter.js';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;
const STATUSES: NodeStatus[] = ['Ready', 'NotReady', 'Unknown'];
const KNOWN = new Set([
  'search',
  'status',
  'schedulable',
  'role',
  'labelSelector',
  'taint',
  'condition',
  'usage',
  'sort',
  'limit',
  'continue',
  'cluster',
]);

function one(params: Record<string, unknown>, name: string): string | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw new QueryError(name, `give "${name}" once`);
  if (typeof v !== 'string') throw new QueryError(name, `"${name}" must be a string`);
  return v;
}

export function parseNodeQuery(params: Record<string, unknown>): NodeQuery & { clusters?: string[] } {
  for (const k of Object.keys(params))
    if (!KNOWN.has(k)) throw new QueryError(k, `unknown query parameter "${k}"`);
  const q: NodeQuery & { clusters?: string[] } = { limit: DEFAULT_LIMIT };

  const search = one(params, 'search');
  if (search !== undefined) {
    if (search.length > 253) throw new QueryError('search', 'search text is longer than 253 characters');
    if (search.trim()) q.search = search.trim();
  }

  const status = one(params, 'status');
  if (status !== undefined && status.trim()) {
    const list = status
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const s of list) {
      if (!(STATUSES as string[]).includes(s))
        throw new QueryError('status', `unknown status "${s}": use ${STATUSES.join(', ')}`);
    }
    q.status = list as NodeStatus[];
  }

  const sched = one(params, 'schedulable');
  if (sched !== undefined && sched !== '') {
    if (sched !== 'true' && sched !== 'false')
      throw new QueryError('schedulable', 'schedulable must be true or false');
    q.schedulable = sched === 'true';
  }

  const role = one(params, 'role');
  if (role !== undefined && role.trim()) q.role = role.trim();

  const sel = one(params, 'labelSelector');
  if (sel !== undefined) {
    try {
      const reqs = parseLabelSelector(sel);
      if (reqs.length) q.selector = reqs;
    } catch (e) {
      if (e instanceof SelectorError) throw new QueryError('labelSelector', e.message);
      throw e;
    }
  }

  const taint = one(params, 'taint');
  if (taint !== undefined) {
    try {
      const f = parseTaintFilter(taint);
      if (f.length) q.taints = f;
    } catch (e) {
      if (e instanceof TaintFilterError) throw new QueryError('taint', e.message);
      throw e;
    }
  }

  const condition = one(params, 'condition');
  if (condition !== undefined) {
    try {
      const f = parseConditionFilter(condition);
      if (f.length) q.conditions = f;
    } catch (e) {
      if (e instanceof ConditionFilterError) throw new QueryError('condition', e.message);
      throw e;
    }
  }

  const usage = one(params, 'usage');
  if (usage !== undefined) {
    try {
      const f = parseUsageFilter(usage);
      if (f.length) q.usage = f;
    } catch (e) {
      if (e instanceof UsageFilterError) throw new QueryError('usage', e.message);
      throw e;
    }
  }

  const sort = one(params, 'sort');
  if (sort !== undefined && sort !== '') {
    const s = parseSort(sort);
    if (!s)
      throw new QueryError(
        'sort',
        `cannot sort by "${sort}": use one of ${SORT_FIELD_NAMES.join(', ')} (prefix - for descending; ${SORT_RESOURCE_HINT})`,
      );
    q.sort = s;
  }

  const limit = one(params, 'limit');
  if (limit !== undefined && limit !== '') {
    if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT) {
      throw new QueryError('limit', `limit must be a whole number from 1 to ${MAX_LIMIT}`);
    }
    q.limit = Number(limit);
  }

  const cont = one(params, 'continue');
  if (cont) {
    if (cont.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(cont))
      throw new QueryError('continue', 'malformed continue token');
    q.continue = cont;
  }

  const cluster = one(params, 'cluster');
  if (cluster !== undefined && cluster.trim()) {
    q.clusters = [
      ...new Set(
        cluster
          .split(',')
          .map((c) => c.trim())
          .filter(Boolean),
      ),
    ];
  }
  return q;
}

/** Longest value each parameter takes (generous: a bound on work, not a rule of the filter languages). */
const PARAMETER_MAX: Record<string, number> = {
  search: 253,
  status: 200,
  schedulable: 5,
  role: 317,
  labelSelector: 8192,
  taint: 8192,
  condition: 8192,
  usage: 8192,
  sort: 200,
  limit: 12,
  continue: 2048,
  cluster: 10_000,
};

const parameter = (name: string) =>
  z
    .string({ error: `give "${name}" once` })
    .max(PARAMETER_MAX[name] ?? 253, {
      error: `"${name}" is longer than ${PARAMETER_MAX[name] ?? 253} characters`,
    })
    .optional();

/** The node list's query string: each known parameter once, bounded, then parsed into a NodeQuery. */
export const nodeQuerySchema = z
  .strictObject(Object.fromEntries([...KNOWN].map((k) => [k, parameter(k)])), {
    error: (iss) =>
      iss.code === 'unrecognized_keys' ? `unknown query parameter "${String(iss.keys[0])}"` : undefined,
  })
  .transform((params, ctx) => {
    try {
      return parseNodeQuery(params);
    } catch (e) {
      if (!(e instanceof QueryError)) throw e;
      ctx.addIssue({ code: 'custom', path: e.field ? [e.field] : [], message: e.message });
      return z.NEVER;
    }
  });
