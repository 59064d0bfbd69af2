/** Outgoing webhooks (docs/API.md "Webhooks"): admin calls, with the server's own wire types. */
import { del, enc, get, patch, post } from './http';
import type {
  NotifierStatus,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEvent,
  WebhookFormat,
} from '../../../src/notify/types';

export type { NotifierStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookFormat };
export { WEBHOOK_EVENTS, WEBHOOK_FORMATS } from '../../../src/notify/types';

export interface WebhookInput {
  name?: string;
  /** Required on create; left out on edit to keep the stored one. */
  url?: string;
  format?: WebhookFormat;
  events?: WebhookEvent[];
  clusters?: string[] | null;
  debounceSeconds?: number;
  /** Left out to keep the stored secret; null removes it. */
  secret?: string | null;
  enabled?: boolean;
}

export const webhooks = {
  list: () => get<{ items: WebhookEndpoint[]; status: NotifierStatus }>('/webhooks'),
  get: (id: string) =>
    get<{ webhook: WebhookEndpoint; deliveries: WebhookDelivery[] }>(`/webhooks/${enc(id)}`),
  create: (w: WebhookInput) => post<{ webhook: WebhookEndpoint }>('/webhooks', w),
  update: (id: string, w: WebhookInput) => patch<{ webhook: WebhookEndpoint }>(`/webhooks/${enc(id)}`, w),
  remove: (id: string) => del<void>(`/webhooks/${enc(id)}`),
  test: (id: string) => post<{ delivery: WebhookDelivery }>(`/webhooks/${enc(id)}/test`),
};
