// A real, throw-away Kubernetes control plane for integration tests:
// etcd + kube-apiserver + kwok (which plays the kubelets), all on loopback,
// built by scripts/k8s/build.sh and started fresh per call.
//
// What is deliberately absent, and what that means for tests:
// - kube-scheduler only on request (`scheduler`); without it pods must carry spec.nodeName;
// - kube-controller-manager only on request (`controllers`), and then only
//   the named controllers — typically just `disruption`, which computes
//   PodDisruptionBudget status (without it every eviction of a covered pod
//   is refused with 429). Otherwise: no ReplicaSet/DaemonSet pods, no garbage
//   collection of dependents, namespaces stay Terminating once deleted, and
//   nothing marks a silent node NotReady;
// - kwok removes a terminating pod at once, whatever its grace period; a pod
//   or node annotated kwok.x-k8s.io/status=custom is left entirely alone
//   (pods stay Pending and, once deleted, Terminating; node status is
//   whatever the test writes), which is how "stuck" objects are simulated;
// - kwok heartbeats by updating node status (no Leases in kube-node-lease),
//   so node watches see periodic MODIFIED events.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { api, apiRequest, releaseAgent, type ApiTarget, type KubeObject } from './http.js';

export interface ControlPlaneOptions {
  /** Root of the binary cache; defaults to $KNM_K8S_CACHE or ~/.cache/knm-k8s. */
  cacheDir?: string;
  /** Preferred versions; default to the versions build.sh builds. */
  kubernetesVersion?: string;
  etcdVersion?: string;
  kwokVersion?: string;
  /** Explicit binary paths, overriding the cache lookup. */
  binaries?: {
    kubeApiserver?: string;
    kubeControllerManager?: string;
    kubeScheduler?: string;
    etcd?: string;
    kwok?: string;
  };
  /** Start kwok so that annotated nodes become Ready and their pods Running (default true). */
  kwok?: boolean;
  /**
   * kube-controller-manager controllers to run (its --controllers list, e.g.
   * ['disruption']); none, and no controller manager at all, by default.
   */
  controllers?: string[];
  /**
   * Run kube-scheduler, so pods the replicaset/statefulset controllers create are bound to nodes (off by
   * default: pods then need spec.nodeName).
   */
  scheduler?: boolean;
  /**
   * kube-apiserver's watch cache (default true). With it on, watches are
   * served from an in-memory window that etcd compaction does not shrink, so
   * a watch from a compacted-but-recent resourceVersion still succeeds; turn
   * it off to have every watch and list hit etcd, where compact() makes old
   * resourceVersions answer 410 Gone immediately.
   */
  watchCache?: boolean;
  /** Extra kube-apiserver flags, appended last so they win over the defaults. */
  apiserverArgs?: string[];
  /** Extra etcd flags. */
  etcdArgs?: string[];
  /** Upper bound for the whole start-up (default 120 s; the first start after a build is slower). */
  startTimeoutMs?: number;
  /** Keep the temp dir (logs, data, kubeconfig) after stop(); also enabled by KNM_K8S_KEEP=1. */
  keepTmpDir?: boolean;
}

export interface ControlPlane {
  kubeconfigPath: string;
  kubeconfigYaml: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** Bearer token of a user in system:masters. */
  token: string;
  versions: { kubernetes: string; etcd: string; kwok?: string };
  /** http://127.0.0.1:<port> — etcd client URL (plain HTTP, no auth). */
  etcdEndpoint: string;
  /** Temp dir holding data, logs (*.log) and the kubeconfig. */
  tmpDir: string;
  /**
   * Compacts etcd at its current revision and returns that revision, the way
   * kube-apiserver's own periodic compactor does (compact_rev_key first).
   * What then answers 410 Gone for an older resourceVersion:
   * - watchCache: false — watches (as a 200 stream whose only event is an
   *   ERROR Status with code 410) and resourceVersionMatch=Exact lists, at once;
   * - watch cache on (default) — Exact lists only, after up to ~15 s; watches
   *   are replayed from the cache's event window, which compaction does not
   *   shrink, so they succeed with the missed events instead of 410.
   * Plain GETs with a resourceVersion are "not older than" reads and never 410.
   */
  compact(): Promise<number>;
  /** Current etcd revision (what a fresh list's resourceVersion is based on). */
  etcdRevision(): Promise<number>;
  /** Last lines of a component's log, for diagnostics. */
  logTail(component: Component, lines?: number): string;
  stop(): Promise<void>;
}

