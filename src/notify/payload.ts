// The body each format expects. Generic JSON is this product's own shape; Slack and Feishu/Lark get their
// incoming-webhook text messages, which those services render without any app installed.
import type { NotifyEvent } from './events.js';
import { summaryOf } from './events.js';
import { feishuSign } from './sign.js';
import type { WebhookFormat } from './types.js';

export interface PayloadInput {
  deliveryId: string;
  event: NotifyEvent;
  format: WebhookFormat;
  /** Unix seconds of this attempt (Feishu signs it in the body, so the body is rebuilt per attempt). */
  timestamp: number;
  secret?: string;
}

export function buildPayload(p: PayloadInput): string {
  const text = summaryOf(p.event);
  switch (p.format) {
    case 'slack':
      return JSON.stringify({ text });
    case 'feishu':
      return JSON.stringify({
        ...(p.secret ? { timestamp: String(p.timestamp), sign: feishuSign(p.secret, p.timestamp) } : {}),
        msg_type: 'text',
        content: { text },
      });
    case 'generic': {
      return JSON.stringify({ id: p.deliveryId, summary: text, ...p.event });
    }
  }
}
