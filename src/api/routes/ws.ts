// The realtime WebSocket endpoint `/api/v1/ws` (docs/API.md "Realtime"). Admission (origin, session or token)
// happens before the upgrade in the auth layer's policy hook; this route hands the socket and the user to the
// hub, re-checks the user's rights periodically (a revoked session or a narrowed cluster list takes effect
// on open connections too), and closes everything on shutdown. The protocol itself lives in src/realtime.
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { AppContext } from '../../app.js';
import { revalidate as authRevalidate } from '../../auth/upgrade.js';
import type { RealtimeHub } from '../../realtime/hub.js';
import type { AuthUser, RoutePolicy } from '../policy.js';
import '../../realtime/setup.js';

const VIEWER: RoutePolicy = { role: 'viewer' };
/** Client messages are tiny (subscribe lists); anything bigger is abuse. */
const MAX_CLIENT_MESSAGE = 64 * 1024;

export interface WsRouteOptions {
  hub: RealtimeHub;
  /** Who is this connection, now? null = no longer allowed (closes with 4401). Default: the auth layer's. */
  revalidate?: ((req: FastifyRequest) => Promise<AuthUser | null>) | null;
  revalidateMs?: number;
}

export function createWsRoutes(o: WsRouteOptions | ((ctx: AppContext) => WsRouteOptions)) {
  return async (app: FastifyInstance, ctx: AppContext): Promise<void> => {
    const { hub, revalidate = authRevalidate, revalidateMs = 60_000 } = typeof o === 'function' ? o(ctx) : o;
    if (!app.hasDecorator('websocketServer')) {
      await app.register(websocket, { options: { maxPayload: MAX_CLIENT_MESSAGE } });
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
          send: (data, cb) => socket.send(data, { binary: false }, cb),
          close: (code, reason) => socket.close(code, reason),
          terminate: () => socket.terminate(),
          ping: () => socket.ping(),
        },
        user,
      );
      let timer: NodeJS.Timeout | undefined;
      if (revalidate && revalidateMs > 0) {
        timer = setInterval(() => {
          revalidate(req)
            .then((u) => {
              if (client.closed) return;
              if (!u) socket.close(4401, 'session ended or token revoked');
              else hub.setUser(client, u);
            })
            .catch((e: unknown) =>
              req.log.warn({ err: (e as Error).message }, 'websocket revalidation failed'),
            );
        }, revalidateMs);
        timer.unref();
      }
      socket.on('message', (data, isBinary) => {
        if (isBinary) {
          socket.close(1003, 'text frames only');
          return;
        }
        hub.message(client, data.toString());
      });
      socket.on('pong', () => hub.pong(client));
      socket.on('close', () => {
        clearInterval(timer);
        hub.disconnect(client);
      });
      socket.on('error', (e) => req.log.debug({ err: e.message }, 'websocket error'));
    });
  };
}

/** The realtime route for the application (the hub comes from `ctx.hub`). */
export const wsRoutes = createWsRoutes((ctx) => {
  if (!ctx.hub) throw new Error('the realtime route needs the hub: call setupRealtime(ctx) first');
  return { hub: ctx.hub };
});
