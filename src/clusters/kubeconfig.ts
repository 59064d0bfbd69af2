// Turning the three cluster sources into a KubeConfig for exactly one context, with errors an admin can act on.
// Parsing and auth flavours come from @kubernetes/client-node; this file decides what is acceptable.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import type { KubeContextInfo } from './types.js';
import { tokenExpiry, whyNotRefreshable, type OidcProviderConfig } from '../kube/oidc.js';
import { invalidKubeconfig, noServerKubeconfig, unknownContext } from './errors.js';

const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split('\n')[0]!;

/** Parses pasted kubeconfig text. Error messages quote no part of the text (it holds credentials). */
export function parseKubeconfigText(text: string, field = 'kubeconfig'): KubeConfig {
  if (text.trim() === '') throw invalidKubeconfig('the kubeconfig is empty', field);
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (e) {
    throw invalidKubeconfig(`the kubeconfig could not be parsed: ${firstLine(e)}`, field);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw invalidKubeconfig(
      'the kubeconfig is not a YAML or JSON document with clusters, users and contexts',
      field,
    );
  }
  // client-node reads `token-file` while parsing, before any check of ours could run: refuse it up front.
  const users = (doc as { users?: unknown }).users;
  if (
    Array.isArray(users) &&
    users.some((u) => u && typeof u === 'object' && u.user && u.user['token-file'])
  ) {
    throw invalidKubeconfig(
      "a user's token-file refers to a file on your machine; export it with: kubectl config view --raw --minify --flatten",
      field,
    );
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (e) {
    throw invalidKubeconfig(`the kubeconfig could not be parsed: ${firstLine(e)}`, field);
  }
  if (!Array.isArray(kc.contexts) || kc.contexts.length === 0) {
    throw invalidKubeconfig('the kubeconfig has no contexts', field);
  }
  return kc;
}

export function listContexts(kc: KubeConfig): KubeContextInfo[] {
  return kc.getContexts().map((c) => ({
    name: c.name,
    cluster: c.cluster,
    server: kc.getCluster(c.cluster)?.server ?? '',
    user: c.user,
    ...(c.namespace ? { namespace: c.namespace } : {}),
  }));
}

/** Picks the context to use: the requested one, else current-context, else the only one. */
export function selectContext(kc: KubeConfig, requested: string | undefined, where: string): string {
  const known = kc.getContexts().map((c) => c.name);
  if (requested) {
    if (!kc.getContextObject(requested)) throw unknownContext(requested, known, where);
    return requested;
  }
  const current = kc.getCurrentContext();
  if (current && kc.getContextObject(current)) return current;
  if (known.length === 1) return known[0]!;
  throw unknownContext(undefined, known, where);
}

/** A KubeConfig holding only one context, its cluster and its user; throws InvalidKubeconfig if incomplete. */
export function singleContext(kc: KubeConfig, context: string, field = 'kubeconfig'): KubeConfig {
  const ctx = kc.getContextObject(context)!;
  const cluster = kc.getCluster(ctx.cluster);
  if (!cluster)
    throw invalidKubeconfig(
      `context "${context}" refers to cluster "${ctx.cluster}", which is not defined`,
      field,
    );
  if (!/^https?:\/\//.test(cluster.server)) {
    throw invalidKubeconfig(`cluster "${cluster.name}" has no http(s) server URL`, field);
  }
  if (cluster.server.startsWith('http://') && !cluster.skipTLSVerify) {
    // The Kubernetes client refuses this combination; say so before trying to connect.
    throw invalidKubeconfig(
      `cluster "${cluster.name}" uses plain http (${cluster.server}); that needs insecure-skip-tls-verify: true`,
      field,
    );
  }
  const user = kc.getUser(ctx.user);
  if (!user)
    throw invalidKubeconfig(`context "${context}" refers to user "${ctx.user}", which is not defined`, field);
  const out = new KubeConfig();
  out.loadFromOptions({ clusters: [cluster], users: [user], contexts: [ctx], currentContext: context });
  return out;
}

/**
 * A pasted kubeconfig is stored and used on the server, so it must carry its credentials inline. File
 * references would read the server's files, and exec / auth-provider plugins would run programs on the
 * server; both are refused with the way out (`--flatten` inlines files). The server's own kubeconfig is
 * trusted and not checked.
 */
export function requireSelfContained(kc: KubeConfig, field = 'kubeconfig'): void {
  const cluster = kc.getCurrentCluster()!;
  const user = kc.getCurrentUser()!;
  const fix = 'export it with: kubectl config view --raw --minify --flatten --context <name>';
  if (cluster.caFile)
    throw invalidKubeconfig(`certificate-authority refers to a file on your machine; ${fix}`, field);
  if (user.certFile || user.keyFile) {
    throw invalidKubeconfig(`client-certificate/client-key refer to files on your machine; ${fix}`, field);
  }
  if (user.exec) {
    throw invalidKubeconfig(
      `user "${user.name}" uses an exec credential plugin, which would run a program on this server; ` +
        'use a token or client certificate (e.g. a ServiceAccount token), or add the context from the ' +
        "server's own kubeconfig instead",
      field,
    );
  }
  const provider = user.authProvider as { name?: string; config?: OidcProviderConfig } | undefined;
  if (provider && provider.name !== 'oidc') {
    throw invalidKubeconfig(
      `user "${user.name}" uses the "${provider.name ?? 'unknown'}" auth-provider, which is not supported for ` +
        'pasted kubeconfigs; use a token or client certificate',
      field,
    );
  }
  if (provider) requireUsableOidc(user.name, provider.config ?? {}, field, fix);
}

/**
 * An oidc user must work now and keep working: its id-token is valid, or it can be refreshed (refresh-token,
 * https issuer, client-id). A token that expired with no way to renew it is refused here rather than
 * registering a cluster that can never be reached.
 */
function requireUsableOidc(name: string, c: OidcProviderConfig, field: string, fix: string): void {
  if (c['idp-certificate-authority'] && !c['idp-certificate-authority-data']) {
    throw invalidKubeconfig(`idp-certificate-authority refers to a file on your machine; ${fix}`, field);
  }
  const exp = tokenExpiry(c['id-token']);
  const valid = !!c['id-token'] && (exp === undefined || exp * 1000 > Date.now());
  const why = whyNotRefreshable(c);
  if (valid || !why) return;
  throw invalidKubeconfig(
    `user "${name}" uses the oidc auth-provider, but its id-token ${c['id-token'] ? 'has expired' : 'is missing'} ` +
      `and cannot be refreshed (${why}); run a kubectl command to refresh it and export again, or use a token`,
    field,
  );
}

/** Minimal kubeconfig (JSON text) for the one context: what is encrypted and stored. */
export function exportMinimal(kc: KubeConfig): string {
  return kc.exportConfig();
}

export interface ServerKubeconfig {
  kc: KubeConfig;
  files: string[];
}

/** Candidate files: KNM_KUBECONFIG, else KUBECONFIG (a path list), else ~/.kube/config. */
export function serverKubeconfigPaths(configured: string, env: NodeJS.ProcessEnv): string[] {
  const list = (s: string) => s.split(path.delimiter).filter(Boolean);
  if (configured) return list(configured);
  if (env.KUBECONFIG) return list(env.KUBECONFIG);
  const home = env.HOME || os.homedir();
  return home ? [path.join(home, '.kube', 'config')] : [];
}

/** Loads the server's own kubeconfig fresh (it may change while running); null when no file exists. */
export function loadServerKubeconfig(configured: string, env: NodeJS.ProcessEnv): ServerKubeconfig | null {
  const candidates = serverKubeconfigPaths(configured, env);
  const files = candidates.filter((f) => fs.existsSync(f));
  if (files.length === 0) return null;
  const kc = new KubeConfig();
  for (const [i, f] of files.entries()) {
    const part = new KubeConfig();
    try {
      part.loadFromFile(f);
    } catch (e) {
      throw invalidKubeconfig(`the server's kubeconfig ${f} could not be parsed: ${firstLine(e)}`, 'source');
    }
    if (i === 0) {
      kc.loadFromOptions({
        clusters: part.clusters,
        users: part.users,
        contexts: part.contexts,
        currentContext: part.currentContext,
      });
      continue;
    }
    // As kubectl does: the first file to define a name wins.
    for (const c of part.clusters) if (!kc.getCluster(c.name)) kc.addCluster(c);
    for (const u of part.users) if (!kc.getUser(u.name)) kc.addUser(u);
    for (const c of part.contexts) if (!kc.getContextObject(c.name)) kc.addContext(c);
    if (!kc.currentContext && part.currentContext) kc.setCurrentContext(part.currentContext);
  }
  return { kc, files };
}

export function requireServerKubeconfig(configured: string, env: NodeJS.ProcessEnv): ServerKubeconfig {
  const s = loadServerKubeconfig(configured, env);
  if (!s) throw noServerKubeconfig(serverKubeconfigPaths(configured, env));
  return s;
}
