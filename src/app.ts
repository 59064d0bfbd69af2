/**
 * Composition root: builds every service once into one typed record (Services), registers each route group
 * with the services it needs, and starts/stops them in the right order. This is the only file that knows all
 * parts; no part imports it.
 *
 * To add a service: construct it in createApp and add it to Services. To add a route group: write it as a
 * Fastify plugin in src/api/routes/<name>.ts, `export async function xRoutes(app, opts: XRouteOptions)`, whose
 * options name the services it uses (never the whole record), and add one line to the route block of
 * createApp: `await server.register(xRoutes, { cache, clusters })`. Every route declares `config.policy`.
 * Things to release at shutdown go to `onStop`.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/config.js';
import { createLogger, type Logger } from './log/logger.js';
import { openStore, type Store } from './store/index.js';
import { loadSecretKey, SecretBox } from './clusters/crypto.js';
import { ClusterRegistry, type ClientFactory } from './clusters/registry.js';
import type { ClusterStatusProvider } from './clusters/types.js';
import { toClusterInfo } from './clusters/info.js';
import { startDemoCluster, type SimServer, type StartSim } from './clusters/demo.js';
import { buildServer, type RouteModule } from './api/server.js';
import { healthRoutes } from './api/routes/health.js';
import { clusterRoutes } from './api/routes/clusters.js';
import { registerAuth, securityFor, type Security } from './auth/index.js';
import { authRoutes } from './api/routes/auth.js';
import { signInRoutes } from './api/routes/sign-in.js';
import { userRoutes } from './api/routes/users.js';
import { tokenRoutes } from './api/routes/tokens.js';
import { auditRoutes } from './api/routes/audit.js';
import { auditLogFor } from './audit/index.js';
import { CacheManager } from './cache/manager.js';
import { cacheNodeSource } from './cache/node-source.js';
import { IngestPool } from './ingest/pool.js';
import { remoteInformers } from './ingest/remote-informers.js';
import { remoteUsage } from './ingest/remote-usage.js';
import { RealtimeHub } from './realtime/hub.js';
import { createOperations, type OperationsServices } from './operations/context.js';
import { kubeNodeFromDetail } from './operations/live-view.js';
import { nodeRoutes } from './api/routes/nodes.js';
import { usageRoutes } from './api/routes/usage.js';
import { UsagePoller } from './usage/poller.js';
import { UsageStore } from './usage/store.js';
import { clusterOptionRoutes } from './api/routes/cluster-options.js';
import { AccessReviews } from './clusters/access-review.js';
import { wsRoutes } from './api/routes/ws.js';
import { docsRoutes } from './api/openapi.js';
import { operationRoutes } from './api/routes/operations.js';
import { jobRoutes } from './api/routes/jobs.js';
import { templateRoutes } from './api/routes/templates.js';
import { maintenanceRoutes } from './api/routes/maintenance.js';
import { JobRelay } from './operations/job-relay.js';
import { jobHeartbeatMs } from './operations/context.js';
import { BackgroundWork } from './leader/background.js';
import { LeaderLease } from './leader/lease.js';
import { Notifier } from './notify/notifier.js';
import { WebhookStore } from './notify/store.js';
import { WebhookAdmin } from './notify/admin.js';
import { webhookRoutes } from './api/routes/webhooks.js';
import { RETENTION_INTERVAL_MS } from './audit/retention.js';
import { createNodeHealth, HEALTH_RETENTION_INTERVAL_MS, type NodeHealthService } from './health/index.js';
import { nodeHealthRoutes } from './api/routes/node-health.js';
import { overviewRoutes } from './api/routes/overview.js';
import { viewRoutes } from './api/routes/views.js';
import { SavedViewStore } from './saved-views/store.js';

/** Every service of one application instance, built once by createApp. */
export interface Services {
  config: Config;
  log: Logger;
  store: Store;
  /** Encrypts secrets at rest (cluster credentials; reusable for any other secret stored). */
  secrets: SecretBox;
  /** Users, sessions, tokens and the audit log (src/auth). */
  security: Security;
  clusters: ClusterRegistry;
  /** The live node cache (src/cache); follows the registry's clusters. */
  cache: CacheManager;
  /** Node usage from metrics.k8s.io (src/usage): what the poller found, and the poller. */
  usage: UsageStore;
  usagePoller: UsagePoller;
  /** Live cluster fields for ClusterInfo (the node cache). */
  clusterStatus: ClusterStatusProvider;
  /** The realtime hub behind /api/v1/ws (src/realtime); also the operations' job publisher. */
  hub: RealtimeHub;
  /** Node operations, batch jobs and templates (src/operations). */
  operations: OperationsServices;
  /** Work that runs on one replica at a time (src/leader); always this process on SQLite. */
  background: BackgroundWork;
  /** This process as job owner, lease holder and relay sender. */
  instanceId: string;
  /** Node health history (src/health): recorded by the leader from the cache's changes. */
  health: NodeHealthService;
}

