/**
 * The audit log: append and read. There is deliberately no update and no delete here; the retention purge
 * (retention.ts) is the only code that removes entries.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { badRequest } from '../errors.js';
import type { Database } from '../store/schema.js';
import { inTransaction } from '../store/transaction.js';
import { sanitizeParams } from './redact.js';
import type { AuditEntry, AuditNodeResult, AuditOutcome, AuditPage } from './types.js';

export type { AuditEntry, AuditNodeResult, AuditOutcome, AuditPage };

export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['success', 'failure', 'denied', 'partial', 'pending'];

export interface AuditRecord {
  at?: Date;
  /** Username (kept even after the user is removed); null when nobody could be identified. */
  user: string | null;
  ip?: string | null;
  requestId?: string | null;
  /** What was attempted, dotted: `auth.login`, `user.create`, `node.cordon`, or `METHOD /route` by default. */
  action: string;
  cluster?: string | null;
  nodes?: string[];
  /** Request parameters; secret-named keys are redacted on the way in. */
  params?: unknown;
  outcome: AuditOutcome;
  status?: number;
  message?: string;
  results?: AuditNodeResult[];
}

/** What completes an intent: the result of the change it announced. */
export interface AuditCompletion {
  outcome: Exclude<AuditOutcome, 'pending'>;
  status?: number;
  message?: string;
  results?: AuditNodeResult[];
}

export interface AuditFilters {
  user?: string;
  cluster?: string;
  /** A node name, or a prefix ending in `*` (`web-*`). */
  node?: string;
  /** An action (`node.cordon`) or a dotted prefix of actions (`node`, `auth`). */
  operation?: string;
  outcome?: AuditOutcome;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
  limit?: number;
  cursor?: string;
}

/** Who is reading: cluster-restricted readers see entries about their clusters only (and their own logins). */
export interface AuditReader {
  username: string;
  clusters: string[] | null;
}

export const AUDIT_DEFAULT_LIMIT = 100;
export const AUDIT_MAX_LIMIT = 1000;
const MAX_MESSAGE = 2000;
const TARGET_CHUNK = 300;

let sequence = 0;
/**
 * Ids sort in creation order within one millisecond (time, then a per-process sequence, then randomness for
 * replicas), so entries written at the same instant list in the order they happened.
 */
function newEntryId(atMs: number): string {
  sequence = (sequence + 1) % 0x1000000;
  return `${atMs.toString(16).padStart(12, '0')}-${sequence.toString(16).padStart(6, '0')}-${randomUUID().slice(0, 8)}`;
}

function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') {
      return [v[0], v[1]];
    }
  } catch {
    // fall through
  }
  throw badRequest('cursor is not one this server issued', 'cursor');
}

function parseJson<T>(text: string | null): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

