/**
 * Row types of the account tables (migration 002), added to the store's `Database` by augmentation.
 * Timestamps are ISO-8601 UTC text, booleans 0/1 integers, lists JSON text (the store's portable conventions).
 */
export interface UsersTable {
  id: string;
  username: string;
  /** `scrypt$logN$r$p$salt$key` */
  password_hash: string;
  role: 'admin' | 'operator' | 'viewer';
  /** JSON array of cluster names; null = every cluster. */
  clusters: string | null;
  can_override_guard: number;
  can_override_system_labels: number;
  /** Migration 9: may drain with disableEviction (operators; admins hold every grant). */
  can_disable_eviction?: number;
  created_at: string;
  updated_at: string;
  /** Where the account comes from (migration 006): a local password, or an identity provider. */
  source?: 'local' | 'oidc' | 'ldap';
  /** Migration 11: the provider's groups at the last sign-in (JSON list); null for local accounts. */
  groups?: string | null;
}
export interface SessionsTable {
  /** SHA-256 (hex) of the cookie value; the value itself is never stored. */
  id_hash: string;
  user_id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string;
}
export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  role: 'admin' | 'operator' | 'viewer';
  /** SHA-256 (hex) of the secret. */
  secret_hash: string;
  /** JSON array of cluster names the token is narrowed to (migration 005); null = whatever its owner sees. */
  clusters: string | null;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}
export interface LoginThrottleTable {
  /** `user:<lower-cased name>` or `ip:<address>` */
  key: string;
  failures: number;
  locks: number;
  locked_until: string | null;
  updated_at: string;
}

declare module '../store/schema.js' {
  interface Database {
    users: UsersTable;
    sessions: SessionsTable;
    api_tokens: ApiTokensTable;
    login_throttle: LoginThrottleTable;
  }
}
