/**
 * The simulated Kubernetes cluster: a node:https (or, on request, plain node:http) server that speaks the Kubernetes API for the resources
 * this product touches (nodes, pods, events, namespaces, PodDisruptionBudgets, DaemonSets, ReplicaSets), so
 * `@kubernetes/client-node`, kubectl-style clients and our own client edge work against it unchanged.
 *
 * This folder owns the simulator and nothing else: it must not import product code (informer, cache, API,
 * store) and must not be needed at runtime by anything except the demo mode and tests.
 */
import { randomBytes } from 'node:crypto';
import { realClock, type SimClock } from './clock.js';
import { ChurnGenerator, type ChurnOptions } from './churn.js';
import { generateCluster } from './demo/cluster.js';
import { FaultInjector, RequestCounter, type FailureRule } from './http/faults.js';
import { createRequestHandler } from './http/handler.js';
import type { SimRbacRule } from './http/impersonation.js';
import { Listener } from './http/server.js';
import type { WatchStream } from './http/watch-stream.js';
import { kubeconfigYaml } from './kubeconfig.js';
import { SimMetrics } from './metrics.js';
import { SimState } from './state.js';
import type { WorkloadOptions } from './workloads/index.js';
import { generateCa, issueServingCert, type SimCa } from './tls.js';

export type { ChurnOptions } from './churn.js';
export type { SimClock } from './clock.js';
export type { FailureRule } from './http/faults.js';
export type { SimRbacRule } from './http/impersonation.js';
export type { SimCa } from './tls.js';
export type { WorkloadOptions } from './workloads/index.js';
export { SimState } from './state.js';
export type { KObject, NodeObject, PodObject, PdbObject, Taint, Condition } from './types.js';

export interface SimOptions {
  /** Generated nodes (0 for an empty cluster with only the standard namespaces). Default 20. */
  nodes?: number;
  /** Average pods per node including DaemonSet and static pods (0 for none). Default 10. */
  podsPerNode?: number;
  /** Seed for the generated data. Default 1. */
  seed?: number;
  /** Watch events retained per resource before older resourceVersions answer 410 Gone. Default 10,000. */
  historyLimit?: number;
  /** Background changes; off unless given. */
  churn?: ChurnOptions | false;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  /** Prefix for generated node names (to tell several simulated clusters apart). */
  namePrefix?: string;
  clock?: SimClock;
  /** Multiplies pod grace periods and kubelet delays; tests use e.g. 0.01. Default 1. */
  gracePeriodScale?: number;
  /**
   * How often watches that asked for bookmarks get one (if their kind changed since the watch began).
   * Default 60 s like the real watch cache.
   */
  bookmarkIntervalMs?: number;
  /** Bearer token with full access. Default: random per start. */
  token?: string;
  /** Bearer token of user "viewer" that may only get/list/watch. Default: random per start. */
  readOnlyToken?: string;
  /**
   * HTTPS (the default) with a serving certificate for `host` (plus localhost, 127.0.0.1 and ::1, and
   * `extraNames`) signed by `ca`, or by a CA generated at start. `false` serves plain HTTP, which real clients
   * (kubectl, client-go) refuse to send a bearer token over.
   */
  tls?: false | { ca?: SimCa; extraNames?: string[] };
  /**
   * What users impersonated by the admin token (Impersonate-User/Group) may do; absent = everything. A small
   * RBAC model for tests of products that act as their signed-in user.
   */
  rbac?: SimRbacRule[];
  /** Requests without a token are user system:anonymous (403 on resources) like a default API server; when false they get 401. Default true. */
  anonymousAuth?: boolean;
  /** Keep PodDisruptionBudget status computed (the disruption controller). Default true. */
  disruptionController?: boolean;
  /** Pods created through the API become Running/Ready on their node. Default true. */
  simulateKubelet?: boolean;
  /** Watch duration when a client sets no timeoutSeconds. Default 30-60 min like --min-request-timeout. */
  watchTimeoutMs?: number;
  /**
   * ReplicaSet, Deployment and StatefulSet controllers and a scheduler, so evicted or deleted pods of a
   * workload are recreated, bound to a node that fits and become Ready `readyDelayMs` later. Off unless given.
   */
  workloads?: WorkloadOptions | false;
  /** Serve metrics.k8s.io (NodeMetrics, PodMetrics) as metrics-server would. Default true. */
  metrics?: boolean;
}

export interface SimServer {
  /** https://127.0.0.1:<port> (http:// with `tls: false`) */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly readOnlyToken: string;
  /** PEM certificate of the CA that signed the serving certificate; undefined over plain HTTP. */
  readonly caCertPem: string | undefined;
  /** Kubeconfig YAML pointing at `url` with token auth and the CA's data; context "sim" (or `name`). */
  kubeconfig(opts?: { readOnly?: boolean; name?: string }): string;
  /** Direct access to the cluster's data (replaced on `restart({resetState: true})`). */
  readonly state: SimState;
  /** Close every open watch stream (cleanly, or by resetting the connection when `abrupt`). */
  cutWatches(opts?: { abrupt?: boolean }): void;
  /** Drop retained history so older resourceVersions get 410 Gone. */
  compact(): void;
  /** Stop and start the HTTP server on the same port, keeping state unless `resetState`. */
  restart(opts?: { resetState?: boolean }): Promise<void>;
  /** While on, connections are reset as soon as they arrive and open ones are dropped. */
  setUnreachable(on: boolean): void;
  /** Serve metrics.k8s.io, or answer 404 for it as a cluster without metrics-server does. */
  setMetrics(on: boolean): void;
  injectFailures(rule: FailureRule): void;
  clearFailures(): void;
  /** Replaces the impersonated users' grants (SimOptions.rbac); undefined = everything allowed. */
  setRbac(rules: SimRbacRule[] | undefined): void;
  /** API requests received (all, or those matching a verb and/or resource such as "pods/eviction"). */
  requestCount(filter?: { verb?: string; resource?: string }): number;
  resetRequestCount(): void;
  /** Open watch streams. */
  watchCount(): number;
  startChurn(c?: ChurnOptions): void;
  stopChurn(): void;
  /** Drive churn by hand (no timers): `seconds` worth of changes at the current rates. */
  churnTick(seconds: number): void;
  close(): Promise<void>;
}

