/**
 * The cluster registry: which clusters exist, their (encrypted) credentials, and one KubeClient per cluster.
 * Owns adding (validate → connect → test → encrypt → save), loading at start, and removing. It announces
 * changes as events ('added', 'removed') so the live cache can start and stop informers; it must not watch
 * or cache Kubernetes objects itself, and must never return or log a credential.
 */
import { EventEmitter } from 'node:events';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { HttpKubeClient, type KubeClient } from '../kube/client.js';
import { impersonating } from '../kube/impersonation.js';
import type { ActingIdentity } from '../auth/identity.js';
import { impersonationFor, type ImpersonationConfig } from './impersonation.js';
import type { Store } from '../store/index.js';
import type { ClustersTable } from '../store/schema.js';
import { isUniqueViolation } from '../store/errors.js';
import { fromJson, nowIso, toJson } from '../store/values.js';
import type { SecretBox } from './crypto.js';
import { inClusterKubeconfig, inClusterLocation, type InClusterConfig } from './in-cluster.js';
import { testConnection } from './connection.js';
import { checkPermissions } from './permissions.js';
import {
  alreadyExists,
  clusterNotFound,
  clusterUnavailable,
  invalidKubeconfig,
  invalidName,
} from './errors.js';
import { displayServer, hasUserinfo } from './info.js';
import {
  exportMinimal,
  listContexts,
  loadServerKubeconfig,
  parseKubeconfigText,
  requireSelfContained,
  requireServerKubeconfig,
  selectContext,
  singleContext,
} from './kubeconfig.js';
import type {
  ClusterChangeOrigin,
  ClusterInput,
  ClusterOptions,
  ClusterOptionsPatch,
  ClusterRecord,
  ClusterSource,
  ClusterTestInput,
  ConnectionTestResult,
  KubeContextInfo,
} from './types.js';

export type ClientFactory = (name: string, kc: KubeConfig) => KubeClient;

export interface ClusterRegistryDeps {
  store: Store;
  secrets: SecretBox;
  log: Logger;
  config: Pick<Config, 'kubeconfig' | 'apiTimeoutMs' | 'podIndex'> & InClusterConfig & ImpersonationConfig;
  /** Where KUBECONFIG, HOME and KUBERNETES_SERVICE_* are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Prefix for the service-account directory (tests point it at a temp dir). */
  inClusterPathPrefix?: string;
  clientFactory?: ClientFactory;
  now?: () => Date;
}

export interface ClusterRegistryEvents {
  added: [record: ClusterRecord, client: KubeClient, origin: ClusterChangeOrigin];
  removed: [name: string, origin: ClusterChangeOrigin, by?: string];
}

/** DNS-1123 label: what Kubernetes accepts as a name, safe in URLs, metrics labels and file names. */
export const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const isValidClusterName = (name: string) => name.length <= 63 && CLUSTER_NAME.test(name);

interface Entry {
  record: ClusterRecord;
  client?: KubeClient;
  /** Why the cluster could not be loaded (no client); shown as lastError. */
  error?: string;
  /** Not stored in the database (the demo cluster). */
  ephemeral: boolean;
}

interface Resolved {
  kc: KubeConfig;
  server: string;
  context: string;
  /** Minimal kubeconfig to encrypt and store, or null when the source holds no secret of ours. */
  secret: string | null;
}

export class ClusterRegistry extends EventEmitter<ClusterRegistryEvents> {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Set<string>();
  private readonly env: NodeJS.ProcessEnv;
  private readonly factory: ClientFactory;
  private readonly now: () => Date;
  private syncTimer?: NodeJS.Timeout;

  constructor(private readonly deps: ClusterRegistryDeps) {
    super();
    this.env = deps.env ?? process.env;
    this.now = deps.now ?? (() => new Date());
    this.factory =
      deps.clientFactory ?? ((name, kc) => new HttpKubeClient(name, kc, deps.config.apiTimeoutMs));
  }

  /** Loads saved clusters and emits 'added' for each. Subscribe before calling. */
  async start(opts: { syncIntervalMs?: number } = {}): Promise<void> {
    await this.sync('boot');
    if (opts.syncIntervalMs) {
      // Other replicas (PostgreSQL deployments) add and remove clusters too; converge on the table.
      this.syncTimer = setInterval(() => {
        this.sync('sync').catch((e: Error) =>
          this.deps.log.warn({ err: e.message }, 'cluster list sync failed'),
        );
      }, opts.syncIntervalMs);
      this.syncTimer.unref();
    }
  }

