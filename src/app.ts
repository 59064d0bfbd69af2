/**
 * Composition root: builds every service once, hands them to the HTTP server in one plain context object,
 * and starts/stops them in the right order. This is the only file that knows all parts; parts never import
 * each other through it (they receive `ctx`).
 *
 * To add a part: put its service on `AppContext` (a field below, or module augmentation of AppContext from
 * the part's own file), construct it in the marked block of createApp, and list its RouteModule in
 * ROUTE_MODULES. Things to release at shutdown go to `ctx.onStop`.
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
import { noClusterStatus, type ClusterStatusProvider } from './clusters/types.js';
import { startDemoCluster, type SimServer, type StartSim } from './clusters/demo.js';
import { buildServer, type RouteModule } from './api/server.js';
import { healthRoutes } from './api/routes/health.js';
import { clusterRoutes } from './api/routes/clusters.js';
import { registerAuth } from './auth/index.js';
import { authRoutes } from './api/routes/auth.js';
import { signInRoutes } from './api/routes/sign-in.js';
import { userRoutes } from './api/routes/users.js';
import { tokenRoutes } from './api/routes/tokens.js';
import { auditRoutes } from './api/routes/audit.js';
import { auditLogFor } from './audit/index.js';
import { setupLiveCache } from './cache/setup.js';
import { cacheNodeSource } from './cache/node-source.js';
import { setupRealtime } from './realtime/setup.js';
import { createOperations } from './operations/context.js';
import { kubeNodeFromDetail } from './operations/live-view.js';
import { nodeRoutes } from './api/routes/nodes.js';
import { wsRoutes } from './api/routes/ws.js';
import { operationRoutes } from './api/routes/operations.js';
import { jobRoutes } from './api/routes/jobs.js';
import { templateRoutes } from './api/routes/templates.js';
import { JobRelay } from './operations/job-relay.js';
import { jobHeartbeatMs } from './operations/context.js';
import { setupBackground } from './leader/setup.js';
import { RETENTION_INTERVAL_MS } from './audit/retention.js';

export interface AppContext {
  config: Config;
  log: Logger;
  store: Store;
  /** Encrypts secrets at rest (cluster credentials; reusable for any other secret stored). */
  secrets: SecretBox;
  clusters: ClusterRegistry;
  /** Live cluster fields for ClusterInfo; the node cache replaces this default. */
  clusterStatus: ClusterStatusProvider;
  /** Registers a shutdown step; steps run in reverse order after the HTTP server has finished its requests. */
  onStop(name: string, fn: () => unknown): void;

  // ---- slots filled by other parts ----
  // auth      (src/auth)       users, sessions, tokens; its RouteModule adds the onRequest hook enforcing policies
  // audit     (src/audit)      append-only audit log
  // cache     (src/cache)      live node cache; subscribes to ctx.clusters 'added'/'removed'; sets ctx.clusterStatus
  // hub       (src/realtime)   WebSocket hub; close its sockets in a fastify preClose hook
  // jobs      (src/operations) node operations, batch jobs, templates
}

/**
 * Every domain's routes, in registration order. Auth goes first so its policy hook is in place before any
 * route exists (fastify applies root hooks to all routes, but reading order should match intent).
 */
export const ROUTE_MODULES: RouteModule[] = [
  registerAuth, // policy hook, security headers, mutation audit, first admin; must precede every route
  authRoutes,
  signInRoutes,
  userRoutes,
  tokenRoutes,
  healthRoutes,
  clusterRoutes,
  auditRoutes,
  nodeRoutes,
  operationRoutes,
  jobRoutes,
  templateRoutes,
  wsRoutes,
];

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
  /** Extra route modules (tests). */
  routes?: RouteModule[];
  /** Built web console directory; null = none (default: dist/web if built). */
  webDir?: string | null;
  /** How often replicas re-read the cluster list (default 15 s on PostgreSQL, off on SQLite). */
  clusterSyncIntervalMs?: number;
}

export interface App {
  server: FastifyInstance;
  ctx: AppContext;
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
  const stops: { name: string; fn: () => unknown }[] = [];
  const clusters = new ClusterRegistry({
    store,
    secrets,
    log,
    config,
    env: o.env,
    inClusterPathPrefix: o.inClusterPathPrefix,
    clientFactory: o.clientFactory,
  });
  const ctx: AppContext = {
    config,
    log,
    store,
    secrets,
    clusters,
    clusterStatus: noClusterStatus,
    onStop: (name, fn) => void stops.push({ name, fn }),
  };

  // ---- construct the other parts' services here, before the server is built and clusters start ----
  // The cache subscribes to the registry before it starts, so clusters loaded at boot are followed.
  const cache = setupLiveCache(ctx);
  const hub = setupRealtime(ctx);
  // One id for this process as job owner, lease holder and relay sender. Shown as a job's `adoptedBy`: the host
  // name (a pod's name in Kubernetes) says which replica, the random part tells its restarts apart.
  const instanceId = `${os.hostname()}-${randomBytes(4).toString('hex')}`;
  const background = setupBackground(ctx, instanceId);
  // Replicas relay job progress to each other's WebSocket clients (job-relay.ts); alone, the hub is enough.
  const relay =
    store.dialect === 'postgres'
      ? new JobRelay({
          db: store.db,
          databaseUrl: config.databaseUrl,
          instanceId,
          local: hub,
          isLocal: (id) => ctx.operations?.jobs.runs(id) ?? false,
          log: log.child({ part: 'job-relay' }),
        })
      : undefined;
  const audit = auditLogFor(store.db);
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
  });
  ctx.operations = operations;
  if (store.dialect === 'postgres')
    background.every('job recovery', jobHeartbeatMs(config.jobOwnerTimeoutMs), () => operations.jobs.sweep());
  if (config.auditRetentionDays > 0)
    background.every('audit retention', RETENTION_INTERVAL_MS, async () => {
      const n = await audit.purge(config.auditRetentionDays);
      if (n > 0) log.info({ purged: n, retentionDays: config.auditRetentionDays }, 'audit retention purge');
    });

  let server: FastifyInstance;
  try {
    server = await buildServer(ctx, [...ROUTE_MODULES, ...(o.routes ?? [])], { webDir: o.webDir });
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
      ctx.onStop('job relay', () => relay.close());
    }
    await operations.jobs.start();
    ctx.onStop('jobs', () => operations.jobs.shutdown());
    await clusters.start({ syncIntervalMs });
    // After the clusters are loaded: the leader may adopt jobs on them at once. Stopped before the jobs are,
    // so a replica going away never adopts anything more.
    background.lease.start();
    ctx.onStop('background work', () => background.stop());
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

  return { server, ctx, start, stop };
}
