/**
 * Templates: named, reusable label sets and taint sets. Contents are validated with the same rules as a
 * direct label/taint change; applying one is a batch job (jobs.ts, operation "template"). Storage only —
 * permission to use system label keys is checked when a template is saved and again when it is applied.
 */
import type { Kysely } from 'kysely';
import { ApiError, forbidden, notFound } from '../errors.js';
import type { Database } from '../store/schema.js';
import { isUniqueViolation } from '../store/errors.js';
import { fromJson, newId, nowIso, toJson } from '../store/values.js';
import type { TemplatesTable } from './tables.js';
import type { TemplateContent } from './intent.js';
import type { TemplateInput } from './template-input.js';

export type { TemplateInput } from './template-input.js';
import { parseWith } from './validation.js';
import { templateInputSchema } from './template-input.js';

export interface Template extends TemplateContent {
  id: string;
  name: string;
  description?: string;
  /** Who made it (or took it over); shown, never a permission by itself. */
  owner: string;
  /** The clusters it may be applied to; null = every cluster (only unrestricted users may make such one). */
  clusters: string[] | null;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
}

/** Who is acting on a template: their clusters (null = every cluster) and role. */
export interface TemplateActor {
  username: string;
  role: string;
  clusters: string[] | null;
}

/** Every cluster a template can reach is one the user may act on; a template for every cluster needs an unrestricted user. */
export function mayManageTemplate(actor: Pick<TemplateActor, 'clusters'>, scope: string[] | null): boolean {
  if (actor.clusters === null) return true;
  return scope !== null && scope.every((c) => actor.clusters!.includes(c));
}

/** A template is listed to users who may act on at least one cluster it reaches. */
export function maySeeTemplate(actor: Pick<TemplateActor, 'clusters'>, scope: string[] | null): boolean {
  return actor.clusters === null || scope === null || scope.some((c) => actor.clusters!.includes(c));
}

/** 403 when a template is applied (or previewed) on a cluster outside its scope. */
export function checkTemplateTarget(
  t: Pick<Template, 'name' | 'clusters'>,
  cluster: string,
  field: string,
): void {
  if (t.clusters === null || t.clusters.includes(cluster)) return;
  throw new ApiError(
    403,
    'Forbidden',
    `template "${t.name}" may only be applied to cluster(s) ${t.clusters.join(', ')}, not "${cluster}"`,
    field,
  );
}

/** 403 unless the user may act on every cluster of `scope` (the template's now, or the one they ask for). */
export function checkTemplateScope(actor: TemplateActor, scope: string[] | null, what: string): void {
  if (mayManageTemplate(actor, scope)) return;
  throw forbidden(
    scope === null
      ? `${what}: the template reaches every cluster and you may act on ${actor.clusters!.length ? actor.clusters!.join(', ') : 'none'} only; give "clusters" within yours`
      : `${what}: the template reaches cluster(s) ${scope.filter((c) => !actor.clusters!.includes(c)).join(', ')}, which you may not act on`,
  );
}

/** Validates a create/replace body; 400 with the field on any problem (the schema is in template-input.ts). */
export function parseTemplateInput(body: unknown): TemplateInput {
  return parseWith(templateInputSchema, body);
}

function fromRow(r: TemplatesTable): Template {
  const labels = fromJson<Template['labels'] | null>(r.labels, null);
  const taints = fromJson<Template['taints'] | null>(r.taints, null);
  return {
    id: r.id,
    name: r.name,
    ...(r.description ? { description: r.description } : {}),
    ...(labels ? { labels } : {}),
    ...(taints ? { taints } : {}),
    owner: r.owner ?? r.created_by,
    clusters: fromJson<string[] | null>(r.clusters, null),
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedBy: r.updated_by,
    updatedAt: r.updated_at,
  };
}

const duplicate = (name: string) =>
  new ApiError(409, 'Conflict', `a template named "${name}" already exists`, 'name');

export class TemplateStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Templates the user may see (see maySeeTemplate); all of them without `actor`. */
  async list(actor?: Pick<TemplateActor, 'clusters'>): Promise<Template[]> {
    const rows = await this.db.selectFrom('templates').selectAll().orderBy('name').execute();
    return rows.map(fromRow).filter((t) => !actor || maySeeTemplate(actor, t.clusters));
  }

  /** One template as the user may see it: 404 when it reaches none of their clusters. */
  async getFor(actor: Pick<TemplateActor, 'clusters'>, id: string): Promise<Template> {
    const t = await this.get(id);
    if (!maySeeTemplate(actor, t.clusters)) throw notFound(`template "${id}" not found`);
    return t;
  }

  async get(id: string): Promise<Template> {
    const row = await this.db.selectFrom('templates').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`template "${id}" not found`);
    return fromRow(row);
  }

  async create(input: TemplateInput, by: string): Promise<Template> {
    const at = nowIso(this.now());
    const row: TemplatesTable = {
      id: newId(),
      name: input.name,
      description: input.description ?? null,
      labels: input.labels ? toJson(input.labels) : null,
      taints: input.taints ? toJson(input.taints) : null,
      owner: by,
      clusters: input.clusters ? toJson(input.clusters) : null,
      created_by: by,
      created_at: at,
      updated_by: by,
      updated_at: at,
    };
    try {
      await this.db.insertInto('templates').values(row).execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw duplicate(input.name);
      throw e;
    }
    return fromRow(row);
  }

  /** Replaces a template's contents (PUT semantics). */
  async replace(id: string, input: TemplateInput, by: string): Promise<Template> {
    const at = nowIso(this.now());
    try {
      const res = await this.db
        .updateTable('templates')
        .set({
          name: input.name,
          description: input.description ?? null,
          labels: input.labels ? toJson(input.labels) : null,
          taints: input.taints ? toJson(input.taints) : null,
          clusters: input.clusters ? toJson(input.clusters) : null,
          updated_by: by,
          updated_at: at,
        })
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw notFound(`template "${id}" not found`);
    } catch (e) {
      if (isUniqueViolation(e)) throw duplicate(input.name);
      throw e;
    }
    return this.get(id);
  }

  async remove(id: string): Promise<Template> {
    const t = await this.get(id);
    await this.db.deleteFrom('templates').where('id', '=', id).execute();
    return t;
  }
}