  /** Brings the in-memory set in line with the clusters table. */
  async sync(origin: ClusterChangeOrigin = 'sync'): Promise<void> {
    const rows = await this.deps.store.db.selectFrom('clusters').selectAll().orderBy('name').execute();
    const inDb = new Set(rows.map((r) => r.name));
    for (const row of rows) {
      const known = this.entries.get(row.name);
      // Options another replica changed (e.g. impersonation) take effect here too.
      if (known && !known.ephemeral) known.record = { ...known.record, options: rowToRecord(row).options };
      if (known || this.pending.has(row.name)) continue;
      this.attach(rowToRecord(row), row, origin);
    }
    for (const [name, e] of this.entries) {
      if (!e.ephemeral && !inDb.has(name) && !this.pending.has(name)) this.detach(name, origin);
    }
  }

  /** Closes every client; emits nothing (the process is stopping). */
  stop(): void {
    clearInterval(this.syncTimer);
    for (const e of this.entries.values()) e.client?.close();
    this.entries.clear();
  }

  list(): ClusterRecord[] {
    return [...this.entries.values()].map((e) => e.record).sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): ClusterRecord | undefined {
    return this.entries.get(name)?.record;
  }

  /** Why a registered cluster has no client (e.g. its credentials cannot be decrypted), if so. */
  loadError(name: string): string | undefined {
    return this.entries.get(name)?.error;
  }

  /**
   * The cluster's client; 404 when unknown, 503 when registered but not loadable. With `actingFor`, and when
   * the cluster acts as the signed-in user, every request through it is sent as that user; without it (the
   * informers, the permission preflight) the product's own identity is used.
   */
  client(name: string, actingFor?: ActingIdentity): KubeClient {
    const e = this.entries.get(name);
    if (!e) throw clusterNotFound(name);
    if (!e.client) throw clusterUnavailable(name, e.error ?? 'not loaded');
    if (actingFor && e.record.options.impersonate)
      return impersonating(e.client, impersonationFor(actingFor, this.deps.config));
    return e.client;
  }

  /** Whether requests for users are sent as those users on this cluster. */
  impersonates(name: string): boolean {
    return this.entries.get(name)?.record.options.impersonate === true;
  }

  /** Changes a saved cluster's options; other replicas pick them up at their next sync. */
  async setOptions(name: string, patch: ClusterOptionsPatch, by: string): Promise<ClusterRecord> {
    const e = this.entries.get(name);
    if (!e) throw clusterNotFound(name);
    const options: ClusterOptions = { ...e.record.options };
    if (patch.impersonate !== undefined) options.impersonate = patch.impersonate;
    if (!e.ephemeral) {
      const r = await this.deps.store.db
        .updateTable('clusters')
        .set({ options: toJson(options) })
        .where('name', '=', name)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw clusterNotFound(name);
    }
    e.record = { ...e.record, options };
    this.deps.log.info({ cluster: name, options, by }, 'cluster options changed');
    return e.record;
  }

  /** Contexts of the server's own kubeconfig (no credentials); empty when the server has none. */
  serverContexts(): { items: KubeContextInfo[]; current: string | null } {
    const server = loadServerKubeconfig(this.deps.config.kubeconfig, this.env);
    if (!server) return { items: [], current: null };
    return {
      items: withoutUserinfo(listContexts(server.kc)),
      current: server.kc.getCurrentContext() || null,
    };
  }

  /** Tests the connection without saving anything. */
  async test(input: ClusterTestInput): Promise<ConnectionTestResult> {
    if (input.name !== undefined && !isValidClusterName(input.name)) throw invalidName(input.name);
    const name = input.name || 'connection-test';
    const resolved = this.resolve({ ...input, name } as ClusterInput);
    const client = this.factory(name, resolved.kc);
    try {
      const connection = await testConnection(client);
      return { ok: true, ...connection, permissions: await checkPermissions(client) };
    } finally {
      client.close();
    }
  }

  /** Throws InvalidName or AlreadyExists when `name` cannot be used for a new cluster. */
  async checkNewName(name: string): Promise<void> {
    if (!isValidClusterName(name)) throw invalidName(name);
    if (this.entries.has(name) || this.pending.has(name) || (await this.isStored(name)))
      throw alreadyExists(name);
  }

