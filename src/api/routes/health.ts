// Operations of the tool itself: liveness, readiness and Prometheus metrics. None of these touches Kubernetes.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/config.js';
import type { ClusterRegistry } from '../../clusters/registry.js';
import type { ClusterStatusProvider } from '../../clusters/types.js';
import type { Store } from '../../store/index.js';
import { registry as metrics } from '../../metrics/registry.js';
import { mayReadMetrics, METRICS_REFUSED, metricsPolicy } from '../../metrics/access.js';
import { forbidden } from '../../errors.js';
import { toClusterInfo } from '../../clusters/info.js';
import { storeErrorCode } from '../../store/index.js';
import type { RoutePolicy } from '../policy.js';

const PUBLIC: RoutePolicy = { public: true };
const STORE_PING_TIMEOUT_MS = 2_000;
const WRITE_PROBE_REUSE_MS = 1_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export interface HealthRouteOptions {
  config: Config;
  store: Store;
  clusters: Pick<ClusterRegistry, 'list' | 'loadError'>;
  clusterStatus: ClusterStatusProvider;
}

export async function healthRoutes(app: FastifyInstance, o: HealthRouteOptions): Promise<void> {
  const { config, store: db, clusters: registry, clusterStatus } = o;
  app.get('/healthz', { config: { policy: PUBLIC } }, async () => ({ status: 'ok' }));

  // A load balancer may ask every second or two; one write probe at a time, its answer reused briefly.
  let probe: { at: number; result: Promise<void> } | undefined;
  const probeWrite = () => {
    const now = Date.now();
    if (!probe || now - probe.at >= WRITE_PROBE_REUSE_MS) {
      probe = { at: now, result: withTimeout(db.probeWrite(), STORE_PING_TIMEOUT_MS) };
      probe.result.catch(() => undefined);
    }
    return probe.result;
  };

  app.get('/readyz', { config: { policy: PUBLIC } }, async (req, reply) => {
    let store: 'ok' | 'unreachable' | 'not writable' = 'ok';
    let storeError: string | undefined;
    try {
      await withTimeout(db.ping(), STORE_PING_TIMEOUT_MS);
    } catch (e) {
      store = 'unreachable';
      req.log.warn({ err: e }, 'readiness: store unreachable');
    }
    // Every change is recorded before it is sent: a store that reads but cannot write takes nothing but 503s.
    if (store === 'ok') {
      try {
        await probeWrite();
      } catch (e) {
        store = 'not writable';
        storeError = storeErrorCode(e) ?? 'write failed';
        req.log.error({ err: e }, 'readiness: the store cannot write');
      }
    }
    // Cluster states are reported, not judged: one unreachable cluster must not take the console out of a
    // load balancer, the store being down must.
    const states: Record<string, string> = {};
    for (const r of registry.list()) {
      states[r.name] = toClusterInfo(r, clusterStatus, registry.loadError(r.name)).state;
    }
    return reply.status(store === 'ok' ? 200 : 503).send({
      status: store === 'ok' ? 'ready' : 'not ready',
      store,
      ...(storeError ? { storeError } : {}),
      clusters: states,
    });
  });

  // Private by default; who may read it: src/metrics/access.ts.
  const policy = metricsPolicy(config);
  app.get('/metrics', { config: { policy } }, async (req, reply) => {
    if (!('public' in policy) && !mayReadMetrics(req.user)) throw forbidden(METRICS_REFUSED);
    const body = await metrics.metrics();
    return reply.type(metrics.contentType).send(body);
  });
}