/** The pod lifecycle kwok plays: its default one, with a pod removed once (the file says why). */
const KWOK_POD_STAGES = fileURLToPath(new URL('./kwok-pod-stages.yaml', import.meta.url));

/** Annotation/label that mark a node as simulated by this harness's kwok. */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
export const KWOK_NODE_ANNOTATION_VALUE = 'fake';
/** Nodes or pods with this annotation keep whatever status the test writes. */
export const KWOK_CUSTOM_STATUS_ANNOTATION = 'kwok.x-k8s.io/status';

const DEFAULT_VERSIONS = {
  kubernetes: process.env.KNM_K8S_VERSION ?? 'v1.34.4',
  etcd: process.env.KNM_ETCD_VERSION ?? 'v3.6.16',
  kwok: process.env.KNM_KWOK_VERSION ?? 'v0.7.0',
};

export type Component = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';

function cacheRoot(opts: ControlPlaneOptions): string {
  return opts.cacheDir ?? process.env.KNM_K8S_CACHE ?? path.join(os.homedir(), '.cache', 'knm-k8s');
}

function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split(/[.-]/);
  const pb = b.replace(/^v/, '').split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = Number(pa[i] ?? 0);
    const y = Number(pb[i] ?? 0);
    if (Number.isNaN(x) || Number.isNaN(y)) {
      const c = String(pa[i] ?? '').localeCompare(String(pb[i] ?? ''));
      if (c) return c;
    } else if (x !== y) return x - y;
  }
  return 0;
}

/**
 * Finds a binary: the explicit path, else <cache>/<component>-<preferred>/,
 * else the newest version present in the cache, so a machine that built a
 * different version still works.
 */
export function resolveBinary(component: Component, opts: ControlPlaneOptions = {}): string {
  const explicit = {
    etcd: opts.binaries?.etcd ?? process.env.KNM_ETCD_BIN,
    kwok: opts.binaries?.kwok ?? process.env.KNM_KWOK_BIN,
    'kube-apiserver': opts.binaries?.kubeApiserver ?? process.env.KNM_KUBE_APISERVER_BIN,
    'kube-controller-manager':
      opts.binaries?.kubeControllerManager ?? process.env.KNM_KUBE_CONTROLLER_MANAGER_BIN,
    'kube-scheduler': opts.binaries?.kubeScheduler ?? process.env.KNM_KUBE_SCHEDULER_BIN,
  }[component];
  if (explicit) {
    if (!fs.existsSync(explicit)) throw new Error(`${component} binary not found at ${explicit}`);
    return explicit;
  }
  const root = cacheRoot(opts);
  const preferred =
    component === 'etcd'
      ? (opts.etcdVersion ?? DEFAULT_VERSIONS.etcd)
      : component === 'kwok'
        ? (opts.kwokVersion ?? DEFAULT_VERSIONS.kwok)
        : (opts.kubernetesVersion ?? DEFAULT_VERSIONS.kubernetes);
  const wanted = path.join(root, `${component}-${preferred}`, component);
  if (fs.existsSync(wanted)) return wanted;
  const prefix = `${component}-`;
  const candidates = (fs.existsSync(root) ? fs.readdirSync(root) : [])
    .filter((d) => d.startsWith(prefix) && fs.existsSync(path.join(root, d, component)))
    .map((d) => d.slice(prefix.length))
    .sort(compareVersions);
  const newest = candidates.at(-1);
  if (newest) return path.join(root, `${prefix}${newest}`, component);
  throw new Error(
    `${component} binary not found (looked for ${wanted}); build it with scripts/k8s/build.sh ${component}`,
  );
}

