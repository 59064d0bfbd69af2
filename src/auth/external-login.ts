/**
 * Signing in a person whom an identity provider (OpenID Connect, LDAP) has already authenticated: their
 * groups decide role and clusters afresh at every sign-in, the account is created or updated to match, and a
 * server-side session like a local user's is opened. A person whose groups no longer grant access is refused,
 * their sessions and API tokens end, and their account keeps no rights. Every decision is audited with the
 * identity source and the groups the provider sent.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ApiError } from '../errors.js';
import { authLogins } from '../metrics/registry.js';
import { isUniqueViolation } from '../store/errors.js';
import type { Database } from '../store/schema.js';
import { sendableGroups } from '../kube/impersonation.js';
import { resolveGrant, type Grant, type GroupRoleMapping } from './group-roles.js';
import type { AuthService, RequestMeta } from './service.js';
import type { NewSession } from './sessions.js';
import { toUserView, usernameSchema, type UserRow, type UserView } from './users.js';

export type IdentitySource = 'oidc' | 'ldap';

/** What a provider vouches for. Untrusted in shape: the provider's claims are checked here. */
export interface ExternalIdentity {
  source: IdentitySource;
  /** As the provider sent it (claim value, LDAP attribute); normalised and checked here. */
  username: unknown;
  groups: string[];
  /** The provider sent no groups at all (claim absent), as opposed to an empty list. */
  groupsMissing?: boolean;
}

/**
 * Stored instead of a password hash for provider accounts: not in the `scrypt$…` format, so no password ever
 * verifies against it and the local sign-in refuses these users like a wrong password.
 */
export const NO_LOCAL_PASSWORD = '!external';

/** Audit entries keep at most this many groups (directories with thousands of groups exist). */
const AUDITED_GROUPS = 100;

export class SignInRefused extends ApiError {
  constructor(
    status: 401 | 403,
    code: 'SignInFailed' | 'NoAccess' | 'AccountConflict' | 'InvalidUsername',
    message: string,
  ) {
    super(status, code, message);
  }
}

export function sourceOf(row: Pick<UserRow, 'source'>): 'local' | IdentitySource {
  return row.source ?? 'local';
}

