// Dialect-neutral classification of database errors, so services never test driver-specific codes.

/** True when an insert/update broke a primary-key or unique constraint (SQLite or PostgreSQL). */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return (
    code === '23505' || // PostgreSQL unique_violation
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

/** True when a lock was not granted within the statement's lock_timeout (PostgreSQL lock_not_available). */
export function isLockTimeout(e: unknown): boolean {
  return (e as { code?: unknown })?.code === '55P03';
}
