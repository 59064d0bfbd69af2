/**
 * The API's error as both sides hold it: the server throws it and renders `{ "error": { code, message, field?,
 * details? } }`, the console rebuilds it from that body. It imports nothing, so the console bundles this very
 * class instead of keeping a copy whose fields could drift.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