function targetsOf(r: AuditRecord): { cluster: string; node: string }[] {
  const seen = new Set<string>();
  const out: { cluster: string; node: string }[] = [];
  const add = (cluster: string | null | undefined, node: string) => {
    const c = cluster ?? '';
    if (c === '' && node === '') return;
    const k = `${c}\u0000${node}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push({ cluster: c, node });
  };
  for (const n of r.nodes ?? []) add(r.cluster, n);
  for (const res of r.results ?? []) add(res.cluster ?? r.cluster, res.name);
  if (out.length === 0 && r.cluster) add(r.cluster, '');
  return out;
}

export class AuditLog {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  async record(r: AuditRecord): Promise<AuditEntry> {
    const atDate = r.at ?? new Date(this.now());
    const at = atDate.toISOString();
    const id = newEntryId(atDate.getTime());
    const params = sanitizeParams(r.params) ?? null;
    const message = r.message ? r.message.slice(0, MAX_MESSAGE) : null;
    const row = {
      id,
      at,
      username: r.user,
      ip: r.ip ?? null,
      request_id: r.requestId ?? null,
      action: r.action,
      cluster: r.cluster ?? null,
      nodes: r.nodes?.length ? JSON.stringify(r.nodes) : null,
      params: params ? JSON.stringify(params) : null,
      outcome: r.outcome,
      status: r.status ?? null,
      message,
      results: r.results ? JSON.stringify(r.results) : null,
    };
    const targets = targetsOf(r).map((t) => ({ entry_id: id, ...t }));
    await inTransaction(this.db, async (trx) => {
      await trx.insertInto('audit_log').values(row).execute();
      for (let i = 0; i < targets.length; i += TARGET_CHUNK) {
        await trx
          .insertInto('audit_targets')
          .values(targets.slice(i, i + TARGET_CHUNK))
          .execute();
      }
    });
    return {
      id,
      at,
      user: r.user,
      ip: row.ip,
      requestId: row.request_id,
      action: r.action,
      cluster: row.cluster,
      nodes: r.nodes ?? [],
      params,
      outcome: r.outcome,
      status: row.status,
      message,
      results: r.results ?? null,
    };
  }

  /**
   * Records the intent of a change before it is sent (outcome `pending`) and returns the entry's id. Throws
   * the store's own error when it cannot be written; the caller must then send nothing.
   */
  async begin(r: Omit<AuditRecord, 'outcome' | 'status' | 'results'>): Promise<string> {
    return (await this.record({ ...r, outcome: 'pending' })).id;
  }

  /**
   * Completes an intent with the change's result. Only a pending entry can be completed, once: a finished
   * entry never changes. Throws the store's error when the result cannot be written (the intent stays).
   */
  async complete(id: string, c: AuditCompletion): Promise<void> {
    const targets = c.results?.map((res) => ({ cluster: res.cluster ?? '', node: res.name })) ?? [];
    await inTransaction(this.db, async (trx) => {
      const res = await trx
        .updateTable('audit_log')
        .set({
          outcome: c.outcome,
          status: c.status ?? null,
          message: c.message ? c.message.slice(0, MAX_MESSAGE) : null,
          results: c.results ? JSON.stringify(c.results) : null,
        })
        .where('id', '=', id)
        .where('outcome', '=', 'pending')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new Error(`audit entry ${id} is not pending`);
      // Results may name nodes the intent did not list (a selector resolved later): they are targets too.
      const row = await trx.selectFrom('audit_log').select('cluster').where('id', '=', id).executeTakeFirst();
      const known = new Set(
        (
          await trx
            .selectFrom('audit_targets')
            .select(['cluster', 'node'])
            .where('entry_id', '=', id)
            .execute()
        ).map((t) => `${t.cluster}\u0000${t.node}`),
      );
      const fresh: { entry_id: string; cluster: string; node: string }[] = [];
      for (const t of targets) {
        const cluster = t.cluster || row?.cluster || '';
        const k = `${cluster}\u0000${t.node}`;
        if (known.has(k)) continue;
        known.add(k);
        fresh.push({ entry_id: id, cluster, node: t.node });
      }
      for (let i = 0; i < fresh.length; i += TARGET_CHUNK)
        await trx
          .insertInto('audit_targets')
          .values(fresh.slice(i, i + TARGET_CHUNK))
          .execute();
    });
  }

  async list(filters: AuditFilters = {}, reader?: AuditReader): Promise<AuditPage> {
    const limit = Math.min(Math.max(1, Math.floor(filters.limit ?? AUDIT_DEFAULT_LIMIT)), AUDIT_MAX_LIMIT);
    let q = this.db.selectFrom('audit_log').selectAll('audit_log');

    if (filters.user) q = q.where('audit_log.username', '=', filters.user);
    if (filters.outcome) q = q.where('audit_log.outcome', '=', filters.outcome);
    if (filters.operation) {
      const op = filters.operation;
      // `node` matches `node` and every `node.*`; a range keeps the index usable and needs no LIKE escaping.
      q = q.where((eb) =>
        eb.or([
          eb('audit_log.action', '=', op),
          eb.and([eb('audit_log.action', '>=', op + '.'), eb('audit_log.action', '<', op + '/')]),
        ]),
      );
    }
    if (filters.from) q = q.where('audit_log.at', '>=', filters.from.toISOString());
    if (filters.to) q = q.where('audit_log.at', '<', filters.to.toISOString());
    if (filters.cluster) {
      const c = filters.cluster;
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('audit_targets')
            .select('audit_targets.entry_id')
            .whereRef('audit_targets.entry_id', '=', 'audit_log.id')
            .where('audit_targets.cluster', '=', c),
        ),
      );
    }
    if (filters.node) {
      const n = filters.node;
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('audit_targets')
            .select('audit_targets.entry_id')
            .whereRef('audit_targets.entry_id', '=', 'audit_log.id')
            .where((w) =>
              // `web-*` is a prefix: substr compares bytes alike on SQLite and PostgreSQL (LIKE would need
              // escaping and folds case on SQLite).
              n.endsWith('*')
                ? w(sql`substr(audit_targets.node, 1, ${n.length - 1})`, '=', n.slice(0, -1))
                : w('audit_targets.node', '=', n),
            ),
        ),
      );
    }
    if (reader && reader.clusters !== null) {
      const allowed = reader.clusters;
      const me = reader.username;
      q = q.where((eb) => {
        const anyTarget = eb.exists(
          eb
            .selectFrom('audit_targets')
            .select('audit_targets.entry_id')
            .whereRef('audit_targets.entry_id', '=', 'audit_log.id'),
        );
        const ownUntargeted = eb.and([eb.not(anyTarget), eb('audit_log.username', '=', me)]);
        if (allowed.length === 0) return ownUntargeted;
        // Visible when every cluster the entry touches is one the reader may see.
        const foreignTarget = eb.exists(
          eb
            .selectFrom('audit_targets')
            .select('audit_targets.entry_id')
            .whereRef('audit_targets.entry_id', '=', 'audit_log.id')
            .where('audit_targets.cluster', 'not in', allowed),
        );
        return eb.or([eb.and([anyTarget, eb.not(foreignTarget)]), ownUntargeted]);
      });
    }
    if (filters.cursor) {
      const [at, id] = decodeCursor(filters.cursor);
      q = q.where((eb) =>
        eb.or([
          eb('audit_log.at', '<', at),
          eb.and([eb('audit_log.at', '=', at), eb('audit_log.id', '<', id)]),
        ]),
      );
    }

    const rows = await q
      .orderBy('audit_log.at', 'desc')
      .orderBy('audit_log.id', 'desc')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const items: AuditEntry[] = page.map((row) => ({
      id: row.id,
      at: row.at,
      user: row.username,
      ip: row.ip,
      requestId: row.request_id,
      action: row.action,
      cluster: row.cluster,
      nodes: parseJson<string[]>(row.nodes) ?? [],
      params: parseJson<Record<string, unknown>>(row.params),
      outcome: row.outcome,
      status: row.status === null ? null : Number(row.status),
      message: row.message,
      results: parseJson<AuditNodeResult[]>(row.results),
    }));
    const last = page[page.length - 1];
    return rows.length > limit && last ? { items, nextCursor: encodeCursor(last.at, last.id) } : { items };
  }

  /**
   * Removes entries older than `retentionDays` (0 = keep forever). The only deletion the audit log knows; runs
   * at start and hourly (retention.ts). Returns how many entries were removed.
   */
  async purge(retentionDays: number): Promise<number> {
    if (retentionDays <= 0) return 0;
    const cutoff = new Date(this.now() - retentionDays * 86_400_000).toISOString();
    return this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('audit_targets')
        .where('entry_id', 'in', trx.selectFrom('audit_log').select('id').where('at', '<', cutoff))
        .execute();
      const res = await trx.deleteFrom('audit_log').where('at', '<', cutoff).executeTakeFirst();
      return Number(res.numDeletedRows);
    });
  }
}
