/**
 * An audit entry as a sentence a person reads ("alice removed cluster prod-eu", "bob cordoned 12 nodes in
 * prod: kernel"), built from its action, target and outcome. Entries the server recorded under a route template
 * ("DELETE /api/v1/clusters/:name") are mapped by method and resource; anything unknown falls back to the
 * action itself, so a new action is never hidden.
 */
import type { AuditEntry } from '../api/types';

export interface Sentence {
  /** i18n key under `audit.say`. */
  key: string;
  params: Record<string, string | number>;
}

const NODE_OPS = new Set(['cordon', 'uncordon', 'labels', 'taints', 'drain']);

const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** The nodes an entry is about: named ones, or a finished job's per-node results. */
export const entryNodes = (e: AuditEntry): string[] =>
  e.nodes.length ? e.nodes : (e.results ?? []).map((r) => r.name);

/** `template.create`-style action for an entry recorded under `METHOD /api/v1/...` (or the action as is). */
export function normaliseAction(e: AuditEntry): { action: string; name: string } {
  const m = /^(POST|PUT|PATCH|DELETE) \/api\/v1\/([a-z-]+)(\/:[a-zA-Z]+)?(?:\/([a-z-]+))?/.exec(e.action);
  const p = obj(e.params);
  const routeParams = obj(p.params);
  const body = obj(p.body);
  if (!m) return { action: e.action, name: str(p.name) || str(obj(p.params).name) };
  const [, method, resource, idPart, sub] = m;
  const singular = resource!.replace(/s$/, '');
  const name =
    str(routeParams.name) || str(routeParams.id) || str(body.name) || str(body.username) || str(body.url);
  let verb: string;
  if (sub && idPart) verb = sub;
  else if (method === 'POST') verb = idPart ? 'update' : 'create';
  else if (method === 'DELETE') verb = 'delete';
  else verb = 'update';
  return { action: `${singular}.${verb}`, name };
}

export function auditSentence(e: AuditEntry): Sentence {
  const user = e.user ?? '–';
  const cluster = e.cluster ?? '';
  const nodes = entryNodes(e);
  const p = obj(e.params);
  const { action, name } = normaliseAction(e);
  const [group, verb = ''] = action.split('.');

  // A node change, one node (node.cordon) or a batch (job.cordon): "bob cordoned 12 nodes in prod: kernel".
  const op = group === 'node' || group === 'job' ? verb : '';
  if (NODE_OPS.has(op)) {
    const inner = obj(p.params);
    const reason = str(p.reason) || str(inner.reason) || str(obj(p.body).reason);
    const target = nodes.length === 1 ? nodes[0]! : '';
    return {
      key: `${op}${target ? 'One' : 'Many'}${reason ? 'Reason' : ''}`,
      params: { user, cluster: cluster || '–', node: target, n: nodes.length, reason },
    };
  }
  if (action === 'job.cancel') return { key: 'jobCancel', params: { user, name: str(p.job) || name } };
  if (action === 'auth.login')
    return { key: e.outcome === 'success' ? 'login' : 'loginFailed', params: { user } };
  if (action === 'auth.logout') return { key: 'logout', params: { user } };
  if (action === 'auth.password') return { key: 'password', params: { user } };
  if (action === 'auth.lockout') return { key: 'lockout', params: { user } };

  const KNOWN_GROUPS = ['cluster', 'user', 'token', 'template', 'webhook', 'maintenance'];
  const KNOWN_VERBS = ['create', 'update', 'delete', 'apply'];
  if (KNOWN_GROUPS.includes(group!) && KNOWN_VERBS.includes(verb)) {
    return {
      key: `${verb}`,
      params: { user, what: group!, name: name || cluster || '', n: nodes.length, cluster: cluster || '–' },
    };
  }
  return { key: 'other', params: { user, action: e.action } };
}

/** Details as label/value rows: what was asked and what came of it, without the raw envelope. */
export function auditDetails(e: AuditEntry): { key: string; value: string }[] {
  const rows: { key: string; value: string }[] = [];
  const add = (key: string, v: unknown) => {
    if (v === undefined || v === null || v === '') return;
    if (typeof v === 'object' && !Array.isArray(v) && !Object.keys(v).length) return;
    rows.push({ key, value: typeof v === 'string' ? v : JSON.stringify(v) });
  };
  const flatten = (prefix: string, v: unknown) => {
    const o = obj(v);
    if (Object.keys(o).length && prefix.split('.').length < 3)
      for (const [k, x] of Object.entries(o)) flatten(prefix ? `${prefix}.${k}` : k, x);
    else add(prefix, v);
  };
  flatten('', e.params ?? {});
  add('status', e.status);
  add('ip', e.ip);
  add('requestId', e.requestId);
  for (const r of e.results ?? [])
    add(`result.${r.name}`, r.message ? `${r.outcome}: ${r.message}` : r.outcome);
  return rows;
}
