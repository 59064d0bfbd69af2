/**
 * The API's error as both sides hold it: the server throws it and renders `{ "error": { code, message, field?,
 * details? } }`, the console rebuilds it from that body. It imports nothing, so the console bundles this very
 * class instead of keeping a copy whose fields could drift. `coded` is the message as a code and parameters
 * (src/messages/codes.ts), sent as `messageCode`/`messageParams` so the console can translate it.
 */
import type { CodedMessage } from './messages/codes.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details?: unknown,
    readonly coded?: CodedMessage,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
