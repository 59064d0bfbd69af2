/**
 * Who is acting: the signed-in user or token holder and what their role allows. Below every layer, so services,
 * auth and realtime can check access without importing the HTTP layer.
 */
export type Role = 'viewer' | 'operator' | 'admin';

export type IdentitySource = 'local' | 'oidc' | 'ldap';

/** Who a change on a cluster is made for: what a cluster that decides by its own RBAC is told (impersonation). */
export interface ActingIdentity {
  username: string;
  source: IdentitySource;
  /** Provider groups; local accounts have none (the cluster option's local-group setting applies). */
  groups: string[];
  role: Role;
}

export function actingIdentity(u: Pick<AuthUser, 'username' | 'role' | 'source' | 'groups'>): ActingIdentity {
  return { username: u.username, source: u.source ?? 'local', groups: u.groups ?? [], role: u.role };
}

export const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

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
  /** Where the account comes from (default local). */
  source?: IdentitySource;
  /** The identity provider's groups at the last sign-in (provider accounts only). */
  groups?: string[];
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