export async function signInExternal(
  auth: AuthService,
  db: Kysely<Database>,
  mapping: GroupRoleMapping,
  id: ExternalIdentity,
  m: RequestMeta,
): Promise<{ user: UserView; session: NewSession }> {
  const groups = [...new Set(id.groups)];
  const params = {
    source: id.source,
    groups: groups.slice(0, AUDITED_GROUPS),
    ...(groups.length > AUDITED_GROUPS ? { groupsTotal: groups.length } : {}),
    ...(id.groupsMissing ? { groupsMissing: true } : {}),
  };
  const base = { ip: m.ip, requestId: m.requestId, action: 'auth.login' };
  const refuse = async (
    e: SignInRefused,
    user: string | null,
    extra: Record<string, unknown> = {},
  ): Promise<never> => {
    authLogins.inc({ result: 'failure' });
    await auth.record({
      ...base,
      user,
      outcome: 'denied',
      status: e.status,
      message: e.message,
      params: { ...params, ...extra },
    });
    throw e;
  };

  const name = usernameSchema.safeParse(typeof id.username === 'string' ? id.username : '');
  if (!name.success) {
    return refuse(
      new SignInRefused(
        403,
        'InvalidUsername',
        `the ${id.source === 'oidc' ? 'identity provider' : 'directory'} gave no usable username (1–64 letters, digits, ".", "_", "@" or "-")`,
      ),
      null,
    );
  }
  const username = name.data;
  const grant = resolveGrant(mapping, groups);
  const at = new Date(auth.now()).toISOString();
  // Kept for clusters that act as the signed-in user (Impersonate-Group); bounded like the audit entry.
  const storedGroups = JSON.stringify(sendableGroups(groups));

  type Outcome =
    | { kind: 'conflict'; source: string }
    | { kind: 'refused'; userId?: string; ended: { sessions: number; tokens: number } }
    | { kind: 'ok'; row: UserRow; created: boolean; before?: Grant };
  const outcome = await db
    .transaction()
    .execute(async (trx): Promise<Outcome> => {
      const row = await trx
        .selectFrom('users')
        .selectAll()
        .where('username', '=', username)
        .executeTakeFirst();
      // A provider must never take over a local account (or one of another provider) by naming it.
      if (row && sourceOf(row) !== id.source) return { kind: 'conflict', source: sourceOf(row) };
      if (!grant) {
        if (!row) return { kind: 'refused', ended: { sessions: 0, tokens: 0 } };
        const s = await trx.deleteFrom('sessions').where('user_id', '=', row.id).executeTakeFirst();
        const t = await trx.deleteFrom('api_tokens').where('user_id', '=', row.id).executeTakeFirst();
        // The account stays (its name is in the audit log) with no cluster and the lowest role.
        await trx
          .updateTable('users')
          .set({
            role: 'viewer',
            clusters: '[]',
            can_override_guard: 0,
            can_override_system_labels: 0,
            can_disable_eviction: 0,
            updated_at: at,
          })
          .where('id', '=', row.id)
          .execute();
        return {
          kind: 'refused',
          userId: row.id,
          ended: { sessions: Number(s.numDeletedRows), tokens: Number(t.numDeletedRows) },
        };
      }
      const clusters = grant.clusters ? JSON.stringify(grant.clusters) : null;
      if (!row) {
        const fresh: UserRow = {
          id: randomUUID(),
          username,
          password_hash: NO_LOCAL_PASSWORD,
          role: grant.role,
          clusters,
          can_override_guard: 0,
          can_override_system_labels: 0,
          can_disable_eviction: 0,
          created_at: at,
          updated_at: at,
          source: id.source,
          groups: storedGroups,
        };
        await trx.insertInto('users').values(fresh).execute();
        return { kind: 'ok', row: fresh, created: true };
      }
      const operator = grant.role === 'operator';
      const next: UserRow = {
        ...row,
        role: grant.role,
        clusters,
        // Extra grants an admin gave an operator survive; they mean nothing for other roles.
        can_override_guard: operator ? Number(row.can_override_guard) : 0,
        can_override_system_labels: operator ? Number(row.can_override_system_labels) : 0,
        can_disable_eviction: operator ? Number(row.can_disable_eviction ?? 0) : 0,
        groups: storedGroups,
        updated_at: at,
      };
      await trx.updateTable('users').set(next).where('id', '=', row.id).execute();
      const view = toUserView(row);
      return { kind: 'ok', row: next, created: false, before: { role: view.role, clusters: view.clusters } };
    })
    .catch((e: unknown) => {
      // Two first sign-ins of the same person at once: the loser finds the account made by the winner.
      if (isUniqueViolation(e)) throw new ApiError(409, 'Conflict', 'signed in twice at once; try again');
      throw e;
    });

  if (outcome.kind === 'conflict') {
    return refuse(
      new SignInRefused(
        403,
        'AccountConflict',
        `an account named "${username}" already exists and does not come from this ${id.source === 'oidc' ? 'identity provider' : 'directory'}`,
      ),
      username,
      { existingSource: outcome.source },
    );
  }
  // Open connections of this person follow at once: ended sessions and tokens close them, and a changed role,
  // cluster list or group set is applied (and reviewed again by clusters that act as the signed-in user).
  if (outcome.kind === 'refused' && outcome.userId) auth.changes.emit({ userId: outcome.userId });
  if (outcome.kind === 'ok' && !outcome.created) auth.changes.emit({ userId: outcome.row.id });
  if (outcome.kind === 'refused') {
    return refuse(
      new SignInRefused(
        403,
        'NoAccess',
        id.groupsMissing
          ? 'the identity provider sent no groups, and without groups there is no access to this console'
          : 'none of your groups grants access to this console',
      ),
      username,
      { sessionsEnded: outcome.ended.sessions, tokensRevoked: outcome.ended.tokens },
    );
  }

  authLogins.inc({ result: 'success' });
  const session = await auth.sessions.create(outcome.row.id, m.ip);
  const user = toUserView(outcome.row);
  await auth.record({
    ...base,
    user: username,
    outcome: 'success',
    status: 200,
    params: {
      ...params,
      role: user.role,
      clusters: user.clusters,
      ...(outcome.created ? { created: true } : {}),
      ...(outcome.before &&
      (outcome.before.role !== user.role ||
        JSON.stringify(outcome.before.clusters) !== JSON.stringify(user.clusters))
        ? { before: outcome.before }
        : {}),
    },
  });
  return { user, session };
}
