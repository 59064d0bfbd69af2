/**
 * Webhook endpoints and their recent deliveries in the store. The URL and the signing secret are sealed with
 * the SecretBox (bound to the endpoint's id), so a database dump shows neither; reads for the API return the
 * display form only, and `resolve` opens them for the sender alone.
 */
import type { Kysely } from 'kysely';
import { conflict, notFound } from '../errors.js';
import type { SecretBox } from '../clusters/crypto.js';
import type { Database } from '../store/schema.js';
import { fromJson, newId, nowIso, toJson } from '../store/values.js';
import { isUniqueViolation } from '../store/errors.js';
import type { WebhookDeliveriesTable, WebhooksTable } from './tables.js';
import type {
  DeliveryStatus,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEvent,
  WebhookFormat,
} from './types.js';
import './tables.js';

/** Deliveries kept per endpoint (older ones are removed as new ones are recorded). */
export const DELIVERIES_KEPT = 50;

export interface EndpointInput {
  name: string;
  url: URL;
  urlDisplay: string;
  format: WebhookFormat;
  events: WebhookEvent[];
  clusters: string[] | null;
  debounceMs: number;
  secret: string | null;
  enabled: boolean;
}

/** An endpoint as the sender needs it: URL and secret opened. Never handed to the HTTP layer. */
export interface ResolvedEndpoint {
  id: string;
  name: string;
  url: string;
  host: string;
  format: WebhookFormat;
  events: WebhookEvent[];
  clusters: string[] | null;
  debounceMs: number;
  secret?: string;
  enabled: boolean;
}

const urlContext = (id: string) => `webhook-url:${id}`;
const secretContext = (id: string) => `webhook-secret:${id}`;

