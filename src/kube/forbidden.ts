/**
 * Which permission a 403 from a Kubernetes API server says is missing. The RBAC authorizer words every denial
 * the same way ("… cannot create resource "pods/eviction" in API group "" in the namespace "default""), so the
 * verb and resource can be read back and told to the operator as the rule to grant, instead of a bare 403.
 */
import { KubeError, isKubeError } from './errors.js';

export interface MissingPermission {
  verb: string;
  /** Resource, with its subresource after a slash (pods/eviction). */
  resource: string;
  /** API group; '' is the core group. */
  group: string;
  namespace?: string;
}

const DENIAL =
  /cannot ([a-z]+) resource "([a-z0-9.-]+(?:\/[a-z0-9.-]+)?)" in API group "([a-z0-9.-]*)"(?: in the namespace "([a-z0-9.-]+)")?/;

/** The permission a Forbidden error names, or undefined when it names none (another authorizer, admission). */
export function missingPermission(e: unknown): MissingPermission | undefined {
  if (!isKubeError(e, 'Forbidden')) return undefined;
  // The message is the API server's (untrusted) text; only the fixed shape above is believed, and bounded.
  const m = DENIAL.exec(e.message.slice(0, 2000));
  if (!m) return undefined;
  const [, verb, resource, group, namespace] = m;
  return { verb: verb!, resource: resource!, group: group!, ...(namespace ? { namespace } : {}) };
}

/** "create on pods/eviction", "get on daemonsets.apps": the form `kubectl auth can-i` takes. */
export function describePermission(p: Pick<MissingPermission, 'verb' | 'resource' | 'group'>): string {
  const [res, sub] = p.resource.split('/');
  const qualified = p.group ? `${res}.${p.group}` : res;
  return `${p.verb} on ${qualified}${sub ? `/${sub}` : ''}`;
}

/** An error's message for people: a Forbidden one leads with the permission the identity needs. */
export function kubeErrorText(e: unknown): string {
  const message = (e as Error)?.message ?? String(e);
  const p = missingPermission(e);
  if (!p) return message;
  return `needs ${describePermission(p)} (the API server refused: ${message})`;
}

export const isPermissionDenied = (e: unknown): e is KubeError => missingPermission(e) !== undefined;
