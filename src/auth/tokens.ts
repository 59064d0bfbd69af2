/**
 * API tokens for scripts: `Authorization: Bearer knm_…`. The secret is shown once at creation; the store keeps
 * its SHA-256. A token never carries more than its creator: its effective role is the lower of its own role and
 * the creator's current role, and it dies with the creator. It may also be narrowed to some clusters: it then
 * sees those of them its creator can still see.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import { ApiError, badRequest, forbidden, notFound } from '../errors.js';
import { ROLE_RANK, type AuthUser, type Role } from './identity.js';
import { isValidClusterName } from '../clusters/registry.js';
import type { Database } from '../store/schema.js';
import { defaultRandom, newTokenSecret, sha256Hex, TOKEN_PREFIX, type RandomSource } from './secrets.js';
import type { ApiTokensTable } from './tables.js';
import { clustersOf, ROLES, toAuthUser, type UserRow } from './users.js';
import { parse } from './validate.js';

export type TokenRow = Selectable<ApiTokensTable>;

export interface TokenView {
  id: string;
  name: string;
  /** The role the token was created with; the effective role is also capped by the owner's current role. */
  role: Role;
  /** The clusters the token is narrowed to; null = whatever its owner can see. */
  clusters: string[] | null;
  userId: string;
  username: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export const newTokenSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    role: z.enum(ROLES).optional(),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
    // Names are checked one by one in checkTokenClusters, so the error can name the offending one.
    clusters: z.array(z.string().max(253)).max(1000).optional(),
  })
  .strict();

/** lastUsedAt is informative; writing it on every call would make each API read a write. */
const TOUCH_EVERY_MS = 60_000;

export function minRole(a: Role, b: Role): Role {
  return ROLE_RANK[a] <= ROLE_RANK[b] ? a : b;
}

/** What a token narrowed to `token` may see of what its owner may see (`owner`); null = every cluster. */
export function narrowClusters(owner: string[] | null, token: string[] | null): string[] | null {
  if (token === null) return owner;
  if (owner === null) return [...token];
  return owner.filter((c) => token.includes(c));
}

/** The requested narrowing, checked against the rules; returned sorted, as the list shows it. */
function checkTokenClusters(clusters: string[], role: Role, creator: AuthUser): string[] {
  if (clusters.length === 0) {
    throw badRequest(
      'clusters: name at least one cluster, or leave the field out for all of yours',
      'clusters',
    );
  }
  const seen = new Set<string>();
  for (const name of clusters) {
    if (!isValidClusterName(name)) {
      throw badRequest(
        `clusters: ${JSON.stringify(name)} is not a valid cluster name (lower-case letters, digits and "-", at most 63)`,
        'clusters',
      );
    }
    if (seen.has(name)) throw badRequest(`clusters: "${name}" is listed twice`, 'clusters');
    seen.add(name);
  }
  // An admin token could create an unrestricted user or change its owner's restriction and so step out of
  // any narrowing; for the same reason an admin account cannot be restricted to clusters.
  if (role === 'admin') {
    throw badRequest(
      'an admin token cannot be restricted to clusters; give it the operator or viewer role',
      'clusters',
    );
  }
  if (creator.clusters !== null) {
    const outside = clusters.find((c) => !creator.clusters!.includes(c));
    if (outside !== undefined) {
      throw new ApiError(
        403,
        'Forbidden',
        `a token cannot reach cluster "${outside}": you have no access to it`,
        'clusters',
        { cluster: outside },
      );
    }
  }
  return [...clusters].sort();
}