/** True when every binary `opts` needs can be found; lets suites skip cleanly on machines without them. */
export function controlPlaneAvailable(opts: ControlPlaneOptions = {}): boolean {
  try {
    resolveBinary('etcd', opts);
    resolveBinary('kube-apiserver', opts);
    if (opts.kwok !== false) resolveBinary('kwok', opts);
    if (opts.controllers?.length) resolveBinary('kube-controller-manager', opts);
    if (opts.scheduler) resolveBinary('kube-scheduler', opts);
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Distinct free loopback ports (the OS may hand out the same port twice across close/listen). */
async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

export interface PollOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Describes what is awaited, for the timeout error. */
  what?: string;
}

/**
 * Polls fn until it returns a value other than undefined/false, or throws
 * with the last observed error once the deadline passes.
 */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  opts: PollOptions = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  const interval = opts.intervalMs ?? 100;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() >= deadline) {
      const why = lastErr instanceof Error ? `: ${lastErr.message}` : lastErr ? `: ${String(lastErr)}` : '';
      throw new Error(
        `timed out after ${opts.timeoutMs ?? 30_000} ms waiting for ${opts.what ?? 'condition'}${why}`,
      );
    }
    await new Promise((r) => setTimeout(r, Math.min(interval, Math.max(0, deadline - Date.now()))));
  }
}

// etcd's JSON gateway answers; only the fields the harness reads are typed.
interface EtcdJson {
  health?: string;
  etcdserver?: string;
  header?: { revision?: string };
  message?: string;
  error?: string;
  raw?: string;
}

function httpGetJson(
  url: string,
  method = 'GET',
  body?: unknown,
): Promise<{ status: number; json: EtcdJson | undefined }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        timeout: 10_000,
        headers: payload
          ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }
          : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: EtcdJson | undefined;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = { raw: text };
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

interface Proc {
  name: Component;
  child: ChildProcess;
  logPath: string;
  exited: Promise<void>;
  exitInfo?: string;
}

// Every live plane, so exit/signal handlers can tear them down if a test
// runner dies without calling stop().
const live = new Set<{ procs: Proc[]; tmpDir: string; keep: boolean }>();
let handlersInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // Negative pid: the whole process group, since each component is spawned
    // detached as its own group leader.
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

function emergencyCleanup(): void {
  for (const plane of live) {
    for (const p of plane.procs) killGroup(p.child, 'SIGKILL');
    if (!plane.keep) fs.rmSync(plane.tmpDir, { recursive: true, force: true });
  }
  live.clear();
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', emergencyCleanup);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // Installing a listener replaces Node's default exit-on-signal, so the
    // handler must exit itself — but only if nobody else is listening, to
    // leave the host test runner's own signal handling intact.
    process.on(sig, () => {
      emergencyCleanup();
      if (process.listenerCount(sig) <= 1) process.exit(128 + (os.constants.signals[sig] ?? 1));
    });
  }
}

function tail(file: string, lines = 40): string {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  } catch {
    return '';
  }
}

function startProc(name: Component, bin: string, args: string[], dir: string, env?: NodeJS.ProcessEnv): Proc {
  const logPath = path.join(dir, `${name}.log`);
  const fd = fs.openSync(logPath, 'a');
  const child = spawn(bin, args, {
    cwd: dir,
    detached: true,
    stdio: ['ignore', fd, fd],
    env: env ?? process.env,
  });
  fs.closeSync(fd);
  // Detached children must not keep the test process alive on their own.
  child.unref();
  const proc: Proc = { name, child, logPath, exited: Promise.resolve() };
  proc.exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      proc.exitInfo = signal ? `signal ${signal}` : `code ${code}`;
      resolve();
    });
    child.once('error', (err) => {
      proc.exitInfo = `spawn error: ${err.message}`;
      resolve();
    });
  });
  return proc;
}

