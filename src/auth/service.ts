/**
 * The account service: login, request authentication, logout, password change, user and token management —
 * each decision recorded in the audit log. HTTP-free: routes and hooks translate to and from requests.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { ApiError, forbidden, notFound } from '../errors.js';
import type { AuthUser } from './identity.js';
import type { AuditLog, AuditRecord } from '../audit/log.js';
import type { Logger } from '../log/logger.js';
import { authLogins } from '../metrics/registry.js';
import type { Database } from '../store/schema.js';
import { sessionIdFrom } from './cookies.js';
import {
  checkPasswordPolicy,
  DEFAULT_SCRYPT,
  hashPassword,
  verifyPassword,
  type ScryptParams,
} from './password.js';
import { constantTimeEqual, csrfTokenFor, defaultRandom, type RandomSource } from './secrets.js';
import { IdentityChanges } from './changes.js';
import { Sessions, type NewSession } from './sessions.js';
import { DEFAULT_THROTTLE, LoginThrottle, type ThrottleOptions } from './throttle.js';
import { Tokens, type TokenView } from './tokens.js';
import { toAuthUser, toUserView, Users, type UserView } from './users.js';
import { parse } from './validate.js';

export interface AuthOptions {
  db: Kysely<Database>;
  audit: AuditLog;
  log: Logger;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  now?: () => number;
  random?: RandomSource;
  scrypt?: ScryptParams;
  throttle?: ThrottleOptions;
  /** How an address's progressive delay is waited out (tests drive a fake clock with it). */
  sleep?: (ms: number) => Promise<void>;
}

/** Who is acting, for the audit log. */
export interface RequestMeta {
  ip: string;
  requestId: string;
  user?: AuthUser;
}

export type Authentication =
  | {
      ok: true;
      user: AuthUser;
      /** Only for cookie sessions. */
      csrfToken?: string;
      /** When a session ends unless used again (ms since epoch): idle or absolute expiry, whichever is first. */
      validUntil?: number;
    }
  | { ok: false; reason: 'missing' | 'invalid' };

export class LoginRefused extends ApiError {
  constructor(
    status: 401 | 429,
    readonly retryAfterSeconds?: number,
  ) {
    super(
      status,
      status === 401 ? 'InvalidCredentials' : 'TooManyAttempts',
      // The same two messages whether or not the user exists.
      status === 401 ? 'invalid username or password' : 'too many failed sign-in attempts; try again later',
    );
  }
}

/**
 * Password checks run one at a time per username: the lock is decided before the check, so without this a
 * burst of parallel guesses would all be evaluated before the counter caught up. Beyond this many waiting,
 * further attempts for the account are refused (and audited) instead of queued.
 */
const MAX_WAITING_PER_ACCOUNT = 16;

export const loginSchema = z.object({
  username: z.string().max(200),
  password: z.string().max(4096),
});

export const passwordChangeSchema = z
  .object({ currentPassword: z.string().max(4096), newPassword: z.string().max(4096) })
  .strict();

export class AuthService {
  readonly users: Users;
  readonly sessions: Sessions;
  readonly tokens: Tokens;
  readonly throttle: LoginThrottle;
  /** Ended sessions, revoked tokens, changed or removed users: open WebSockets re-check at once. */
  readonly changes = new IdentityChanges();
  readonly audit: AuditLog;
  readonly now: () => number;
  private readonly log: Logger;
  private readonly scrypt: ScryptParams;
  private dummyHash?: Promise<string>;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Sign-in attempts per username, run one after another; `size` counts the running one and those waiting. */
  private readonly perAccount = new Map<string, { tail: Promise<unknown>; size: number }>();

