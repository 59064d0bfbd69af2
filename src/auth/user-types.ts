/**
 * Users as the API shows them. Types only: the console imports this module, so it must stay free of runtime
 * imports.
 */
import type { IdentitySource, Role } from './identity.js';

/** A user as the API shows it: effective grants (an admin holds every grant), never the password hash. */
export interface UserView {
  id: string;
  username: string;
  role: Role;
  clusters: string[] | null;
  canOverrideGuard: boolean;
  canOverrideSystemLabels: boolean;
  /** May drain with disableEviction (deletes that bypass PodDisruptionBudgets). */
  canDisableEviction: boolean;
  /** Where the account comes from: a local password, or an identity provider (its role follows its groups). */
  source: IdentitySource;
  createdAt: string;
  updatedAt: string;
}

/** The user as /me and /auth/login show it: the grants, without the account's origin and dates. */
export type MeUser = Pick<
  UserView,
  'id' | 'username' | 'role' | 'clusters' | 'canOverrideGuard' | 'canOverrideSystemLabels'
> & { canDisableEviction?: boolean };
