/**
 * Local user accounts: validation, creation, update, removal, and the effective rights of a user. Sessions and
 * tokens of a removed user go with it; the last admin can be neither removed nor demoted.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import { ApiError, badRequest, conflict, notFound } from '../errors.js';
import type { AuthUser, Role } from './identity.js';
import type { Database } from '../store/schema.js';
import { isUniqueViolation } from '../store/errors.js';
import { checkPasswordPolicy, DEFAULT_SCRYPT, hashPassword, type ScryptParams } from './password.js';
import type { UsersTable } from './tables.js';
import type { UserView } from './user-types.js';
import { parse } from './validate.js';

export type UserRow = Selectable<UsersTable>;

export const ROLES = ['viewer', 'operator', 'admin'] as const satisfies readonly Role[];

export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^[a-z0-9][a-z0-9._@-]{0,63}$/,
    'use 1–64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit',
  );

const clusterName = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'not a valid cluster name');
export const clustersSchema = z
  .array(clusterName)
  .max(1000)
  .nullable()
  .transform((v) => (v === null ? null : [...new Set(v)].sort()));

export const newUserSchema = z
  .object({
    username: usernameSchema,
    password: z.string(),
    role: z.enum(ROLES),
    clusters: clustersSchema.optional(),
    canOverrideGuard: z.boolean().optional(),
    canOverrideSystemLabels: z.boolean().optional(),
    canDisableEviction: z.boolean().optional(),
  })
  .strict();

export const userPatchSchema = z
  .object({
    /** Accepted only unchanged (forms send the whole user); usernames are permanent, the audit log keys on them. */
    username: usernameSchema.optional(),
    role: z.enum(ROLES).optional(),
    clusters: clustersSchema.optional(),
    canOverrideGuard: z.boolean().optional(),
    canOverrideSystemLabels: z.boolean().optional(),
    canDisableEviction: z.boolean().optional(),
    password: z.string().optional(),
  })
  .strict();

export type NewUser = z.input<typeof newUserSchema>;
export type UserPatch = z.input<typeof userPatchSchema>;

export type { UserView } from './user-types.js';

/** A stored cluster list (users and tokens alike): null = no restriction; a damaged list means none. */
export function clustersOf(row: { clusters: string | null }): string[] | null {
  if (row.clusters === null) return null;
  try {
    const v: unknown = JSON.parse(row.clusters);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    // A damaged list must fail closed: no clusters rather than all.
    return [];
  }
}

