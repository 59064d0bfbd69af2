// Outgoing webhooks as the API shows them (docs/API.md "Webhooks"). Types and constant lists only: the console
// imports this module, so nothing else of the server may be pulled in from here.

export const WEBHOOK_FORMATS = ['generic', 'slack', 'feishu'] as const;
/** generic: this product's JSON, signed in headers; slack: incoming-webhook `text`; feishu: Feishu/Lark bot. */
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export const WEBHOOK_EVENTS = [
  'node.health',
  'job.succeeded',
  'job.failed',
  'job.partial',
  'job.cancelled',
  'job.interrupted',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const DELIVERY_STATUSES = ['queued', 'retrying', 'delivered', 'failed', 'dropped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface WebhookEndpoint {
  id: string;
  name: string;
  /**
   * Where it posts, with the path hidden (`https://hooks.slack.com/…`): chat webhooks carry their token in
   * the path, so the full URL is never shown again once saved.
   */
  url: string;
  host: string;
  format: WebhookFormat;
  events: WebhookEvent[];
  /** null = every cluster. */
  clusters: string[] | null;
  /** A node whose health changes back within this many seconds sends nothing. */
  debounceSeconds: number;
  /** Whether a signing secret is stored (the secret itself is never returned). */
  hasSecret: boolean;
  enabled: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** The newest delivery's outcome, for the list. */
  lastDelivery?: WebhookDelivery;
}

export interface WebhookDelivery {
  /** Stable across retries; sent as X-KNM-Delivery so a receiver can drop duplicates. */
  id: string;
  endpointId: string;
  event: WebhookEvent | 'webhook.test';
  /** One line saying what happened (also the chat message's text). */
  summary: string;
  status: DeliveryStatus;
  attempts: number;
  /** HTTP status of the last attempt; absent when no answer came (timeout, refused connection). */
  responseCode?: number;
  error?: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * A change of one node's health the notifier is told about, once per change, by the replica that records
 * health history (src/health: an interval opening is `healthy: false`, its closing `healthy: true`).
 */
export interface HealthTransition {
  cluster: string;
  node: string;
  /** The health history's kind: `NotReady`, a pressure condition, `NetworkUnavailable` or `Cordoned`. */
  kind: string;
  /** false: the bad state began; true: it ended. */
  healthy: boolean;
  /** ISO time of the change. */
  at: string;
  /** Condition status while bad (NotReady: `False` or `Unknown`). */
  status?: string;
  reason?: string;
  message?: string;
  /** Who cordoned (Cordoned, when the product did it). */
  actor?: string;
}

/** The sending side of this replica (GET /webhooks `status`). */
export interface NotifierStatus {
  queued: number;
  waitingRetry: number;
  inFlight: number;
  /** Deliveries dropped because the queue was full, since this process started. */
  dropped: number;
  /** Health changes being held for their debounce. */
  debouncing: number;
  /** Health changes cancelled by their opposite within the debounce. */
  suppressed: number;
}
