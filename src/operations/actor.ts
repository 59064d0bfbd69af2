// Who asks for a node operation, with the rights the request was admitted with. Types only.
import type { IdentitySource, Role } from '../auth/identity.js';

export interface Actor {
  username: string;
  role: Role;
  clusters: string[] | null;
  canOverrideGuard: boolean;
  canOverrideSystemLabels: boolean;
  /**
   * May drain with `disableEviction` (plain deletes, bypassing PodDisruptionBudgets). Admins always may;
   * operators only when their account carries this grant.
   */
  canDisableEviction?: boolean;
  /** Where the account comes from and its provider groups: who the request is sent as on a cluster that acts as the signed-in user. */
  source?: IdentitySource;
  groups?: string[];
}