export interface AppOverrides {
  log?: Logger;
  store?: Store;
  secrets?: SecretBox;
  clientFactory?: ClientFactory;
  /** Where KUBECONFIG, HOME and KUBERNETES_SERVICE_* are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  inClusterPathPrefix?: string;
  /** Simulator for the demo cluster; null = never start one (default: src/sim when KNM_DEMO is on). */
  startSim?: StartSim | null;
  /** Extra routes or hooks on the root instance, registered before the route groups (tests). */
  routes?: RouteModule[];
  /** Built web console directory; null = none (default: dist/web if built). */
  webDir?: string | null;
  /** How often replicas re-read the cluster list (default 15 s on PostgreSQL, off on SQLite). */
  clusterSyncIntervalMs?: number;
}

export interface App {
  server: FastifyInstance;
  services: Services;
  start(): Promise<{ url: string }>;
  stop(): Promise<void>;
}

export function displayUrl(addr: AddressInfo | string | null): string {
  if (!addr || typeof addr === 'string') return String(addr);
  const wildcard = addr.address === '0.0.0.0' || addr.address === '::';
  const host = wildcard ? 'localhost' : addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `http://${host}:${addr.port}`;
}

export async function createApp(config: Config, o: AppOverrides = {}): Promise<App> {
  const log = o.log ?? createLogger(config.logLevel);
  let secrets = o.secrets;
  if (!secrets) {
    const key = loadSecretKey(config);
    if (key.source === 'generated') {
      log.warn(
        { file: key.file },
        'generated a new secret key; back it up (or set KNM_SECRET_KEY): without it saved cluster credentials are lost',
      );
    }
    secrets = new SecretBox(key.key);
  }
  const store = o.store ?? (await openStore(config, { log }));
  const clusters = new ClusterRegistry({
    store,
    secrets,
    log,
    config,
    env: o.env,
    inClusterPathPrefix: o.inClusterPathPrefix,
    clientFactory: o.clientFactory,
  });
  // Clusters that act as the signed-in user: which cached reads each user may see (their own RBAC decides).
  const access = new AccessReviews({
    client: (c, who) => clusters.client(c, who),
    impersonates: (c) => clusters.impersonates(c),
  });
  const stops: { name: string; fn: () => unknown }[] = [];
  const onStop = (name: string, fn: () => unknown) => void stops.push({ name, fn });

  // Shutdown steps run in reverse order of these registrations, after the HTTP server has finished.
  const security = securityFor({ config, store, log });
  // The cache subscribes to the registry before it starts, so clusters loaded at boot are followed.
  // Node usage: one metrics.k8s.io LIST per cluster on a timer into memory (src/usage); rows read it there.
  const usage = new UsageStore({
    intervalMs: config.usageIntervalMs,
    historyMs: config.usageHistoryMinutes * 60_000,
  });
  // Pod indexes decode the largest input of a fleet: in worker threads, off the thread that answers requests.
  const ingest =
    config.ingestWorkers > 0
      ? new IngestPool({ workers: config.ingestWorkers, log: log.child({ part: 'ingest' }) })
      : undefined;
  if (ingest) onStop('ingest workers', () => ingest.close());
  const cache = new CacheManager({
    log: log.child({ part: 'cache' }),
    podIndex: config.podIndex,
    remote: ingest ? remoteInformers(ingest) : undefined,
    usage: config.usageIntervalMs > 0 ? usage : undefined,
  });
  cache.attach(clusters);
  onStop('node cache', () => cache.close());
  const usagePoller = new UsagePoller({
    store: usage,
    intervalMs: config.usageIntervalMs,
    log: log.child({ part: 'usage' }),
    onScrape: (c) => cache.usageScraped(c),
    remote: ingest ? remoteUsage(ingest) : undefined,
  });
  usagePoller.attach(clusters);
  onStop('usage poller', () => usagePoller.close());
  const hub = new RealtimeHub({
    source: cache,
    readAccess: access,
    log: log.child({ part: 'realtime' }),
    clusterInfo: (name) => {
      const r = clusters.get(name);
      return r ? toClusterInfo(r, cache, clusters.loadError(name)) : undefined;
    },
  });
  onStop('realtime hub', () => hub.close());
  // One id for this process as job owner, lease holder and relay sender. Shown as a job's `adoptedBy`: the host
  // name (a pod's name in Kubernetes) says which replica, the random part tells its restarts apart.
  const instanceId = `${os.hostname()}-${randomBytes(4).toString('hex')}`;
  const leaderLog = log.child({ part: 'leader' });
  const lease = new LeaderLease({
    db: store.db,
    dialect: store.dialect,
    name: 'background',
    holder: instanceId,
    leaseMs: config.leaderLeaseMs,
    log: leaderLog,
  });
  const background = new BackgroundWork(lease, leaderLog);
  // Replicas relay job progress to each other's WebSocket clients (job-relay.ts); alone, the hub is enough.
  const relay =
    store.dialect === 'postgres'
      ? new JobRelay({
          db: store.db,
          databaseUrl: config.databaseUrl,
          instanceId,
          local: hub,
          isLocal: (id) => operations.jobs.runs(id),
          log: log.child({ part: 'job-relay' }),
        })
      : undefined;
  const audit = auditLogFor(store.db);
  // Webhooks: a job's end is sent by the replica that finished it, health changes by the leader alone.
  const webhookStore = new WebhookStore(store.db, secrets);
  const notifier = new Notifier({
    store: webhookStore,
    audit,
    log: log.child({ part: 'notify' }),
    isLeader: () => lease.isLeader,
  });
  onStop('notifications', () => notifier.stop());
  const operations = createOperations({
    db: store.db,
    dialect: store.dialect,
    clients: clusters,
    nodes: {
      ...cacheNodeSource(cache),
      // Plans a write's first attempt on the cached copy; the resourceVersion precondition keeps it safe.
      nodeObject: async (c, n) => {
        const r = await cache.getNode(c, n);
        return r && !r.degraded ? kubeNodeFromDetail(r.node) : undefined;
      },
    },
    config,
    publisher: relay ?? hub,
    audit,
    log: log.child({ part: 'operations' }),
    instanceId,
    jobOwnerTimeoutMs: config.jobOwnerTimeoutMs,
    onJobFinished: (job) => notifier.onJobFinished(job),
  });
  if (store.dialect === 'postgres')
    background.every('job recovery', jobHeartbeatMs(config.jobOwnerTimeoutMs), () => operations.jobs.sweep());
  if (config.auditRetentionDays > 0)
    background.every('audit retention', RETENTION_INTERVAL_MS, async () => {
      const n = await audit.purge(config.auditRetentionDays);
      if (n > 0) log.info({ purged: n, retentionDays: config.auditRetentionDays }, 'audit retention purge');
    });

  const health = createNodeHealth({
    db: store.db,
    source: cache,
    leader: lease,
    log: log.child({ part: 'health' }),
    retentionDays: config.healthRetentionDays,
    onTransition: (t) => notifier.onHealthTransition(t),
  });
  health.recorder.start();
  onStop('health history', () => health.recorder.stop());
  if (config.healthRetentionDays > 0)
    background.every('health retention', HEALTH_RETENTION_INTERVAL_MS, async () => {
      const n = await health.purge();
      if (n > 0)
        log.info({ purged: n, retentionDays: config.healthRetentionDays }, 'health history retention purge');
    });

  const services: Services = {
    config,
    log,
    store,
    secrets,
    security,
    clusters,
    cache,
    usage,
    usagePoller,
    clusterStatus: cache,
    hub,
    operations,
    background,
    instanceId,
    health,
  };

  let server: FastifyInstance;
  try {
    server = await buildServer({ config, log }, { webDir: o.webDir });
    // Policy hook, security headers, mutation audit, first admin: on the root instance, before any route, so
    // every route group (an encapsulated plugin) inherits them.
    registerAuth(server, { config, store, log, retentionElsewhere: true });
    for (const extra of o.routes ?? []) await extra(server);

    // ---- route groups: one line each, a plugin given the services it uses (see the header of this file) ----
    await server.register(authRoutes, { security, config });
    await server.register(signInRoutes, { security, config, store });
    await server.register(userRoutes, { security });
    await server.register(tokenRoutes, { security });
    await server.register(healthRoutes, { config, store, clusters, clusterStatus: cache });
    await server.register(clusterRoutes, { clusters, clusterStatus: cache });
    await server.register(clusterOptionRoutes, { clusters, clusterStatus: cache, access });
    await server.register(auditRoutes, { security });
    await server.register(nodeRoutes, { cache, clusters, access });
    await server.register(usageRoutes, {
      cache,
      usage,
      clusters,
      access,
      intervalMs: config.usageIntervalMs,
    });
    await server.register(operationRoutes, { operations });
    await server.register(jobRoutes, { operations });
    await server.register(templateRoutes, { operations });
    await server.register(maintenanceRoutes, { maintenance: operations.maintenance });
    await server.register(nodeHealthRoutes, { health, cache, clusters });
    await server.register(overviewRoutes, { cache, clusters, jobs: operations.jobs, access });
    await server.register(webhookRoutes, { webhooks: new WebhookAdmin(webhookStore, notifier, audit) });
    await server.register(viewRoutes, { views: new SavedViewStore(store.db) });
    await server.register(wsRoutes, { hub, compress: config.compression });
    // Last: the reference page documents every route registered before it.
    await server.register(docsRoutes);
  } catch (e) {
    if (!o.store) await store.close();
    throw e;
  }

  let sim: SimServer | undefined;
  let stopping: Promise<void> | undefined;

  async function start(): Promise<{ url: string }> {
    const syncIntervalMs = o.clusterSyncIntervalMs ?? (store.dialect === 'postgres' ? 15_000 : undefined);
    // Unfinished jobs of a previous run are marked interrupted before anything new can start.
    if (relay) {
      await relay.start();
      onStop('job relay', () => relay.close());
    }
    await operations.jobs.start();
    onStop('jobs', () => operations.jobs.shutdown());
    await clusters.start({ syncIntervalMs });
    // After the clusters are loaded: the leader may adopt jobs on them at once. Stopped before the jobs are,
    // so a replica going away never adopts anything more.
    background.lease.start();
    onStop('background work', () => background.stop());
    if (config.demo && o.startSim !== null) {
      try {
        sim = await startDemoCluster(config, clusters, log, o.startSim);
      } catch (e) {
        // The product works without its demo; say why it is missing and carry on.
        log.error({ err: (e as Error).message }, 'the demo cluster could not be started');
      }
    }
    await server.listen({ host: config.host, port: config.port });
    const url = displayUrl(server.server.address());
    log.info({ url, store: store.dialect, clusters: clusters.list().length }, 'listening');
    return { url };
  }

  function stop(): Promise<void> {
    stopping ??= (async () => {
      // Stops accepting connections and waits for in-flight requests (idle keep-alive sockets are closed).
      await server.close();
      for (const s of stops.reverse()) {
        try {
          await s.fn();
        } catch (e) {
          log.error({ step: s.name, err: (e as Error).message }, 'shutdown step failed');
        }
      }
      clusters.stop();
      if (sim)
        await sim.close().catch((e: Error) => log.error({ err: e.message }, 'demo simulator did not stop'));
      if (!o.store) await store.close();
      log.info('stopped');
    })();
    return stopping;
  }

  return { server, services, start, stop };
}
