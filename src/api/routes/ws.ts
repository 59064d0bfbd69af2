// The realtime WebSocket endpoint `/api/v1/ws` (docs/API.md "Realtime"). Admission (origin, session or token)
// happens before the upgrade in the auth layer's policy hook; this route hands the socket and the user to the
// hub, re-checks the user's rights periodically (a revoked session or a narrowed cluster list takes effect
// on open connections too), and closes everything on shutdown. The protocol itself lives in src/realtime.
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { recheck } from '../../auth/upgrade.js';
import type { Clock } from '../../clock.js';
import type { RealtimeHub } from '../../realtime/hub.js';
import { watchIdentity, type IdentityCheck } from '../../realtime/identity-watch.js';
import type { AuthUser } from '../../auth/identity.js';
import type { RoutePolicy } from '../policy.js';

const VIEWER: RoutePolicy = { role: 'viewer' };
/** Client messages are tiny (subscribe lists); anything bigger is abuse. */
const MAX_CLIENT_MESSAGE = 64 * 1024;

export interface WsRouteOptions {
  hub: RealtimeHub;
  /**
   * Who is this connection, now? null = no longer allowed (closes with 4401). Default: the auth layer's, which
   * also re-checks at once on logout, token revocation, user changes and at session expiry.
   */
  revalidate?: ((req: FastifyRequest) => Promise<AuthUser | null>) | null;
  /** Periodic re-check in any case (changes made by another replica). */
  revalidateMs?: number;
  /** Times the session-expiry re-check (tests). */
  clock?: Clock;
  /** permessage-deflate for snapshots (default on; KNM_COMPRESSION). */
  compress?: boolean;
}

/**
 * Snapshots of thousands of nodes compress about tenfold. Level 3 keeps the CPU cost of a 10 MB snapshot low;
 * a smaller window than zlib's default bounds the memory each connection keeps for its compression context.
 */
const DEFLATE = {
  threshold: 1024,
  zlibDeflateOptions: { level: 3, memLevel: 8 },
  serverMaxWindowBits: 14,
  concurrencyLimit: 4,
} as const;

/**
 * Only messages this large are compressed: snapshots and catch-ups, where the bytes are. Live deltas (a row of
 * 2–3 KB, a usage move of 200 B) go out as they are: ws compresses a socket's messages one after another
 * through a process-wide pool of zlib jobs, so with deltas compressed every client's next change waited behind
 * thousands of small compressions at each usage scrape (change→WebSocket p99 0.9 s at 2,000 nodes and 10
 * clients, p50 2 s at 5,000; 19 ms with deltas uncompressed — `npm run bench`).
 */
const COMPRESS_FROM_BYTES = 64 * 1024;

export async function wsRoutes(app: FastifyInstance, o: WsRouteOptions): Promise<void> {
  const { hub, revalidate, revalidateMs = 60_000, clock, compress = true } = o;
  if (!app.hasDecorator('websocketServer')) {
    await app.register(websocket, {
      options: { maxPayload: MAX_CLIENT_MESSAGE, perMessageDeflate: compress ? DEFLATE : false },
    });
  }
  app.addHook('preClose', async () => hub.close());

  app.get('/api/v1/ws', { websocket: true, config: { policy: VIEWER } }, (socket: WebSocket, req) => {
    const user = req.user;
    if (!user) {
      // The policy hook refuses unauthenticated upgrades; this is a second line of defence.
      socket.close(4401, 'sign in first');
      return;
    }
    const client = hub.connect(
      {
        // Buffers from the hub are UTF-8 JSON: text frames, like every other message.
        send: (data, cb) =>
          socket.send(data, { binary: false, compress: data.length >= COMPRESS_FROM_BYTES }, cb),
        close: (code, reason) => socket.close(code, reason),
        terminate: () => socket.terminate(),
        ping: () => socket.ping(),
        // The upgraded connection's own socket, which the WebSocket writes its frames to.
        cork: () => req.socket.cork(),
        uncork: () => req.socket.uncork(),
      },
      user,
    );
    let check: (() => Promise<IdentityCheck | null>) | undefined;
    if (revalidate === undefined) check = () => recheck(req);
    else if (revalidate) {
      check = async () => {
        const u = await revalidate(req);
        return u ? { user: u } : null;
      };
    }
    const stopWatch = check
      ? watchIdentity({
          user,
          check,
          changes: revalidate === undefined ? app.knmSecurity?.auth.changes : undefined,
          everyMs: revalidateMs,
          clock,
          onUser: (u) => hub.setUser(client, u),
          onEnded: () => {
            if (!client.closed) socket.close(4401, 'session ended or token revoked');
          },
          onError: (e) => req.log.warn({ err: (e as Error).message }, 'websocket revalidation failed'),
        })
      : undefined;
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        socket.close(1003, 'text frames only');
        return;
      }
      hub.message(client, data.toString());
    });
    socket.on('pong', () => hub.pong(client));
    socket.on('close', () => {
      stopWatch?.();
      hub.disconnect(client);
    });
    socket.on('error', (e) => req.log.debug({ err: e.message }, 'websocket error'));
  });
}
