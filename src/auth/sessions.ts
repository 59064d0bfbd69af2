/**
 * Server-side browser sessions. The cookie carries a random id; the store keeps only its SHA-256, the owner,
 * and the times that decide idle and absolute expiry. Revocation is a row deletion, effective on the next request.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { csrfTokenFor, defaultRandom, newSessionId, sha256Hex, type RandomSource } from './secrets.js';
import type { UserRow } from './users.js';

export interface SessionTimes {
  idleMinutes: number;
  maxHours: number;
}

export interface NewSession {
  /** The cookie value. Secret: return it to the browser once, never log it. */
  sessionId: string;
  idHash: string;
  csrfToken: string;
  expiresAt: string;
  maxAgeSeconds: number;
}

export interface ResolvedSession {
  idHash: string;
  user: UserRow;
  expiresAt: string;
  /** When it ends unless used again (ms since epoch): idle or absolute expiry, whichever comes first. */
  validUntil: number;
}

export class Sessions {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
    private readonly times: SessionTimes,
    private readonly random: RandomSource = defaultRandom,
  ) {}

  private get idleMs() {
    return this.times.idleMinutes * 60_000;
  }

  /**
   * Recording every request's time would turn each read into a write; last_seen_at is refreshed at most this
   * often, so a session may expire up to this much earlier than the idle limit, never later.
   */
  private get touchEveryMs() {
    return Math.min(30_000, this.idleMs / 10);
  }

  async create(userId: string, ip: string): Promise<NewSession> {
    const sessionId = newSessionId(this.random);
    const idHash = sha256Hex(sessionId);
    const now = this.now();
    const maxAgeMs = this.times.maxHours * 3_600_000;
    const expiresAt = new Date(now + maxAgeMs).toISOString();
    await this.db
      .insertInto('sessions')
      .values({
        id_hash: idHash,
        user_id: userId,
        created_at: new Date(now).toISOString(),
        last_seen_at: new Date(now).toISOString(),
        expires_at: expiresAt,
        ip,
      })
      .execute();
    return {
      sessionId,
      idHash,
      csrfToken: csrfTokenFor(sessionId),
      expiresAt,
      maxAgeSeconds: maxAgeMs / 1000,
    };
  }

  /**
   * The live session for a cookie value; expired sessions are deleted on sight. `touch` (default) counts this
   * as activity and refreshes the idle clock; background re-checks pass false.
   */
  async resolve(sessionId: string, touch = true): Promise<ResolvedSession | null> {
    const idHash = sha256Hex(sessionId);
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('users')
      .select(['sessions.last_seen_at', 'sessions.expires_at as session_expires_at'])
      .where('sessions.id_hash', '=', idHash)
      .executeTakeFirst();
    if (!row) return null;
    const now = this.now();
    const lastSeen = Date.parse(row.last_seen_at);
    if (now >= Date.parse(row.session_expires_at) || now - lastSeen >= this.idleMs) {
      await this.revoke(idHash);
      return null;
    }
    const touched = touch && now - lastSeen >= this.touchEveryMs;
    if (touched) {
      await this.db
        .updateTable('sessions')
        .set({ last_seen_at: new Date(now).toISOString() })
        .where('id_hash', '=', idHash)
        .execute();
    }
    const { last_seen_at: _l, session_expires_at: expiresAt, ...user } = row;
    const validUntil = Math.min(Date.parse(expiresAt), (touched ? now : lastSeen) + this.idleMs);
    return { idHash, user, expiresAt, validUntil };
  }

  async revoke(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  /** Ends every session of a user except, optionally, the one making the request. Returns how many ended. */
  async revokeUser(userId: string, exceptIdHash?: string): Promise<number> {
    let q = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (exceptIdHash) q = q.where('id_hash', '!=', exceptIdHash);
    const r = await q.executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Drops rows that can no longer authenticate (absolute or idle expiry passed). */
  async purgeExpired(): Promise<number> {
    const now = this.now();
    const r = await this.db
      .deleteFrom('sessions')
      .where((eb) =>
        eb.or([
          eb('expires_at', '<=', new Date(now).toISOString()),
          eb('last_seen_at', '<=', new Date(now - this.idleMs).toISOString()),
        ]),
      )
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
