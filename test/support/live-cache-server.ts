// A minimal HTTP server with only the live-cache routes (nodes + realtime), the product's error mapping, and
// a stand-in for the auth layer: the user comes from the `x-test-user` header (JSON) or is a fixed default.
// For the cache/realtime tests and the benchmark; the product composes the full server in src/app.ts.
import Fastify, { type FastifyInstance } from 'fastify';
import type { AuthUser } from '../../src/auth/identity.js';
import { nodeRoutes } from '../../src/api/routes/nodes.js';
import { wsRoutes } from '../../src/api/routes/ws.js';
import { classifyError, errorBody } from '../../src/api/server.js';
import { useZodSchemas } from '../../src/api/validation.js';
import type { CacheManager } from '../../src/cache/manager.js';
import type { RealtimeHub } from '../../src/realtime/hub.js';

export const DEFAULT_USER: AuthUser = {
  id: 'bench',
  username: 'bench',
  role: 'admin',
  clusters: null,
  canOverrideGuard: false,
  canOverrideSystemLabels: false,
  via: 'token',
};

export async function liveCacheServer(
  cache: CacheManager,
  hub: RealtimeHub,
  o: { user?: AuthUser; clusterNames?: () => string[] } = {},
): Promise<{ app: FastifyInstance; url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false }) as unknown as FastifyInstance;
  useZodSchemas(app);
  app.setErrorHandler((err, req, reply) => {
    const { apiError } = classifyError(err, String(req.id));
    return reply.status(apiError.status).send(errorBody(apiError));
  });
  app.addHook('onRequest', async (req) => {
    const h = req.headers['x-test-user'];
    req.user = typeof h === 'string' ? (JSON.parse(h) as AuthUser) : (o.user ?? DEFAULT_USER);
  });
  const names = o.clusterNames;
  await app.register(nodeRoutes, {
    cache,
    clusters: names && { list: () => names().map((name) => ({ name })) },
  });
  await app.register(wsRoutes, { hub, revalidate: null });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return { app, url, close: () => app.close() };
}