async function stopProc(p: Proc, graceMs = 5_000): Promise<void> {
  // The children are unref'd so they never hold the test process open; while
  // stopping, though, the wait for their exit must keep the event loop alive
  // or a script whose last act is stop() would quit before cleanup finishes.
  p.child.ref();
  killGroup(p.child, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
  const outcome = await Promise.race([p.exited.then(() => 'exited' as const), timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    killGroup(p.child, 'SIGKILL');
    await p.exited;
  }
  // The group leader may be gone while helpers it forked linger.
  if (p.child.pid !== undefined) {
    try {
      process.kill(-p.child.pid, 'SIGKILL');
    } catch {
      /* group empty */
    }
  }
}

/** Waits for `check` while failing fast, with its log, if the process dies. */
async function waitReady(
  p: Proc,
  what: string,
  check: () => Promise<boolean>,
  deadline: number,
): Promise<void> {
  let dead = false;
  void p.exited.then(() => (dead = true));
  try {
    await waitFor(
      async () => {
        if (dead) throw new Error(`${p.name} exited (${p.exitInfo})`);
        return await check();
      },
      { timeoutMs: Math.max(1, deadline - Date.now()), intervalMs: 200, what },
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- ${p.name} log (${p.logPath}) ---\n${tail(p.logPath)}`);
  }
  if (dead) throw new Error(`${p.name} exited (${p.exitInfo})\n${tail(p.logPath)}`);
}

function kubeconfig(server: string, token: string): string {
  // Hand-written YAML: the values are simple scalars and the harness must not
  // depend on a YAML library.
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: knm-test',
    '  cluster:',
    `    server: ${server}`,
    '    insecure-skip-tls-verify: true',
    'users:',
    '- name: knm-admin',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: knm-test',
    '  context:',
    '    cluster: knm-test',
    '    user: knm-admin',
    '    namespace: default',
    'current-context: knm-test',
    'preferences: {}',
    '',
  ].join('\n');
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const etcdBin = resolveBinary('etcd', opts);
  const apiserverBin = resolveBinary('kube-apiserver', opts);
  const withKwok = opts.kwok !== false;
  const kwokBin = withKwok ? resolveBinary('kwok', opts) : undefined;
  const controllers = opts.controllers ?? [];
  const kcmBin = controllers.length ? resolveBinary('kube-controller-manager', opts) : undefined;
  const schedulerBin = opts.scheduler ? resolveBinary('kube-scheduler', opts) : undefined;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 120_000);

  installHandlers();
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-k8s-'));
  const keep = opts.keepTmpDir ?? process.env.KNM_K8S_KEEP === '1';
  const plane = { procs: [] as Proc[], tmpDir, keep };
  live.add(plane);
  // Exit handlers do not run when the test process is SIGKILLed (a runner
  // timing out a worker, an OOM kill). This watchdog outlives such a death
  // and reaps the process groups listed in the pids file, plus the temp dir.
  const pidsFile = path.join(tmpDir, 'pids');
  fs.writeFileSync(pidsFile, '');
  // bash, not sh: dash's kill builtin cannot signal a process group.
  const watchdog = spawn(
    'bash',
    [
      '-c',
      'while kill -0 "$1" 2>/dev/null; do sleep 1; done; ' +
        'for p in $(cat "$2/pids" 2>/dev/null); do kill -KILL -- "-$p" 2>/dev/null; done; ' +
        '[ "$3" = 1 ] || rm -rf "$2"',
      'knm-k8s-watchdog',
      String(process.pid),
      tmpDir,
      keep ? '1' : '0',
    ],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();
  const track = (p: Proc): void => {
    plane.procs.push(p);
    if (p.child.pid !== undefined) fs.appendFileSync(pidsFile, `${p.child.pid}\n`);
  };

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // Reverse order: kwok and the apiserver first, so they do not log storms
    // of errors about a vanished etcd while shutting down.
    for (const p of [...plane.procs].reverse()) await stopProc(p);
    killGroup(watchdog, 'SIGKILL');
    live.delete(plane);
    if (!keep) fs.rmSync(tmpDir, { recursive: true, force: true });
  };

  try {
    const [etcdClientPort, etcdPeerPort, securePort, kwokPort, kcmPort, schedulerPort] = await freePorts(6);
    const etcdEndpoint = `http://127.0.0.1:${etcdClientPort}`;

    // --- etcd ---
    const etcdArgs = [
      '--name=knm',
      `--data-dir=${path.join(tmpDir, 'etcd')}`,
      `--listen-client-urls=${etcdEndpoint}`,
      `--advertise-client-urls=${etcdEndpoint}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=knm=http://127.0.0.1:${etcdPeerPort}`,
      '--initial-cluster-state=new',
      // Data is discarded after the test; fsync only costs time.
      '--unsafe-no-fsync=true',
      '--log-level=warn',
      ...(opts.etcdArgs ?? []),
    ];
    const etcd = startProc('etcd', etcdBin, etcdArgs, tmpDir);
    track(etcd);
    await waitReady(
      etcd,
      'etcd health',
      async () => {
        const r = await httpGetJson(`${etcdEndpoint}/health`);
        return r.status === 200 && String(r.json?.health) === 'true';
      },
      deadline,
    );

    // --- kube-apiserver ---
    const token = randomBytes(24).toString('hex');
    const tokenFile = path.join(tmpDir, 'tokens.csv');
    fs.writeFileSync(tokenFile, `${token},knm-admin,knm-admin-uid,"system:masters"\n`, { mode: 0o600 });
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const saKey = path.join(tmpDir, 'sa.key');
    fs.writeFileSync(saKey, privateKey, { mode: 0o600 });
    const certDir = path.join(tmpDir, 'certs');
    fs.mkdirSync(certDir);
    const server = `https://127.0.0.1:${securePort}`;
    const apiserverArgs = [
      `--etcd-servers=${etcdEndpoint}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${securePort}`,
      // No --tls-cert-file: the apiserver writes a self-signed pair here itself.
      `--cert-dir=${certDir}`,
      `--token-auth-file=${tokenFile}`,
      '--authorization-mode=Node,RBAC',
      // Pods created by tests carry no service-account token volumes. New nodes get no
      // node.kubernetes.io/not-ready taint: nothing here (no node lifecycle controller) would
      // lift it once kwok reports them Ready, as it would be within seconds in a real cluster.
      '--disable-admission-plugins=ServiceAccount,TaintNodesByCondition',
      `--service-account-key-file=${saKey}`,
      `--service-account-signing-key-file=${saKey}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--service-cluster-ip-range=10.96.0.0/16',
      // Nothing should try to reach 127.0.0.1 as the "kubernetes" service endpoint.
      '--endpoint-reconciler-type=none',
      '--allow-privileged=true',
      '--profiling=false',
      ...(opts.watchCache === false ? ['--watch-cache=false'] : []),
      ...(opts.apiserverArgs ?? []),
    ];
    const apiserver = startProc('kube-apiserver', apiserverBin, apiserverArgs, tmpDir);
    track(apiserver);
    const target: ApiTarget = { server, token };
    await waitReady(
      apiserver,
      'kube-apiserver /readyz',
      async () => (await apiRequest(target, 'GET', '/readyz', { timeoutMs: 5_000 })).status === 200,
      deadline,
    );
    // /readyz can pass a moment before the default namespace exists, and most
    // tests create objects in it straight away.
    await waitReady(
      apiserver,
      'default namespace',
      async () => (await apiRequest(target, 'GET', '/api/v1/namespaces/default')).status === 200,
      deadline,
    );

    const kubeconfigYaml = kubeconfig(server, token);
    const kubeconfigPath = path.join(tmpDir, 'kubeconfig');
    fs.writeFileSync(kubeconfigPath, kubeconfigYaml, { mode: 0o600 });

    // --- kwok ---
    let kwokVersion: string | undefined;
    if (kwokBin) {
      const kwokHome = path.join(tmpDir, 'kwok-home');
      fs.mkdirSync(kwokHome);
      const kwokArgs = [
        `--kubeconfig=${kubeconfigPath}`,
        '--manage-all-nodes=false',
        `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=${KWOK_NODE_ANNOTATION_VALUE}`,
        `--disregard-status-with-annotation-selector=${KWOK_CUSTOM_STATUS_ANNOTATION}=custom`,
        '--cidr=10.0.0.1/24',
        '--node-ip=10.0.0.1',
        // Its /healthz answers only once the controllers have started.
        `--server-address=127.0.0.1:${kwokPort}`,
        `--config=${KWOK_POD_STAGES}`,
      ];
      // A private HOME keeps a developer's ~/.kwok/kwok.yaml from being loaded.
      const kwok = startProc('kwok', kwokBin, kwokArgs, tmpDir, { ...process.env, HOME: kwokHome });
      track(kwok);
      await waitReady(
        kwok,
        'kwok /healthz',
        async () => (await httpGetJson(`http://127.0.0.1:${kwokPort}/healthz`)).status === 200,
        deadline,
      );
      kwokVersion = path.basename(path.dirname(kwokBin)).replace(/^kwok-/, '');
    }

    // --- kube-controller-manager (only the requested controllers) ---
    if (kcmBin) {
      const kcmArgs = [
        `--kubeconfig=${kubeconfigPath}`,
        // Its own serving endpoint authenticates /healthz callers through the apiserver.
        `--authentication-kubeconfig=${kubeconfigPath}`,
        `--authorization-kubeconfig=${kubeconfigPath}`,
        `--controllers=${controllers.join(',')}`,
        '--leader-elect=false',
        '--use-service-account-credentials=false',
        '--bind-address=127.0.0.1',
        `--secure-port=${kcmPort}`,
        `--cert-dir=${path.join(tmpDir, 'kcm-certs')}`,
        '--profiling=false',
      ];
      const kcm = startProc('kube-controller-manager', kcmBin, kcmArgs, tmpDir);
      track(kcm);
      await waitReady(
        kcm,
        'kube-controller-manager /healthz',
        async () =>
          (
            await apiRequest({ server: `https://127.0.0.1:${kcmPort}`, token }, 'GET', '/healthz', {
              timeoutMs: 5_000,
            })
          ).status === 200,
        deadline,
      );
      releaseAgent(`https://127.0.0.1:${kcmPort}`);
    }

    // --- kube-scheduler ---
    if (schedulerBin) {
      const schedulerArgs = [
        `--kubeconfig=${kubeconfigPath}`,
        `--authentication-kubeconfig=${kubeconfigPath}`,
        `--authorization-kubeconfig=${kubeconfigPath}`,
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        `--secure-port=${schedulerPort}`,
        `--cert-dir=${path.join(tmpDir, 'scheduler-certs')}`,
        '--profiling=false',
      ];
      const scheduler = startProc('kube-scheduler', schedulerBin, schedulerArgs, tmpDir);
      track(scheduler);
      await waitReady(
        scheduler,
        'kube-scheduler /healthz',
        async () =>
          (
            await apiRequest({ server: `https://127.0.0.1:${schedulerPort}`, token }, 'GET', '/healthz', {
              timeoutMs: 5_000,
            })
          ).status === 200,
        deadline,
      );
      releaseAgent(`https://127.0.0.1:${schedulerPort}`);
    }

    const versionInfo = (await api<{ gitVersion: string }>(target, 'GET', '/version')).body;
    const etcdVersion = (await httpGetJson(`${etcdEndpoint}/version`)).json?.etcdserver ?? 'unknown';

    const etcdRevision = async (): Promise<number> => {
      // Any range answers with the store's current revision in its header.
      const r = await httpGetJson(`${etcdEndpoint}/v3/kv/range`, 'POST', {
        key: Buffer.from('/').toString('base64'),
        count_only: true,
      });
      if (r.status !== 200) throw new Error(`etcd range failed: ${r.status} ${JSON.stringify(r.json)}`);
      const rev = Number(r.json?.header?.revision);
      if (!Number.isFinite(rev) || rev <= 0)
        throw new Error(`etcd range returned no revision: ${JSON.stringify(r.json)}`);
      return rev;
    };

    return {
      kubeconfigPath,
      kubeconfigYaml,
      server,
      token,
      versions: { kubernetes: versionInfo.gitVersion, etcd: etcdVersion, kwok: kwokVersion },
      etcdEndpoint,
      tmpDir,
      etcdRevision,
      async compact() {
        const rev = await etcdRevision();
        // kube-apiserver learns of compactions only through this key, which
        // its own periodic compactor writes before compacting; writing it too
        // lets the apiserver's caches drop snapshots below `rev` as they would
        // in a real cluster (within ~1 s, plus up to 15 s for the watch cache).
        const put = await httpGetJson(`${etcdEndpoint}/v3/kv/put`, 'POST', {
          key: Buffer.from('compact_rev_key').toString('base64'),
          value: Buffer.from(String(rev)).toString('base64'),
        });
        if (put.status !== 200)
          throw new Error(`etcd put compact_rev_key failed: ${put.status} ${JSON.stringify(put.json)}`);
        const r = await httpGetJson(`${etcdEndpoint}/v3/kv/compaction`, 'POST', {
          revision: String(rev),
          physical: true,
        });
        // Compacting at an already-compacted revision is harmless for tests.
        const msg = String(r.json?.message ?? r.json?.error ?? '');
        if (r.status !== 200 && !/compacted/.test(msg)) {
          throw new Error(`etcd compaction failed: ${r.status} ${JSON.stringify(r.json)}`);
        }
        return rev;
      },
      logTail(component, lines = 40) {
        return tail(path.join(tmpDir, `${component}.log`), lines);
      },
      async stop() {
        releaseAgent(server);
        await stop();
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

export interface KwokNodeOptions {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Capacity/allocatable; defaults give room for plenty of test pods. */
  capacity?: Record<string, string>;
  taints?: Array<{ key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }>;
  unschedulable?: boolean;
  /** Have kwok leave the node's status alone so the test can write it (e.g. NotReady). */
  customStatus?: boolean;
}

/** A Node manifest that this harness's kwok adopts (and makes Ready). */
export function kwokNodeManifest(name: string, o: KwokNodeOptions = {}): KubeObject {
  const capacity = { cpu: '32', memory: '256Gi', pods: '110', ...o.capacity };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: {
        [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE,
        ...(o.customStatus ? { [KWOK_CUSTOM_STATUS_ANNOTATION]: 'custom' } : {}),
        'node.alpha.kubernetes.io/ttl': '0',
        ...o.annotations,
      },
      labels: {
        type: 'kwok',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        ...o.labels,
      },
    },
    spec: { taints: o.taints ?? [], ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: { capacity, allocatable: capacity },
  };
}

export async function createKwokNode(
  cp: Pick<ControlPlane, 'server' | 'token'>,
  name: string,
  o: KwokNodeOptions = {},
): Promise<KubeObject> {
  return (await api(cp, 'POST', '/api/v1/nodes', { body: kwokNodeManifest(name, o) })).body;
}

export function isNodeReady(node: KubeObject | undefined): boolean {
  return (node?.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export async function waitForNodeReady(
  cp: Pick<ControlPlane, 'server' | 'token'>,
  name: string,
  timeoutMs = 30_000,
): Promise<KubeObject> {
  return waitFor(
    async () => {
      const r = await apiRequest(cp, 'GET', `/api/v1/nodes/${encodeURIComponent(name)}`);
      return r.status === 200 && isNodeReady(r.body) ? r.body : undefined;
    },
    { timeoutMs, what: `node ${name} Ready` },
  );
}

/** Creates a kwok node and waits until kwok has reported it Ready. */
export async function createReadyKwokNode(
  cp: Pick<ControlPlane, 'server' | 'token'>,
  name: string,
  o: KwokNodeOptions = {},
): Promise<KubeObject> {
  await createKwokNode(cp, name, o);
  return waitForNodeReady(cp, name);
}
