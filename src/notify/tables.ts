/** Row types of the webhook tables (migration 12), added to the store's `Database` by augmentation. */
export interface WebhooksTable {
  id: string;
  name: string;
  /** The full URL, sealed with the SecretBox (it may carry a token in its path or query). */
  url_enc: string;
  url_display: string;
  host: string;
  format: string;
  /** JSON array of event names. */
  events: string;
  /** JSON array of cluster names; null = every cluster. */
  clusters: string | null;
  debounce_ms: number;
  secret_enc: string | null;
  enabled: number;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveriesTable {
  id: string;
  endpoint_id: string;
  event: string;
  summary: string;
  status: string;
  attempts: number;
  response_code: number | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

declare module '../store/schema.js' {
  interface Database {
    webhooks: WebhooksTable;
    webhook_deliveries: WebhookDeliveriesTable;
  }
}
