/**
 * Access checks services call inside handlers, where the route policy alone cannot decide (bodies naming
 * several clusters, override flags).
 */
import { ApiError } from '../errors.js';
import { canSeeCluster, type AuthUser } from './identity.js';

export type OverrideKind = 'guard' | 'systemLabels';

/** Throws 403 Forbidden unless `user` may act on `cluster`. */
export function assertClusterAccess(user: AuthUser | undefined, cluster: string): void {
  if (!user || !canSeeCluster(user, cluster)) {
    throw new ApiError(403, 'Forbidden', `no access to cluster "${cluster}"`, undefined, { cluster });
  }
}

/** Whether `user` may override the safety guard or write system labels (admins always; operators if granted). */
export function canOverride(user: AuthUser | undefined, kind: OverrideKind): boolean {
  if (!user) return false;
  if (user.role === 'admin') return true;
  if (user.role !== 'operator') return false;
  return kind === 'guard' ? user.canOverrideGuard : user.canOverrideSystemLabels;
}
