/**
 * Who is acting: the signed-in user or token holder and what their role allows. Below every layer, so services,
 * auth and realtime can check access without importing the HTTP layer.
 */
export type Role = 'viewer' | 'operator' | 'admin';

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
