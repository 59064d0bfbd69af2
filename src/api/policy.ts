/**
 * Route access policy. Every route registered under /api/v1 (and the WebSocket) declares one in its
 * `config.policy`; the auth layer enforces it and a test enumerates all routes to prove none lacks one.
 */
export type Role = 'viewer' | 'operator' | 'admin';

export const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

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
}

export interface AuthUser {
  id: string;
  username: string;
  role: Role;
  /** null = all clusters. */
  clusters: string[] | null;
  /** Extra grants an operator may hold. */
  canOverrideGuard: boolean;
  canOverrideSystemLabels: boolean;
  /** May drain with disableEviction (deletes bypassing PodDisruptionBudgets). */
  canDisableEviction?: boolean;
  /** How this request was authenticated. */
  via: 'session' | 'token';
  sessionId?: string;
  tokenId?: string;
}

export function roleAtLeast(role: Role, min: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[min];
}

export function canSeeCluster(user: AuthUser, cluster: string): boolean {
  return user.clusters === null || user.clusters.includes(cluster);
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth layer before any handler of a non-public route runs. */
    user?: AuthUser;
  }
}
