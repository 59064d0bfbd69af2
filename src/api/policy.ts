/**
 * Route access policy. Every route registered under /api/v1 (and the WebSocket) declares one in its
 * `config.policy`; the auth layer enforces it and a test enumerates all routes to prove none lacks one.
 */
import type { AuthUser, Role } from '../auth/identity.js';

export type RoutePolicy =
  /** No authentication (login, health). */
  | { public: true }
  | {
      /** Minimum role. */
      role: Role;
      /**
       * Where the target cluster is named, so cluster-restricted users are checked:
       * a route param name (e.g. 'cluster'). Bodies naming several clusters are checked by the handler.
       */
      clusterParam?: string;
    };

declare module 'fastify' {
  interface FastifyContextConfig {
    policy?: RoutePolicy;
  }
  interface FastifyRequest {
    /** Set by the auth layer before any handler of a non-public route runs. */
    user?: AuthUser;
  }
}
