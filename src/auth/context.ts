/**
 * The security services of one application instance, created once per store and shared by the hooks, the
 * routes and the WebSocket.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { auditLogFor } from '../audit/index.js';
import type { AuditLog } from '../audit/log.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { Database } from '../store/schema.js';
import { AuthService, type AuthOptions } from './service.js';

/** What the security layer needs from the application context. */
export interface SecurityContext {
  config: Config;
  store: { db: Kysely<Database> };
  log: Logger;
  /** Injected clock (ms since epoch); tests drive expiry and lockout with it. */
  now?: () => number;
  /** Audit retention is run by someone else (the application's background work, on one replica at a time). */
  retentionElsewhere?: boolean;
}

export interface Security {
  auth: AuthService;
  audit: AuditLog;
  config: Config;
}

/** Test seams that are not configuration: cheaper scrypt, another throttle, a fixed random source. */
export type SecurityOverrides = Partial<
  Pick<AuthOptions, 'scrypt' | 'throttle' | 'random' | 'now' | 'sleep'>
> & {
  /** Where the first-start password goes (default: stdout, never the logger). */
  print?: (text: string) => void;
};

const byDb = new WeakMap<object, Security>();

/** The services for this store; `overrides` only take effect on the first call. */
export function securityFor(ctx: SecurityContext, overrides: SecurityOverrides = {}): Security {
  const db = ctx.store.db;
  let s = byDb.get(db);
  if (!s) {
    const now = overrides.now ?? ctx.now ?? Date.now;
    const audit = auditLogFor(db, now);
    const auth = new AuthService({
      db,
      audit,
      log: ctx.log,
      sessionIdleMinutes: ctx.config.sessionIdleMinutes,
      sessionMaxHours: ctx.config.sessionMaxHours,
      now,
      random: overrides.random,
      scrypt: overrides.scrypt,
      throttle: overrides.throttle,
      sleep: overrides.sleep,
    });
    s = { auth, audit, config: ctx.config };
    byDb.set(db, s);
  }
  return s;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Set by registerAuth on the root instance; children inherit it. */
    knmSecurity?: Security;
  }
}

export function securityOf(app: FastifyInstance): Security {
  const s = app.knmSecurity;
  if (!s) throw new Error('registerAuth has not been called on this server');
  return s;
}
