/**
 * Managing webhooks (admins): input rules, and an audit entry for every change that names the host but never
 * the URL (chat webhooks carry their token in it) nor the secret. Bad input is refused before anything is
 * stored.
 */
import { z } from 'zod';
import type { AuditLog } from '../audit/log.js';
import { ApiError } from '../errors.js';
import { parse } from '../auth/validate.js';
import type { Notifier, NotifierStatus } from './notifier.js';
import type { EndpointInput, WebhookStore } from './store.js';
import { WEBHOOK_EVENTS, WEBHOOK_FORMATS, type WebhookDelivery, type WebhookEndpoint } from './types.js';
import { displayUrl, parseWebhookUrl } from './url.js';

export const DEFAULT_DEBOUNCE_SECONDS = 60;
/** What each change answers when it succeeds, as its audit entry says. */
const SUCCESS_STATUS: Record<string, number> = {
  'webhook.create': 201,
  'webhook.delete': 204,
  'webhook.test': 202,
};
export const MAX_DEBOUNCE_SECONDS = 3600;

const fields = {
  name: z.string().trim().min(1).max(100),
  url: z.string().max(2048),
  format: z.enum(WEBHOOK_FORMATS),
  events: z
    .array(z.enum(WEBHOOK_EVENTS))
    .min(1, 'choose at least one event')
    .max(WEBHOOK_EVENTS.length * 2),
  clusters: z.array(z.string().min(1).max(253)).max(200).nullable(),
  debounceSeconds: z.number().int().min(0).max(MAX_DEBOUNCE_SECONDS),
  secret: z.string().min(8, 'must be at least 8 characters').max(512).nullable(),
  enabled: z.boolean(),
};
export const webhookCreateSchema = z.strictObject({
  ...fields,
  clusters: fields.clusters.optional(),
  debounceSeconds: fields.debounceSeconds.optional(),
  secret: fields.secret.optional(),
  enabled: fields.enabled.optional(),
});
export const webhookUpdateSchema = z.strictObject(fields).partial();

export interface Who {
  username: string;
  ip?: string;
  requestId?: string;
}

export class WebhookAdmin {
  constructor(
    private readonly store: WebhookStore,
    private readonly notifier: Notifier,
    private readonly audit?: Pick<AuditLog, 'record'>,
  ) {}

  async list(): Promise<{ items: WebhookEndpoint[]; status: NotifierStatus }> {
    return { items: await this.store.list(), status: this.notifier.status() };
  }

  async get(id: string): Promise<{ webhook: WebhookEndpoint; deliveries: WebhookDelivery[] }> {
    return { webhook: await this.store.get(id), deliveries: await this.store.deliveries(id) };
  }

  async create(body: unknown, who: Who): Promise<WebhookEndpoint> {
    return this.audited('webhook.create', who, body, async () => {
      const b = parse(webhookCreateSchema, body);
      const url = parseWebhookUrl(b.url);
      const input: EndpointInput = {
        name: b.name,
        url,
        urlDisplay: displayUrl(url),
        format: b.format,
        events: [...new Set(b.events)],
        clusters: b.clusters ? [...new Set(b.clusters)] : null,
        debounceMs: (b.debounceSeconds ?? DEFAULT_DEBOUNCE_SECONDS) * 1000,
        secret: b.secret ?? null,
        enabled: b.enabled ?? true,
      };
      const w = await this.store.create(input, who.username);
      this.notifier.invalidate();
      return w;
    });
  }

  async update(id: string, body: unknown, who: Who): Promise<WebhookEndpoint> {
    return this.audited(
      'webhook.update',
      who,
      body,
      async () => {
        const b = parse(webhookUpdateSchema, body);
        const url = b.url === undefined ? undefined : parseWebhookUrl(b.url);
        const w = await this.store.update(id, {
          name: b.name,
          ...(url ? { url, urlDisplay: displayUrl(url) } : {}),
          format: b.format,
          events: b.events && [...new Set(b.events)],
          clusters: b.clusters === undefined ? undefined : b.clusters && [...new Set(b.clusters)],
          debounceMs: b.debounceSeconds === undefined ? undefined : b.debounceSeconds * 1000,
          secret: b.secret,
          enabled: b.enabled,
        });
        this.notifier.invalidate();
        return w;
      },
      id,
    );
  }

  async remove(id: string, who: Who): Promise<void> {
    await this.audited(
      'webhook.delete',
      who,
      undefined,
      async () => {
        await this.store.remove(id);
        this.notifier.invalidate();
      },
      id,
    );
  }

  async test(id: string, who: Who): Promise<WebhookDelivery> {
    return this.audited(
      'webhook.test',
      who,
      undefined,
      async () => {
        await this.store.get(id);
        const d = await this.notifier.test(id);
        if (!d) throw new ApiError(503, 'Unavailable', 'the server is stopping; nothing was sent');
        return d;
      },
      id,
    );
  }

  private async audited<T>(
    action: string,
    who: Who,
    body: unknown,
    fn: () => Promise<T>,
    id?: string,
  ): Promise<T> {
    const params = { ...(id ? { id } : {}), ...safeParams(body) };
    try {
      const r = await fn();
      const w = r as Partial<WebhookEndpoint>;
      await this.audit?.record({
        user: who.username,
        ip: who.ip,
        requestId: who.requestId,
        action,
        params: { ...params, ...(w && typeof w === 'object' && w.host ? { id: w.id, host: w.host } : {}) },
        outcome: 'success',
        status: SUCCESS_STATUS[action] ?? 200,
      });
      return r;
    } catch (e) {
      const status = e instanceof ApiError ? e.status : 500;
      await this.audit?.record({
        user: who.username,
        ip: who.ip,
        requestId: who.requestId,
        action,
        params,
        outcome: 'failure',
        status,
        message: e instanceof ApiError ? e.message : 'internal error',
      });
      throw e;
    }
  }
}

/** What an audit entry keeps of a request body: the settings, the URL's host only, whether a secret was set. */
function safeParams(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  const b = body as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of ['name', 'format', 'events', 'clusters', 'debounceSeconds', 'enabled'])
    if (k in b) out[k] = b[k];
  if (typeof b.url === 'string') {
    try {
      out.host = new URL(b.url).host;
    } catch {
      out.host = '(not a URL)';
    }
  }
  if ('secret' in b) out.secretChange = b.secret === null ? 'removed' : 'set';
  return out;
}
