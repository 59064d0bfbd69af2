/**
 * Group → role mapping for users signed in by an identity provider (OIDC or LDAP). Written as
 * `group=role[:cluster,cluster];group=role…` (e.g. `platform-admins=admin;team-a=operator:prod-a,staging-a`) with
 * a default for users whose groups match no rule (`none` = no access). Pure: parses settings and decides; it
 * knows nothing about users, sessions or providers.
 */
import type { Role } from './identity.js';

const ROLE_NAMES: readonly Role[] = ['viewer', 'operator', 'admin'];
const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };
const CLUSTER = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** What a rule or the default grants; null = no access. */
export type Grant = { role: Role; clusters: string[] | null } | null;

export interface GroupRule {
  group: string;
  grant: NonNullable<Grant>;
}

export interface GroupRoleMapping {
  rules: GroupRule[];
  /** For users none of whose groups match a rule. */
  fallback: Grant;
  /** LDAP names (DNs, cn) compare without regard to case; OIDC claims compare exactly. */
  ignoreCase: boolean;
}

export class GroupRoleSyntaxError extends Error {}

/** `admin`, `operator:prod-a,staging-a`, `none` (only where `allowNone`). */
export function parseGrant(text: string, allowNone: boolean): Grant {
  const t = text.trim();
  if (allowNone && t === 'none') return null;
  const colon = t.indexOf(':');
  const roleText = (colon < 0 ? t : t.slice(0, colon)).trim();
  if (!(ROLE_NAMES as readonly string[]).includes(roleText)) {
    throw new GroupRoleSyntaxError(
      `"${roleText}" is not a role (expected ${allowNone ? 'none, ' : ''}${ROLE_NAMES.join(', ')})`,
    );
  }
  const role = roleText as Role;
  if (colon < 0) return { role, clusters: null };
  const clusters = t
    .slice(colon + 1)
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  if (clusters.length === 0) throw new GroupRoleSyntaxError(`"${t}": no cluster names after ":"`);
  for (const c of clusters) {
    if (!CLUSTER.test(c)) throw new GroupRoleSyntaxError(`"${c}" is not a valid cluster name`);
  }
  // An admin manages users and clusters everywhere; restricting one would be a promise we cannot keep.
  if (role === 'admin') throw new GroupRoleSyntaxError(`"${t}": an admin cannot be restricted to clusters`);
  return { role, clusters: [...new Set(clusters)].sort() };
}

/**
 * Rules separated by `;` (or new lines). The role is after the last `=`, so group names that are LDAP DNs
 * (`cn=ops,ou=groups,dc=example,dc=org=operator`) work unquoted.
 */
export function parseGroupRules(text: string): GroupRule[] {
  const rules: GroupRule[] = [];
  for (const raw of text.split(/[;\n]/)) {
    const part = raw.trim();
    if (part === '') continue;
    const eq = part.lastIndexOf('=');
    if (eq <= 0) throw new GroupRoleSyntaxError(`"${part}": expected group=role[:clusters]`);
    const group = part.slice(0, eq).trim();
    if (group === '') throw new GroupRoleSyntaxError(`"${part}": the group name is empty`);
    const grant = parseGrant(part.slice(eq + 1), false);
    rules.push({ group, grant: grant! });
  }
  return rules;
}

export function mappingFrom(rules: string, fallback: string, ignoreCase = false): GroupRoleMapping {
  return { rules: parseGroupRules(rules), fallback: parseGrant(fallback, true), ignoreCase };
}

/**
 * The grant for a set of groups: the highest role any matching rule gives; its clusters are the union of the
 * clusters of every matching rule giving that role (unrestricted when one of them is). No match: the fallback.
 */
export function resolveGrant(mapping: GroupRoleMapping, groups: readonly string[]): Grant {
  const norm = (s: string) => (mapping.ignoreCase ? s.toLowerCase() : s);
  const have = new Set(groups.map(norm));
  const matched = mapping.rules.filter((r) => have.has(norm(r.group))).map((r) => r.grant);
  if (matched.length === 0) return mapping.fallback;
  const top = matched.reduce((a, b) => (RANK[b.role] > RANK[a.role] ? b : a)).role;
  const same = matched.filter((g) => g.role === top);
  if (same.some((g) => g.clusters === null)) return { role: top, clusters: null };
  return { role: top, clusters: [...new Set(same.flatMap((g) => g.clusters!))].sort() };
}
