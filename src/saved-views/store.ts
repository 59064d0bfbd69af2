/**
 * Saved views in the store. Every read and write names the user: one user's views are invisible to every
 * other user, so an id from someone else answers 404 exactly as an id that never existed.
 */
import type { Kysely } from 'kysely';
import { badRequest, conflict, notFound } from '../errors.js';
import type { Database } from '../store/schema.js';
import { isUniqueViolation } from '../store/errors.js';
import { inTransaction } from '../store/transaction.js';
import { fromJson, newId, nowIso, toJson } from '../store/values.js';
import type { SavedViewsTable } from './tables.js';
import { SAVED_VIEW_LIMITS, type SavedView, type SavedViewInput } from './types.js';
import './tables.js';

function toView(r: SavedViewsTable): SavedView {
  return {
    id: r.id,
    name: r.name,
    query: fromJson<Record<string, string>>(r.query, {}),
    columns: fromJson<string[] | null>(r.columns, null),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const nameTaken = (name: string) => conflict(`you already have a saved view named "${name}"`);

export class SavedViewStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async list(userId: string): Promise<SavedView[]> {
    const rows = await this.db
      .selectFrom('saved_views')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('name')
      .execute();
    return rows.map(toView);
  }

  async create(userId: string, input: SavedViewInput): Promise<SavedView> {
    const at = nowIso(this.now());
    const row: SavedViewsTable = {
      id: newId(),
      user_id: userId,
      name: input.name,
      query: toJson(input.query),
      columns: input.columns ? toJson(input.columns) : null,
      created_at: at,
      updated_at: at,
    };
    try {
      await inTransaction(this.db, async (trx) => {
        // A no-op write to the user's row locks it (a row lock on PostgreSQL, the write lock on SQLite), so two
        // saves at once by the same user are counted one after the other and cannot both pass the bound.
        await trx
          .updateTable('users')
          .set((eb) => ({ id: eb.ref('id') }))
          .where('id', '=', userId)
          .execute();
        const { n } = await trx
          .selectFrom('saved_views')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('user_id', '=', userId)
          .executeTakeFirstOrThrow();
        if (n >= SAVED_VIEW_LIMITS.viewsPerUser) {
          throw badRequest(
            `you have ${SAVED_VIEW_LIMITS.viewsPerUser} saved views, the most one user may keep; delete one first`,
          );
        }
        await trx.insertInto('saved_views').values(row).execute();
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw nameTaken(input.name);
      throw e;
    }
    return toView(row);
  }

  /** Replaces name, query and columns of one of the user's views. */
  async replace(userId: string, id: string, input: SavedViewInput): Promise<SavedView> {
    try {
      const r = await this.db
        .updateTable('saved_views')
        .set({
          name: input.name,
          query: toJson(input.query),
          columns: input.columns ? toJson(input.columns) : null,
          updated_at: nowIso(this.now()),
        })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .returningAll()
        .executeTakeFirst();
      if (!r) throw notFound(`saved view "${id}" not found`);
      return toView(r);
    } catch (e) {
      if (isUniqueViolation(e)) throw nameTaken(input.name);
      throw e;
    }
  }

  async remove(userId: string, id: string): Promise<void> {
    const r = await this.db
      .deleteFrom('saved_views')
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw notFound(`saved view "${id}" not found`);
  }
}