export class Tokens {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
    private readonly random: RandomSource = defaultRandom,
  ) {}

  private views() {
    return this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select([
        'api_tokens.id',
        'api_tokens.name',
        'api_tokens.role',
        'api_tokens.clusters',
        'api_tokens.user_id',
        'users.username',
        'api_tokens.created_at',
        'api_tokens.expires_at',
        'api_tokens.last_used_at',
      ]);
  }

  private static toView(r: {
    id: string;
    name: string;
    role: Role;
    clusters: string | null;
    user_id: string;
    username: string;
    created_at: string;
    expires_at: string | null;
    last_used_at: string | null;
  }): TokenView {
    return {
      id: r.id,
      name: r.name,
      role: r.role,
      clusters: clustersOf(r),
      userId: r.user_id,
      username: r.username,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      lastUsedAt: r.last_used_at,
    };
  }

  async create(creator: AuthUser, input: unknown): Promise<{ token: TokenView; secret: string }> {
    const t = parse(newTokenSchema, input);
    const role = t.role ?? creator.role;
    if (ROLE_RANK[role] > ROLE_RANK[creator.role]) {
      throw forbidden(`a token cannot carry more than your own role (${creator.role})`);
    }
    const clusters = t.clusters === undefined ? null : checkTokenClusters(t.clusters, role, creator);
    const now = this.now();
    const secret = newTokenSecret(this.random);
    const row: TokenRow = {
      id: randomUUID(),
      user_id: creator.id,
      name: t.name,
      role,
      secret_hash: sha256Hex(secret),
      clusters: clusters === null ? null : JSON.stringify(clusters),
      created_at: new Date(now).toISOString(),
      expires_at: t.expiresInDays ? new Date(now + t.expiresInDays * 86_400_000).toISOString() : null,
      last_used_at: null,
    };
    await this.db.insertInto('api_tokens').values(row).execute();
    return { token: Tokens.toView({ ...row, username: creator.username }), secret };
  }

  /** Tokens of one user, or of everyone when `userId` is null. */
  async list(userId: string | null): Promise<TokenView[]> {
    let q = this.views();
    if (userId !== null) q = q.where('api_tokens.user_id', '=', userId);
    const rows = await q.orderBy('api_tokens.created_at', 'desc').execute();
    return rows.map(Tokens.toView);
  }

  async get(id: string): Promise<TokenView> {
    const r = await this.views().where('api_tokens.id', '=', id).executeTakeFirst();
    if (!r) throw notFound('token not found');
    return Tokens.toView(r);
  }

  async revoke(id: string): Promise<void> {
    const r = await this.db.deleteFrom('api_tokens').where('id', '=', id).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw notFound('token not found');
  }

  /** The identity a bearer secret stands for, or null if unknown, expired or revoked. */
  async resolve(secret: string): Promise<AuthUser | null> {
    if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 200) return null;
    const row = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .selectAll('users')
      .select([
        'api_tokens.id as token_id',
        'api_tokens.role as token_role',
        'api_tokens.clusters as token_clusters',
        'api_tokens.expires_at as token_expires_at',
        'api_tokens.last_used_at as token_last_used_at',
      ])
      .where('api_tokens.secret_hash', '=', sha256Hex(secret))
      .executeTakeFirst();
    if (!row) return null;
    const now = this.now();
    if (row.token_expires_at && now >= Date.parse(row.token_expires_at)) return null;
    if (!row.token_last_used_at || now - Date.parse(row.token_last_used_at) >= TOUCH_EVERY_MS) {
      await this.db
        .updateTable('api_tokens')
        .set({ last_used_at: new Date(now).toISOString() })
        .where('id', '=', row.token_id)
        .execute();
    }
    const {
      token_id,
      token_role,
      token_clusters,
      token_expires_at: _e,
      token_last_used_at: _l,
      ...user
    } = row;
    const owner = toAuthUser(user as UserRow, 'token');
    const role = minRole(token_role, owner.role);
    const rank = ROLE_RANK[role];
    return {
      ...owner,
      role,
      // Intersected with the owner's current list on every request: narrowing the owner narrows old tokens.
      // Every cluster check (route policy, node lists, operations, jobs, the WebSocket) reads this field.
      clusters: narrowClusters(owner.clusters, clustersOf({ clusters: token_clusters })),
      // Grants are operator rights: a viewer token holds none, whoever created it.
      canOverrideGuard: rank >= ROLE_RANK.operator && owner.canOverrideGuard,
      canOverrideSystemLabels: rank >= ROLE_RANK.operator && owner.canOverrideSystemLabels,
      canDisableEviction: rank >= ROLE_RANK.operator && owner.canDisableEviction === true,
      tokenId: token_id,
    };
  }
}
