/**
 * What a replica needs to carry on a job another replica started: the submitter's rights as admitted, the
 * parsed parameters and, for a template job, the contents it applies — all from the stored row, never from
 * the process that died. Also what is recorded about the submitter at admission (`actorRecord`).
 *
 * Resuming is safe because every operation is an intent: cordon, labels, taints and templates re-applied to a
 * node that already has them change nothing (`unchanged`), and a drain cordons again and re-lists the node's
 * pods, so it evicts only what is still there.
 */
import type { Role } from '../auth/identity.js';
import { fromJson } from '../store/values.js';
import { parseParams, type ParsedParams } from './job-params.js';
import type { JobOperation } from './job-types.js';
import type { Actor } from './actor.js';
import type { TemplateContent } from './intent.js';
import type { JobsTable } from './tables.js';

export interface ResumePlan {
  actor: Actor;
  parsed: ParsedParams;
  template?: TemplateContent;
}

/**
 * The submitter as stored with the job: the Actor's fields and any grant (`can…` flag) later parts add, so an
 * adopter acts with exactly the rights the job was admitted with. Nothing else of the caller is kept.
 */
export function actorRecord(actor: Actor): Record<string, unknown> {
  const out: Record<string, unknown> = {
    username: actor.username,
    role: actor.role,
    clusters: actor.clusters,
  };
  for (const [k, v] of Object.entries(actor)) if (/^can[A-Z]/.test(k) && typeof v === 'boolean') out[k] = v;
  // An adopted job still acts as its submitter on clusters that act as the signed-in user.
  if (actor.source) out.source = actor.source;
  if (actor.groups) out.groups = actor.groups;
  return out;
}

function storedActor(row: JobsTable, params: Record<string, unknown>): Actor {
  const raw = fromJson<Record<string, unknown> | null>(row.actor, null);
  if (raw && typeof raw.username === 'string' && typeof raw.role === 'string') {
    const clusters = Array.isArray(raw.clusters)
      ? raw.clusters.filter((c): c is string => typeof c === 'string')
      : null;
    return {
      ...raw,
      username: raw.username,
      role: raw.role as Role,
      clusters,
      canOverrideGuard: raw.canOverrideGuard === true,
      canOverrideSystemLabels: raw.canOverrideSystemLabels === true,
      source: raw.source === 'oidc' || raw.source === 'ldap' ? raw.source : 'local',
      groups: Array.isArray(raw.groups) ? raw.groups.filter((g): g is string => typeof g === 'string') : [],
    };
  }
  // A job written before the submitter was recorded: what its admission must have allowed.
  return {
    username: row.created_by,
    role: 'operator',
    clusters: fromJson<string[]>(row.clusters, []),
    canOverrideGuard: row.override === 1,
    canOverrideSystemLabels: params.allowSystem === true,
  };
}

/** Throws (a 400-style ApiError) when the stored parameters no longer parse; the caller then gives up. */
export function resumePlan(row: JobsTable): ResumePlan {
  const params = fromJson<Record<string, unknown>>(row.params, {});
  const operation = row.operation as JobOperation;
  const actor = storedActor(row, params);
  if (operation === 'template') {
    // The job kept the contents it applies (jobs.ts accept()); the template itself may have changed since.
    const template: TemplateContent = {};
    if (params.labels) template.labels = params.labels as TemplateContent['labels'];
    if (params.taints) template.taints = params.taints as TemplateContent['taints'];
    return {
      actor,
      parsed: parseParams('template', { templateId: params.templateId }),
      template,
    };
  }
  return { actor, parsed: parseParams(operation, params) };
}
