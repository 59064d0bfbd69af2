/**
 * DNS-rebinding defence: a request is served only when its `Host` names this server. A page on an attacker's
 * domain whose DNS answer is switched to 127.0.0.1 (or a pod IP) reaches us with the attacker's name in `Host`;
 * refusing unknown names keeps such a page from reading anything, the login form and `/metrics` included.
 *
 * Allowed: the bind address itself; `localhost`, `127.0.0.1` and `[::1]` when bound to loopback; every name in
 * KNM_ALLOWED_HOSTS (`*.example.com` covers the names under example.com). Bound to every interface (0.0.0.0,
 * `::`) without KNM_ALLOWED_HOSTS — the in-cluster default — the server cannot know its public names, so it
 * accepts what no public DNS can point at it: IP literals (probes hit the pod IP), single-label names and
 * names under `.svc` / `.svc.cluster.local` (Service names), and `localhost`. Any public name then needs
 * KNM_ALLOWED_HOSTS. With KNM_ALLOWED_HOSTS set, only the listed names and the bind address are accepted
 * (plus IP literals when bound to every interface, for probes).
 */
import { isIP } from 'node:net';
import type { Config } from '../config/config.js';

export interface HostPolicy {
  /** Exact names (lower case, IPv6 in brackets). */
  names: Set<string>;
  /** Suffixes from `*.example.com` entries, with their leading dot. */
  suffixes: string[];
  /** Bound to every interface: IP literals are accepted (probes address the pod IP). */
  anyIp: boolean;
  /** Bound to every interface with no configured names: cluster-internal names are accepted too. */
  clusterNames: boolean;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '[::]']);

function bracket(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function hostPolicy(config: Pick<Config, 'host' | 'allowedHosts'>): HostPolicy {
  const bind = config.host.trim().toLowerCase();
  const names = new Set<string>();
  const suffixes: string[] = [];
  const anyIp = WILDCARD_BINDS.has(bind);
  if (!anyIp) names.add(bracket(bind.replace(/^\[|\]$/g, '')));
  if (isLoopback(bind)) for (const n of LOOPBACK_NAMES) names.add(n);
  for (const h of config.allowedHosts) {
    const name = h.replace(/\.$/, '');
    if (name.startsWith('*.')) suffixes.push(name.slice(1));
    else names.add(bracket(name.replace(/^\[|\]$/g, '')));
  }
  return { names, suffixes, anyIp, clusterNames: anyIp && config.allowedHosts.length === 0 };
}

/** The host name of a Host header value, lower case, without port or trailing dot; undefined if malformed. */
export function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const h = header.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/.exec(h);
  return m ? m[1]!.replace(/\.$/, '') : undefined;
}

export function hostAllowed(header: string | undefined, p: HostPolicy): boolean {
  const name = hostName(header);
  if (!name) return false;
  if (p.names.has(name)) return true;
  if (p.suffixes.some((s) => name.endsWith(s) && name.length > s.length)) return true;
  const ip = isIP(name.replace(/^\[|\]$/g, ''));
  if (p.anyIp && ip) return true;
  if (p.clusterNames && !ip) {
    return (
      name === 'localhost' ||
      !name.includes('.') ||
      name.endsWith('.svc') ||
      name.endsWith('.svc.cluster.local')
    );
  }
  return false;
}
