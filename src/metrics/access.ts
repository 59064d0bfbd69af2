/**
 * Who may read `/metrics`. Its labels name every cluster (and the product's internals), so by default it is
 * private: an admin (session or token), or an API token whose owner sees every cluster — the credential a
 * Prometheus scraper is given (a viewer token is enough). A session of a non-admin, or a token narrowed to some
 * clusters, is refused: they would learn the names of clusters they cannot see. KNM_METRICS_PUBLIC=true opens
 * it to anyone who can reach the port.
 */
import type { AuthUser } from '../auth/identity.js';
import type { RoutePolicy } from '../api/policy.js';
import type { Config } from '../config/config.js';

export function metricsPolicy(config: Pick<Config, 'metricsPublic'>): RoutePolicy {
  return config.metricsPublic ? { public: true } : { role: 'viewer' };
}

/** With the route private: may this authenticated caller read the metrics? */
export function mayReadMetrics(user: AuthUser | undefined): boolean {
  if (!user) return false;
  if (user.role === 'admin') return true;
  return user.via === 'token' && user.clusters === null;
}

export const METRICS_REFUSED =
  'metrics need an admin, or an API token that is not narrowed to some clusters (or KNM_METRICS_PUBLIC=true)';