  private async isStored(name: string): Promise<boolean> {
    const row = await this.deps.store.db
      .selectFrom('clusters')
      .select('name')
      .where('name', '=', name)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Validates, tests the connection, encrypts and saves; nothing is saved when any step fails. */
  async add(input: ClusterInput, by: string): Promise<ClusterRecord> {
    const name = input.name;
    if (!isValidClusterName(name)) throw invalidName(name);
    if (this.entries.has(name) || this.pending.has(name)) throw alreadyExists(name);
    this.pending.add(name);
    try {
      // Another replica may have saved it (PostgreSQL deployments); the insert below re-checks atomically.
      if (await this.isStored(name)) throw alreadyExists(name);
      const resolved = this.resolve(input);
      const client = this.factory(name, resolved.kc);
      try {
        await testConnection(client);
        const record: ClusterRecord = {
          name,
          source: input.source,
          server: resolved.server,
          context: resolved.context,
          createdAt: nowIso(this.now()),
          createdBy: by,
          options: {
            podIndex: input.podIndex ?? this.deps.config.podIndex,
            ...(input.impersonate ? { impersonate: true } : {}),
          },
        };
        const row: ClustersTable = {
          name,
          source: record.source,
          server: record.server,
          context: record.context,
          credentials_enc: resolved.secret === null ? null : this.deps.secrets.seal(resolved.secret, name),
          created_at: record.createdAt,
          created_by: by,
          options: toJson(record.options),
        };
        try {
          await this.deps.store.db.insertInto('clusters').values(row).execute();
        } catch (e) {
          if (isUniqueViolation(e)) throw alreadyExists(name);
          throw e;
        }
        this.entries.set(name, { record, client, ephemeral: false });
        this.deps.log.info(
          { cluster: name, source: record.source, server: record.server, by },
          'cluster added',
        );
        this.announce('added', record, client, 'api');
        return record;
      } catch (e) {
        client.close();
        throw e;
      }
    } finally {
      this.pending.delete(name);
    }
  }

  /** Removes a cluster: its row, its client, and (through 'removed') its informers and cache. */
  async remove(name: string, by?: string): Promise<void> {
    const e = this.entries.get(name);
    let deleted = 0;
    if (!e || !e.ephemeral) {
      const r = await this.deps.store.db.deleteFrom('clusters').where('name', '=', name).executeTakeFirst();
      deleted = Number(r.numDeletedRows);
    }
    if (!e && deleted === 0) throw clusterNotFound(name);
    if (e) this.detach(name, 'api', by);
    this.deps.log.info({ cluster: name, by }, 'cluster removed');
  }

  /**
   * Registers a cluster that lives only in memory (the built-in demo cluster): its address changes on every
   * start, so a stored row would only ever be stale. Skipped when a saved cluster already has the name.
   */
  attachEphemeral(
    name: string,
    kubeconfig: string,
    source: ClusterSource = 'demo',
    options?: Partial<ClusterOptions>,
  ): ClusterRecord | undefined {
    if (this.entries.has(name)) {
      this.deps.log.warn(
        { cluster: name },
        'a saved cluster already uses this name; the built-in one is not added',
      );
      return undefined;
    }
    const kc = parseKubeconfigText(kubeconfig);
    const context = selectContext(kc, undefined, 'the kubeconfig');
    const one = singleContext(kc, context);
    const record: ClusterRecord = {
      name,
      source,
      server: one.getCurrentCluster()!.server,
      context,
      createdAt: nowIso(this.now()),
      createdBy: 'system',
      options: {
        podIndex: options?.podIndex ?? this.deps.config.podIndex,
        ...(options?.impersonate ? { impersonate: true } : {}),
      },
    };
    const client = this.factory(name, one);
    this.entries.set(name, { record, client, ephemeral: true });
    this.announce('added', record, client, 'demo');
    return record;
  }

  /** A failing listener must not undo a committed change or stop the others from hearing of it. */
  private announce<K extends keyof ClusterRegistryEvents>(event: K, ...args: ClusterRegistryEvents[K]): void {
    for (const listener of this.listeners(event)) {
      try {
        (listener as (...a: ClusterRegistryEvents[K]) => void)(...args);
      } catch (e) {
        this.deps.log.error(
          { event, cluster: args[0], err: (e as Error).message },
          'cluster listener failed',
        );
      }
    }
  }

  private attach(record: ClusterRecord, row: ClustersTable, origin: ClusterChangeOrigin): void {
    let client: KubeClient | undefined;
    let error: string | undefined;
    try {
      client = this.factory(record.name, this.kubeConfigOf(record, row));
    } catch (e) {
      error = (e as Error).message;
      this.deps.log.error({ cluster: record.name, err: error }, 'cluster could not be loaded');
    }
    this.entries.set(record.name, { record, client, error, ephemeral: false });
    if (client) this.announce('added', record, client, origin);
  }

  private detach(name: string, origin: ClusterChangeOrigin, by?: string): void {
    const e = this.entries.get(name);
    if (!e) return;
    this.entries.delete(name);
    // Listeners stop their watches first; closing the client then aborts anything left.
    this.announce('removed', name, origin, by);
    e.client?.close();
  }

  /** Rebuilds the connection of a saved cluster from its row. */
  private kubeConfigOf(record: ClusterRecord, row: ClustersTable): KubeConfig {
    switch (record.source) {
      case 'kubeconfig': {
        if (!row.credentials_enc) throw new Error('no stored credentials');
        const kc = parseKubeconfigText(this.deps.secrets.open(row.credentials_enc, record.name));
        kc.setCurrentContext(selectContext(kc, record.context, 'the stored kubeconfig'));
        return kc;
      }
      case 'server-context': {
        const { kc } = requireServerKubeconfig(this.deps.config.kubeconfig, this.env);
        return singleContext(kc, selectContext(kc, record.context, "the server's kubeconfig"));
      }
      case 'in-cluster':
        return inClusterKubeconfig(
          inClusterLocation(this.deps.config, this.env, this.deps.inClusterPathPrefix),
        );
      default:
        throw new Error(`unknown cluster source "${record.source}"`);
    }
  }

  private resolve(input: ClusterInput): Resolved {
    switch (input.source) {
      case 'kubeconfig': {
        const kc = parseKubeconfigText(input.kubeconfig);
        const context = selectContext(kc, input.context, 'the kubeconfig');
        refuseUserinfo(kc, context, 'kubeconfig');
        const one = singleContext(kc, context);
        requireSelfContained(one);
        return { kc: one, server: one.getCurrentCluster()!.server, context, secret: exportMinimal(one) };
      }
      case 'server-context': {
        const { kc } = requireServerKubeconfig(this.deps.config.kubeconfig, this.env);
        const context = selectContext(kc, input.context, "the server's kubeconfig");
        refuseUserinfo(kc, context, 'context');
        const one = singleContext(kc, context, 'context');
        return { kc: one, server: one.getCurrentCluster()!.server, context, secret: null };
      }
      case 'in-cluster': {
        const kc = inClusterKubeconfig(
          inClusterLocation(this.deps.config, this.env, this.deps.inClusterPathPrefix),
        );
        refuseUserinfo(kc, kc.getCurrentContext(), 'source');
        return { kc, server: kc.getCurrentCluster()!.server, context: 'in-cluster', secret: null };
      }
    }
  }
}

/**
 * `https://user:password@host` puts a password where every display, log line and the clusters table would
 * show it. Refused before anything else reads the URL; the message names the cluster entry, never the URL.
 */
function refuseUserinfo(kc: KubeConfig, context: string, field: string): void {
  const entry = kc.getContextObject(context)?.cluster;
  const server = entry === undefined ? undefined : kc.getCluster(entry)?.server;
  if (server === undefined || !hasUserinfo(server)) return;
  throw invalidKubeconfig(
    `cluster "${entry}" has a user name or password in its server URL (${displayServer(server).replace('://', '://***@')}); ` +
      'remove it from the URL and give the credentials in the user entry (token or client certificate)',
    field,
  );
}

/** Contexts as listed to an admin: server URLs without userinfo. */
export function withoutUserinfo(items: KubeContextInfo[]): KubeContextInfo[] {
  return items.map((c) => ({ ...c, server: displayServer(c.server) }));
}

function rowToRecord(row: ClustersTable): ClusterRecord {
  const options = fromJson<Partial<ClusterOptions>>(row.options, {});
  return {
    name: row.name,
    source: row.source as ClusterSource,
    // Display only (connections use the credentials); a row saved before userinfo was refused must not echo it.
    server: displayServer(row.server),
    context: row.context,
    createdAt: row.created_at,
    createdBy: row.created_by,
    options: {
      podIndex: options.podIndex ?? true,
      ...(options.impersonate === true ? { impersonate: true } : {}),
    },
  };
}
