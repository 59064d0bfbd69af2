/**
 * The audit log: an append-only record of every change and every sign-in (who, when, from where, what, which
 * cluster and nodes, outcome). Owns its tables, the generic mutation hook, the read API and retention.
 * It must not offer any way to edit or delete entries other than the retention purge.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { AuditLog } from './log.js';
import './tables.js';

export { AuditLog, AUDIT_OUTCOMES, AUDIT_MAX_LIMIT, AUDIT_DEFAULT_LIMIT } from './log.js';
export type {
  AuditRecord,
  AuditCompletion,
  AuditEntry,
  AuditFilters,
  AuditOutcome,
  AuditNodeResult,
  AuditPage,
  AuditReader,
} from './log.js';
export { auditMutation, outcomeOf } from './hook.js';
export { startRetention } from './retention.js';
export { sanitizeParams } from './redact.js';

const byDb = new WeakMap<object, AuditLog>();

/**
 * The one AuditLog of a store. Services that write their own entries (operations with per-node results) get it
 * here: `auditLogFor(ctx.store.db).record({...})`.
 */
export function auditLogFor(db: Kysely<Database>, now?: () => number): AuditLog {
  let a = byDb.get(db);
  if (!a) {
    a = new AuditLog(db, now);
    byDb.set(db, a);
  }
  return a;
}