/** Random per start: a fixed token would let anything that can reach the port act as cluster admin. */
const randomToken = (): string => randomBytes(32).toString('base64url');

/** Where clients connect for a bind address: a wildcard bind is reached through loopback. */
function connectHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function buildState(o: SimOptions): SimState {
  const state = new SimState({
    clock: o.clock ?? realClock,
    historyLimit: o.historyLimit ?? 10_000,
    gracePeriodScale: o.gracePeriodScale ?? 1,
    seed: o.seed ?? 1,
    disruptionController: o.disruptionController ?? true,
    simulateKubelet: o.simulateKubelet ?? true,
    workloads: o.workloads || undefined,
  });
  generateCluster(state, {
    nodes: o.nodes ?? 20,
    podsPerNode: o.podsPerNode ?? 10,
    seed: o.seed ?? 1,
    namePrefix: o.namePrefix ?? '',
  });
  return state;
}

export async function startSim(opts: SimOptions = {}): Promise<SimServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomToken();
  const readOnlyToken = opts.readOnlyToken ?? randomToken();
  let ca: SimCa | undefined;
  let serving: { certPem: string; keyPem: string } | undefined;
  if (opts.tls !== false) {
    ca = opts.tls?.ca ?? (await generateCa());
    serving = await issueServingCert(ca, host, opts.tls?.extraNames);
  }
  const faults = new FaultInjector();
  const counter = new RequestCounter();
  const watches = new Set<WatchStream>();
  let state = buildState(opts);
  let churn = new ChurnGenerator(state);
  let churnRates: ChurnOptions | undefined;
  let stopBookmarks: (() => void) | undefined;
  const nodesCount = opts.nodes ?? 20;

  const startTickers = (): void => {
    stopBookmarks = state.timers.every(opts.bookmarkIntervalMs ?? 60_000, () => {
      for (const store of state.allStores())
        for (const w of store.watchers) if (w.allowBookmarks) w.bookmark(store.latestRv);
    });
  };
  startTickers();

  const portRef = { port: 0 };
  const metrics = new SimMetrics(() => state, { enabled: opts.metrics ?? true, seed: opts.seed });
  let rbac = opts.rbac;
  const handler = createRequestHandler({
    rbac: () => rbac,
    metrics,
    state: () => state,
    adminToken: token,
    viewerToken: readOnlyToken,
    viewerUser: 'viewer',
    anonymousAuth: opts.anonymousAuth ?? true,
    serverAddress: () => `${host}:${portRef.port}`,
    faults,
    counter,
    watches,
    watchTimeoutMs: () => opts.watchTimeoutMs ?? Math.round(1_800_000 * (1 + Math.random())),
  });
  const listener = new Listener(handler, host, serving);
  const port = await listener.listen(opts.port ?? 0);
  portRef.port = port;
  const url = `${serving ? 'https' : 'http'}://${connectHost(host)}:${port}`;

  const closeWatches = (abrupt: boolean): void => {
    for (const w of [...watches]) w.close(abrupt);
  };

  const sim: SimServer = {
    url,
    port,
    token,
    readOnlyToken,
    caCertPem: ca?.certPem,
    kubeconfig: (o = {}) =>
      kubeconfigYaml(url, o.readOnly ? readOnlyToken : token, o.name ?? 'sim', ca?.certPem),
    get state() {
      return state;
    },
    cutWatches: (o = {}) => closeWatches(!!o.abrupt),
    compact: () => state.compact(),
    async restart(o = {}) {
      closeWatches(true);
      await listener.close();
      if (o.resetState) {
        const wasChurning = churn.running;
        churn.stop();
        stopBookmarks?.();
        state.close();
        state = buildState(opts);
        churn = new ChurnGenerator(state);
        startTickers();
        if (wasChurning && churnRates) churn.start(churnRates);
      }
      await listener.listen(port);
    },
    setUnreachable: (on) => {
      listener.setUnreachable(on);
      if (on) closeWatches(true);
    },
    setMetrics: (on) => {
      metrics.enabled = on;
    },
    injectFailures: (rule) => faults.add(rule),
    setRbac: (rules) => {
      rbac = rules;
    },
    clearFailures: () => faults.clear(),
    requestCount: (f) => counter.count(f),
    resetRequestCount: () => counter.reset(),
    watchCount: () => watches.size,
    startChurn: (c) => {
      churnRates = { ...ChurnGenerator.defaults(nodesCount), ...(c ?? {}) };
      churn.start(churnRates);
    },
    stopChurn: () => churn.stop(),
    churnTick: (seconds) => {
      if (!churnRates) churnRates = ChurnGenerator.defaults(nodesCount);
      churn.setRates(churnRates);
      churn.tick(seconds);
    },
    async close() {
      churn.stop();
      stopBookmarks?.();
      closeWatches(true);
      await listener.close();
      state.close();
    },
  };
  if (opts.churn) sim.startChurn(opts.churn);
  return sim;
}
