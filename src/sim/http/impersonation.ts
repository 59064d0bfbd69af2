/**
 * User impersonation (Impersonate-User / Impersonate-Group headers) with a small RBAC model: only the admin
 * token may impersonate (as a cluster-admin can), and an impersonated user may do what `rules` grant to its
 * name or one of its groups. Without rules the simulator accepts the headers and lets the impersonated user
 * do everything, so a product that impersonates works against it unchanged.
 */
import type { IncomingMessage } from 'node:http';
import { forbidden } from '../status.js';

/** One grant: these users or groups may use these verbs on these resources (`*` = any; `pods/eviction`). */
export interface SimRbacRule {
  users?: string[];
  groups?: string[];
  verbs: string[];
  resources: string[];
}

export interface SimUser {
  name: string;
  admin: boolean;
  /** Set for an impersonated user: decides every request (and access review) of that user. */
  allows?: (verb: string, resource: string) => boolean;
}

const has = (list: readonly string[] | undefined, v: string) =>
  !!list && (list.includes('*') || list.includes(v));

export function ruleAllows(
  rules: readonly SimRbacRule[] | undefined,
  user: string,
  groups: readonly string[],
  verb: string,
  resource: string,
): boolean {
  if (!rules) return true;
  return rules.some(
    (r) =>
      (has(r.users, user) || groups.some((g) => has(r.groups, g))) &&
      has(r.verbs, verb) &&
      has(r.resources, resource),
  );
}

/** The user a request acts as: `caller`, or the user its Impersonate-* headers name (403 if not allowed). */
export function impersonatedUser(
  req: IncomingMessage,
  caller: SimUser | null,
  rules: readonly SimRbacRule[] | undefined,
): SimUser | null {
  const name = req.headersDistinct['impersonate-user']?.[0];
  const asked = req.headersDistinct['impersonate-group'];
  if (name === undefined && asked === undefined) return caller;
  if (!name) throw forbidden(undefined, '', 'requested impersonation of groups without a user');
  if (!caller?.admin) {
    const who = caller ? caller.name : 'system:anonymous';
    throw forbidden(
      { group: '', resource: 'users' },
      name,
      `User "${who}" cannot impersonate resource "users" in API group "" at the cluster scope`,
    );
  }
  // Every authenticated user is in system:authenticated, impersonated ones too (as kube-apiserver adds it).
  const groups = [...(asked ?? []), 'system:authenticated'];
  return { name, admin: false, allows: (verb, resource) => ruleAllows(rules, name, groups, verb, resource) };
}