/** Stored provider groups; a damaged list means none (the cluster then grants less, never more). */
function providerGroupsOf(row: Pick<UserRow, 'groups'>): string[] {
  if (!row.groups) return [];
  try {
    const v: unknown = JSON.parse(row.groups);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function grants(row: UserRow): {
  canOverrideGuard: boolean;
  canOverrideSystemLabels: boolean;
  canDisableEviction: boolean;
} {
  const admin = row.role === 'admin';
  const operator = row.role === 'operator';
  return {
    canOverrideGuard: admin || (operator && Number(row.can_override_guard) === 1),
    canOverrideSystemLabels: admin || (operator && Number(row.can_override_system_labels) === 1),
    canDisableEviction: admin || (operator && Number(row.can_disable_eviction) === 1),
  };
}

export function toUserView(row: UserRow): UserView {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    clusters: clustersOf(row),
    ...grants(row),
    source: row.source ?? 'local',
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toAuthUser(row: UserRow, via: AuthUser['via']): AuthUser {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    clusters: clustersOf(row),
    ...grants(row),
    source: row.source ?? 'local',
    groups: providerGroupsOf(row),
    via,
  };
}

function checkRoleShape(role: Role, clusters: string[] | null | undefined) {
  // An admin manages users and clusters, so a cluster restriction on an admin would be a promise we cannot keep.
  if (role === 'admin' && clusters) throw badRequest('an admin cannot be restricted to clusters', 'clusters');
}

export class Users {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
    private readonly scrypt: ScryptParams = DEFAULT_SCRYPT,
  ) {}

  private iso() {
    return new Date(this.now()).toISOString();
  }

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async list(): Promise<UserView[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('username').execute();
    return rows.map(toUserView);
  }

  async getRow(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async getRowByUsername(username: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username.trim().toLowerCase())
      .executeTakeFirst();
  }

  async get(id: string): Promise<UserView> {
    const row = await this.getRow(id);
    if (!row) throw notFound('user not found');
    return toUserView(row);
  }

  async create(input: unknown): Promise<UserView> {
    const u = parse(newUserSchema, input);
    checkRoleShape(u.role, u.clusters);
    checkPasswordPolicy(u.password, u.username);
    const at = this.iso();
    const row: UserRow = {
      id: randomUUID(),
      username: u.username,
      password_hash: await hashPassword(u.password, this.scrypt),
      role: u.role,
      clusters: u.clusters ? JSON.stringify(u.clusters) : null,
      can_override_guard: u.role === 'operator' && u.canOverrideGuard ? 1 : 0,
      can_override_system_labels: u.role === 'operator' && u.canOverrideSystemLabels ? 1 : 0,
      can_disable_eviction: u.role === 'operator' && u.canDisableEviction ? 1 : 0,
      created_at: at,
      updated_at: at,
      source: 'local',
      groups: null,
    };
    try {
      await this.db.insertInto('users').values(row).execute();
    } catch (e) {
      if (isUniqueViolation(e))
        throw new ApiError(409, 'Conflict', 'a user with this name exists', 'username');
      throw e;
    }
    return toUserView(row);
  }

  /** Returns the updated user and whether the password changed (the caller then revokes sessions). */
  async update(
    id: string,
    input: unknown,
  ): Promise<{ user: UserView; passwordChanged: boolean; before: UserView }> {
    const p = parse(userPatchSchema, input);
    // Hash before the transaction: scrypt takes tens of milliseconds and must not hold the write lock.
    let newHash: string | undefined;
    if (p.password !== undefined) {
      const current = await this.getRow(id);
      if (!current) throw notFound('user not found');
      // A local password would let a provider's account sign in past its provider (and its groups).
      if ((current.source ?? 'local') !== 'local') {
        throw badRequest(
          `this account signs in through ${current.source}; it has no local password`,
          'password',
        );
      }
      checkPasswordPolicy(p.password, current.username);
      newHash = await hashPassword(p.password, this.scrypt);
    }
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw notFound('user not found');
      if (p.username !== undefined && p.username !== row.username) {
        throw badRequest('usernames cannot be changed', 'username');
      }
      const role = p.role ?? row.role;
      const clusters = p.clusters !== undefined ? p.clusters : clustersOf(row);
      checkRoleShape(role, clusters);
      if (row.role === 'admin' && role !== 'admin') await this.assertAnotherAdmin(trx, id, 'demoted');
      const next: UserRow = {
        ...row,
        role,
        clusters: clusters ? JSON.stringify(clusters) : null,
        can_override_guard:
          role === 'operator' && (p.canOverrideGuard ?? Number(row.can_override_guard) === 1) ? 1 : 0,
        can_override_system_labels:
          role === 'operator' && (p.canOverrideSystemLabels ?? Number(row.can_override_system_labels) === 1)
            ? 1
            : 0,
        can_disable_eviction:
          role === 'operator' && (p.canDisableEviction ?? Number(row.can_disable_eviction) === 1) ? 1 : 0,
        updated_at: this.iso(),
      };
      if (newHash) next.password_hash = newHash;
      await trx.updateTable('users').set(next).where('id', '=', id).execute();
      return { user: toUserView(next), passwordChanged: newHash !== undefined, before: toUserView(row) };
    });
  }

  async setPasswordHash(id: string, hash: string): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ password_hash: hash, updated_at: this.iso() })
      .where('id', '=', id)
      .execute();
  }

  /** Removes the user with its sessions and tokens in one transaction. */
  async remove(id: string): Promise<UserView> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw notFound('user not found');
      if (row.role === 'admin') await this.assertAnotherAdmin(trx, id, 'removed');
      await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
      await trx.deleteFrom('api_tokens').where('user_id', '=', id).execute();
      await trx.deleteFrom('users').where('id', '=', id).execute();
      return toUserView(row);
    });
  }

  private async assertAnotherAdmin(trx: Kysely<Database>, id: string, verb: string) {
    const other = await trx
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'admin')
      .where('id', '!=', id)
      .limit(1)
      .executeTakeFirst();
    if (!other) throw conflict(`the last admin cannot be ${verb}`);
  }
}
