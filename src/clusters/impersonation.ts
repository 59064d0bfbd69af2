/**
 * Who a request is sent as on a cluster that acts as the signed-in user. Provider accounts (OIDC, LDAP) are
 * sent with the groups their provider gave at the last sign-in, so the cluster's RoleBindings can name the
 * same groups kubectl users have. Local accounts have no provider groups; they are sent with the groups of
 * KNM_IMPERSONATE_LOCAL_GROUPS (default `knm:{role}`, e.g. `knm:operator`; empty = user name only).
 */
import type { ActingIdentity } from '../auth/identity.js';
import type { Impersonation } from '../kube/impersonation.js';

export interface ImpersonationConfig {
  impersonateLocalGroups: readonly string[];
}

export function impersonationFor(who: ActingIdentity, cfg: ImpersonationConfig): Impersonation {
  if (who.source !== 'local') return { user: who.username, groups: who.groups };
  return {
    user: who.username,
    groups: cfg.impersonateLocalGroups.map((g) => g.replaceAll('{role}', who.role)),
  };
}