  constructor(opts: AuthOptions) {
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => delay(ms));
    const random = opts.random ?? defaultRandom;
    this.scrypt = opts.scrypt ?? DEFAULT_SCRYPT;
    this.users = new Users(opts.db, this.now, this.scrypt);
    this.sessions = new Sessions(
      opts.db,
      this.now,
      { idleMinutes: opts.sessionIdleMinutes, maxHours: opts.sessionMaxHours },
      random,
    );
    this.tokens = new Tokens(opts.db, this.now, random);
    this.throttle = new LoginThrottle(opts.db, this.now, opts.throttle ?? DEFAULT_THROTTLE);
    this.audit = opts.audit;
    this.log = opts.log;
  }

  /** Audit failures are logged loudly but never turn a completed action into an error answer. */
  async record(entry: AuditRecord): Promise<void> {
    try {
      await this.audit.record(entry);
    } catch (err) {
      this.log.error({ err, action: entry.action }, 'audit record failed');
    }
  }

  private meta(m: RequestMeta) {
    return { user: m.user?.username ?? null, ip: m.ip, requestId: m.requestId };
  }

  // ---- login / logout ----

  async login(body: unknown, m: RequestMeta): Promise<{ user: UserView; session: NewSession }> {
    const { username: rawName, password } = parse(loginSchema, body);
    const username = rawName.trim().toLowerCase();
    const base = { ip: m.ip, requestId: m.requestId, action: 'auth.login' };

    // An address with many recent failures is slowed down, never refused: it may be a proxy everyone shares.
    const delayMs = await this.throttle.delayFor(m.ip);
    if (delayMs > 0) await this.sleep(delayMs);

    const queue = this.perAccount.get(username) ?? { tail: Promise.resolve(), size: 0 };
    if (queue.size >= MAX_WAITING_PER_ACCOUNT) {
      authLogins.inc({ result: 'throttled' });
      await this.record({
        ...base,
        // The attempted name is kept only for a real account: people type passwords into the name field.
        user: (await this.users.getRowByUsername(username))?.username ?? null,
        outcome: 'denied',
        status: 429,
        message: 'sign-in refused: too many attempts for this account at once',
      });
      throw new LoginRefused(429, 1);
    }
    queue.size++;
    this.perAccount.set(username, queue);
    const attempt = queue.tail.then(() => this.attempt(username, password, base, delayMs));
    queue.tail = attempt.catch(() => undefined);
    try {
      return await attempt;
    } finally {
      if (--queue.size === 0) this.perAccount.delete(username);
    }
  }

  /** One password check, with the account's lock decided first; every outcome is audited. */
  private async attempt(
    username: string,
    password: string,
    base: { ip: string; requestId: string; action: string },
    delayMs: number,
  ): Promise<{ user: UserView; session: NewSession }> {
    const delayed = delayMs > 0 ? { params: { delayedMs: delayMs } } : {};
    const lock = await this.throttle.locked(username);
    const row = await this.users.getRowByUsername(username);
    if (lock) {
      await this.record({
        ...base,
        ...delayed,
        user: row?.username ?? null,
        outcome: 'denied',
        status: 429,
        message: `sign-in refused: account locked for ${lock.retryAfterSeconds}s`,
      });
      authLogins.inc({ result: 'locked' });
      throw new LoginRefused(429, lock.retryAfterSeconds);
    }
    // Unknown users cost the same scrypt as known ones, so timing does not reveal who exists.
    const ok = row
      ? await verifyPassword(password, row.password_hash)
      : (await verifyPassword(password, await this.dummy()), false);
    if (!row || !ok) {
      authLogins.inc({ result: 'failure' });
      const started = await this.throttle.fail(username, base.ip);
      await this.record({
        ...base,
        ...delayed,
        user: row?.username ?? null,
        outcome: 'failure',
        status: 401,
        message: row ? 'wrong password' : 'unknown user',
      });
      if (started) {
        await this.record({
          ...base,
          action: 'auth.lockout',
          user: row?.username ?? null,
          outcome: 'denied',
          status: 429,
          message: `account locked for ${started.retryAfterSeconds}s after repeated failures`,
          params: { scope: 'user', seconds: started.retryAfterSeconds },
        });
      }
      throw new LoginRefused(401);
    }
    authLogins.inc({ result: 'success' });
    await this.throttle.succeed(username);
    const session = await this.sessions.create(row.id, base.ip);
    await this.record({ ...base, ...delayed, user: row.username, outcome: 'success', status: 200 });
    return { user: toUserView(row), session };
  }

  /** Computes the decoy hash up front, so the first unknown-user attempt is not slower than the rest. */
  async warmUp(): Promise<void> {
    await this.dummy();
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= hashPassword('not a password of anyone', this.scrypt);
    return this.dummyHash;
  }

  async logout(user: AuthUser, m: RequestMeta): Promise<void> {
    if (user.via === 'session' && user.sessionId) {
      await this.sessions.revoke(user.sessionId);
      this.changes.emit({ sessionId: user.sessionId });
    }
    await this.record({ ...this.meta(m), action: 'auth.logout', outcome: 'success', status: 204 });
  }

  // ---- request authentication ----

  /** `activity: false` for background re-checks (an open WebSocket) that must not keep a session alive. */
  async authenticate(
    headers: { authorization?: string; cookie?: string | string[] },
    activity = true,
  ): Promise<Authentication> {
    const authz = headers.authorization;
    if (authz !== undefined) {
      // An Authorization header decides alone; a bad token does not fall back to a cookie.
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authz);
      if (!m) return { ok: false, reason: 'invalid' };
      const user = await this.tokens.resolve(m[1]!);
      return user ? { ok: true, user } : { ok: false, reason: 'invalid' };
    }
    const sid = sessionIdFrom({ headers } as Parameters<typeof sessionIdFrom>[0]);
    if (!sid) return { ok: false, reason: headers.cookie ? 'invalid' : 'missing' };
    const s = await this.sessions.resolve(sid, activity);
    if (!s) return { ok: false, reason: 'invalid' };
    return {
      ok: true,
      user: { ...toAuthUser(s.user, 'session'), sessionId: s.idHash },
      csrfToken: csrfTokenFor(sid),
      validUntil: s.validUntil,
    };
  }

  /** The CSRF rule: cookie-authenticated state changes must echo the session's token. */
  static csrfOk(expected: string | undefined, header: string | string[] | undefined): boolean {
    if (!expected || typeof header !== 'string') return false;
    return constantTimeEqual(header, expected);
  }

  // ---- own account ----

  async changeOwnPassword(user: AuthUser, body: unknown, m: RequestMeta): Promise<void> {
    const { currentPassword, newPassword } = parse(passwordChangeSchema, body);
    const row = await this.users.getRow(user.id);
    if (!row) throw notFound('user not found');
    const base = { ...this.meta(m), action: 'auth.password' };
    if (!(await verifyPassword(currentPassword, row.password_hash))) {
      await this.record({ ...base, outcome: 'failure', status: 403, message: 'current password is wrong' });
      throw forbidden('current password is wrong');
    }
    checkPasswordPolicy(newPassword, row.username, 'newPassword');
    await this.users.setPasswordHash(row.id, await hashPassword(newPassword, this.scrypt));
    // Every other session ends; the one that made the change stays, a token-made change keeps none.
    const ended = await this.sessions.revokeUser(row.id, user.via === 'session' ? user.sessionId : undefined);
    this.changes.emit({ userId: row.id });
    await this.record({ ...base, outcome: 'success', status: 204, params: { sessionsEnded: ended } });
  }

  // ---- users (admin) ----

  async createUser(body: unknown, m: RequestMeta): Promise<UserView> {
    const base = { ...this.meta(m), action: 'user.create' };
    try {
      const u = await this.users.create(body);
      await this.record({ ...base, outcome: 'success', status: 201, params: describeUser(u) });
      return u;
    } catch (e) {
      await this.recordError(base, e, body);
      throw e;
    }
  }

  async updateUser(id: string, body: unknown, m: RequestMeta): Promise<UserView> {
    const base = { ...this.meta(m), action: 'user.update' };
    try {
      const { user, passwordChanged, before } = await this.users.update(id, body);
      // A changed password ends all the user's sessions at once, including the editor's own if it is theirs.
      const ended = passwordChanged ? await this.sessions.revokeUser(id) : 0;
      // Role or cluster changes reach open connections too, not only ended sessions.
      this.changes.emit({ userId: id });
      await this.record({
        ...base,
        outcome: 'success',
        status: 200,
        params: {
          id,
          before: describeUser(before),
          after: describeUser(user),
          passwordChanged,
          sessionsEnded: ended,
        },
      });
      return user;
    } catch (e) {
      await this.recordError({ ...base }, e, { id, ...(body as object) });
      throw e;
    }
  }

  async removeUser(id: string, m: RequestMeta): Promise<void> {
    const base = { ...this.meta(m), action: 'user.delete' };
    try {
      const u = await this.users.remove(id);
      this.changes.emit({ userId: id });
      await this.record({ ...base, outcome: 'success', status: 204, params: describeUser(u) });
    } catch (e) {
      await this.recordError(base, e, { id });
      throw e;
    }
  }

  // ---- tokens ----

  async createToken(
    user: AuthUser,
    body: unknown,
    m: RequestMeta,
  ): Promise<{ token: TokenView; secret: string }> {
    const base = { ...this.meta(m), action: 'token.create' };
    try {
      const r = await this.tokens.create(user, body);
      await this.record({
        ...base,
        outcome: 'success',
        status: 201,
        params: {
          id: r.token.id,
          name: r.token.name,
          role: r.token.role,
          clusters: r.token.clusters,
          expiresAt: r.token.expiresAt,
        },
      });
      return r;
    } catch (e) {
      await this.recordError(base, e, body);
      throw e;
    }
  }

  /** Own tokens; an admin may revoke anyone's. Someone else's token is "not found" to a non-admin. */
  async revokeToken(user: AuthUser, id: string, m: RequestMeta): Promise<void> {
    const base = { ...this.meta(m), action: 'token.delete' };
    try {
      const t = await this.tokens.get(id);
      if (t.userId !== user.id && user.role !== 'admin') throw notFound('token not found');
      await this.tokens.revoke(id);
      this.changes.emit({ tokenId: id });
      await this.record({
        ...base,
        outcome: 'success',
        status: 204,
        params: { id, name: t.name, owner: t.username },
      });
    } catch (e) {
      await this.recordError(base, e, { id });
      throw e;
    }
  }

  private async recordError(base: Omit<AuditRecord, 'outcome'>, e: unknown, params: unknown) {
    const status = e instanceof ApiError ? e.status : 500;
    await this.record({
      ...base,
      outcome: status === 401 || status === 403 ? 'denied' : 'failure',
      status,
      message: e instanceof ApiError ? e.message : 'internal error',
      params,
    });
  }

  /** Housekeeping: expired sessions and stale throttle records. */
  async maintenance(): Promise<void> {
    await this.sessions.purgeExpired();
    await this.throttle.purgeStale();
  }
}

function describeUser(u: UserView) {
  return {
    id: u.id,
    username: u.username,
    role: u.role,
    clusters: u.clusters,
    canOverrideGuard: u.canOverrideGuard,
    canOverrideSystemLabels: u.canOverrideSystemLabels,
    canDisableEviction: u.canDisableEviction,
  };
}
