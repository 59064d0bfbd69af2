/**
 * A coded message in a store row: the English text in its `message` column as before, the code and parameters
 * as JSON in `message_code` (null for text without a code, and on rows written before codes existed).
 */
import type { MessageCode, MessageCodeFields } from './codes.js';

/** A message as the code that writes it hands it over: plain text, or text with its code. */
export type Said = string | ({ message: string } & MessageCodeFields);

export function toColumns(m: Said | undefined): { message: string | null; message_code: string | null } {
  if (m === undefined) return { message: null, message_code: null };
  if (typeof m === 'string') return { message: m, message_code: null };
  return {
    message: m.message,
    message_code: m.messageCode ? JSON.stringify({ c: m.messageCode, p: m.messageParams ?? {} }) : null,
  };
}

/** The wire fields of a stored message; a column that does not parse is left out (the text still shows). */
export function fromColumns(
  message: string | null,
  code: string | null | undefined,
): { message?: string } & MessageCodeFields {
  if (!message) return {};
  if (!code) return { message };
  try {
    const v = JSON.parse(code) as { c?: unknown; p?: unknown };
    if (typeof v.c !== 'string' || typeof v.p !== 'object' || v.p === null) return { message };
    return {
      message,
      messageCode: v.c as MessageCode,
      messageParams: v.p as Record<string, string | number>,
    };
  } catch {
    return { message };
  }
}

/** Sets (or clears) the message fields of an in-memory object to what `m` says. */
export function assignMessage(target: { message?: string } & MessageCodeFields, m: Said | undefined): void {
  delete target.message;
  delete target.messageCode;
  delete target.messageParams;
  if (m === undefined) return;
  if (typeof m === 'string') {
    target.message = m;
    return;
  }
  target.message = m.message;
  if (m.messageCode) target.messageCode = m.messageCode;
  if (m.messageParams) target.messageParams = m.messageParams;
}