function toEndpoint(r: WebhooksTable): WebhookEndpoint {
  return {
    id: r.id,
    name: r.name,
    url: r.url_display,
    host: r.host,
    format: r.format as WebhookFormat,
    events: fromJson<WebhookEvent[]>(r.events, []),
    clusters: fromJson<string[] | null>(r.clusters, null),
    debounceSeconds: Math.round(r.debounce_ms / 1000),
    hasSecret: r.secret_enc !== null,
    enabled: r.enabled === 1,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toDelivery(r: WebhookDeliveriesTable): WebhookDelivery {
  const d: WebhookDelivery = {
    id: r.id,
    endpointId: r.endpoint_id,
    event: r.event as WebhookDelivery['event'],
    summary: r.summary,
    status: r.status as DeliveryStatus,
    attempts: r.attempts,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
  if (r.response_code !== null) d.responseCode = r.response_code;
  if (r.error !== null) d.error = r.error;
  return d;
}

export class WebhookStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretBox,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async list(): Promise<WebhookEndpoint[]> {
    const rows = await this.db.selectFrom('webhooks').selectAll().orderBy('name').execute();
    const out = rows.map(toEndpoint);
    for (const e of out) {
      const last = await this.db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('endpoint_id', '=', e.id)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (last) e.lastDelivery = toDelivery(last);
    }
    return out;
  }

  async get(id: string): Promise<WebhookEndpoint> {
    const r = await this.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound(`webhook "${id}" not found`);
    return toEndpoint(r);
  }

  /**
   * Every enabled endpoint with its URL and secret opened, for the sender. One that cannot be opened (the
   * secret key changed) is left out and named to `unreadable`.
   */
  async resolveAll(
    unreadable?: (name: string, err: Error) => void,
    includeDisabled = false,
  ): Promise<ResolvedEndpoint[]> {
    let q = this.db.selectFrom('webhooks').selectAll();
    if (!includeDisabled) q = q.where('enabled', '=', 1);
    const rows = await q.execute();
    const out: ResolvedEndpoint[] = [];
    for (const r of rows) {
      try {
        out.push(this.resolve(r));
      } catch (e) {
        unreadable?.(r.name, e as Error);
      }
    }
    return out;
  }

  private resolve(r: WebhooksTable): ResolvedEndpoint {
    return {
      id: r.id,
      name: r.name,
      url: this.secrets.open(r.url_enc, urlContext(r.id)),
      host: r.host,
      format: r.format as WebhookFormat,
      events: fromJson<WebhookEvent[]>(r.events, []),
      clusters: fromJson<string[] | null>(r.clusters, null),
      debounceMs: r.debounce_ms,
      ...(r.secret_enc ? { secret: this.secrets.open(r.secret_enc, secretContext(r.id)) } : {}),
      enabled: r.enabled === 1,
    };
  }

  async create(input: EndpointInput, by: string): Promise<WebhookEndpoint> {
    const id = newId();
    const at = nowIso(this.now());
    const row: WebhooksTable = {
      id,
      name: input.name,
      url_enc: this.secrets.seal(input.url.toString(), urlContext(id)),
      url_display: input.urlDisplay,
      host: input.url.host,
      format: input.format,
      events: toJson(input.events),
      clusters: input.clusters === null ? null : toJson(input.clusters),
      debounce_ms: input.debounceMs,
      secret_enc: input.secret ? this.secrets.seal(input.secret, secretContext(id)) : null,
      enabled: input.enabled ? 1 : 0,
      created_by: by,
      created_at: at,
      updated_at: at,
    };
    try {
      await this.db.insertInto('webhooks').values(row).execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`a webhook named "${input.name}" already exists`);
      throw e;
    }
    return toEndpoint(row);
  }

  /** `url`/`secret` undefined keep what is stored; `secret: null` removes it. */
  async update(
    id: string,
    patch: Partial<Omit<EndpointInput, 'url' | 'urlDisplay'>> & { url?: URL; urlDisplay?: string },
  ): Promise<WebhookEndpoint> {
    await this.get(id);
    const set: Partial<WebhooksTable> = { updated_at: nowIso(this.now()) };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.url !== undefined) {
      set.url_enc = this.secrets.seal(patch.url.toString(), urlContext(id));
      set.url_display = patch.urlDisplay!;
      set.host = patch.url.host;
    }
    if (patch.format !== undefined) set.format = patch.format;
    if (patch.events !== undefined) set.events = toJson(patch.events);
    if (patch.clusters !== undefined) set.clusters = patch.clusters === null ? null : toJson(patch.clusters);
    if (patch.debounceMs !== undefined) set.debounce_ms = patch.debounceMs;
    if (patch.secret !== undefined)
      set.secret_enc = patch.secret ? this.secrets.seal(patch.secret, secretContext(id)) : null;
    if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0;
    try {
      await this.db.updateTable('webhooks').set(set).where('id', '=', id).execute();
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`a webhook named "${patch.name}" already exists`);
      throw e;
    }
    return this.get(id);
  }

  async remove(id: string): Promise<WebhookEndpoint> {
    const e = await this.get(id);
    await this.db.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
    await this.db.deleteFrom('webhooks').where('id', '=', id).execute();
    return e;
  }

  async deliveries(endpointId: string, limit = DELIVERIES_KEPT): Promise<WebhookDelivery[]> {
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('endpoint_id', '=', endpointId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toDelivery);
  }

  async recordDelivery(d: WebhookDelivery): Promise<void> {
    await this.db
      .insertInto('webhook_deliveries')
      .values({
        id: d.id,
        endpoint_id: d.endpointId,
        event: d.event,
        summary: d.summary.slice(0, 1000),
        status: d.status,
        attempts: d.attempts,
        response_code: d.responseCode ?? null,
        error: d.error ?? null,
        created_at: d.createdAt,
        updated_at: d.updatedAt,
      })
      .execute();
    const old = await this.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('endpoint_id', '=', d.endpointId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .offset(DELIVERIES_KEPT)
      .limit(1000)
      .execute();
    if (old.length)
      await this.db
        .deleteFrom('webhook_deliveries')
        .where(
          'id',
          'in',
          old.map((r) => r.id),
        )
        .execute();
  }

  async updateDelivery(
    id: string,
    d: Pick<WebhookDelivery, 'status' | 'attempts' | 'responseCode' | 'error' | 'updatedAt'>,
  ): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({
        status: d.status,
        attempts: d.attempts,
        response_code: d.responseCode ?? null,
        error: d.error ?? null,
        updated_at: d.updatedAt,
      })
      .where('id', '=', id)
      .execute();
  }
}
