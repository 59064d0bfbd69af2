/**
 * Compressed HTTP answers: a 5,000-node list is ~11 MB of JSON and ~1 MB with gzip, which on a 20 Mbit/s link
 * is the difference between four seconds and half of one. Brotli or gzip as the client asks; answers under
 * the threshold go out as they are (compressing them costs more than it saves). Brotli runs at a low quality:
 * its default (11) takes seconds on a large list, while quality 4 compresses about as well as gzip in a
 * fraction of the time. The console's static files go through the same hook (registered before the static
 * plugin). WebSocket upgrades never reach a reply, so they are untouched (their compression is
 * permessage-deflate, in routes/ws.ts).
 */
import { constants } from 'node:zlib';
import compress from '@fastify/compress';
import type { FastifyInstance } from 'fastify';

/** Smaller answers are sent uncompressed. */
export const COMPRESS_THRESHOLD = 1024;

export async function registerCompression(app: FastifyInstance, enabled: boolean): Promise<void> {
  if (!enabled) return;
  await app.register(compress, {
    global: true,
    threshold: COMPRESS_THRESHOLD,
    encodings: ['br', 'gzip'],
    brotliOptions: {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 4,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      },
    },
    zlibOptions: { level: 6 },
    // Request bodies are small JSON; inflating them would only let a tiny upload become a large one.
    globalDecompression: false,
  });
}
