// Signatures a receiver checks to know a message came from this server and is fresh.
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-KNM-Signature';
export const TIMESTAMP_HEADER = 'X-KNM-Timestamp';

/**
 * `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`, the timestamp in Unix seconds and sent in
 * X-KNM-Timestamp: binding it in stops a captured request from being replayed later than the receiver's
 * tolerance (5 minutes is the suggestion in the README).
 */
export function signBody(secret: string, timestamp: number, body: string): string {
  return 'v1=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/**
 * Feishu/Lark custom bot "signature verification": base64(HMAC-SHA256 keyed by "<timestamp>\n<secret>" over
 * an empty message), sent in the body next to `timestamp` (Unix seconds, a string); the bot refuses messages
 * more than an hour off its clock.
 */
export function feishuSign(secret: string, timestamp: number): string {
  return createHmac('sha256', `${timestamp}\n${secret}`).update('').digest('base64');
}
