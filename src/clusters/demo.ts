// The built-in demo cluster: an in-process simulated Kubernetes API (src/sim) registered as cluster "demo"
// at start when KNM_DEMO is on. It is kept in memory only, never stored: its address changes every start.
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { ClusterRegistry } from './registry.js';

export const DEMO_CLUSTER = 'demo';

/** What src/sim exports (startSim); declared here so this file does not depend on the simulator's internals. */
export interface SimServer {
  url: string;
  kubeconfig(): string;
  close(): Promise<void>;
}
export interface SimStartOptions {
  nodes: number;
  podsPerNode: number;
  churn: false | Record<string, number>;
}
export type StartSim = (opts: SimStartOptions) => Promise<SimServer>;

/** Enough change to watch the console move, little enough to read it. */
export const DEMO_CHURN = { nodeChangesPerMinute: 6, podChangesPerSecond: 2 };

export async function loadStartSim(): Promise<StartSim | undefined> {
  // Resolved at run time so the server still starts in a build without the simulator.
  const spec = '../sim/index.js';
  try {
    const mod = (await import(spec)) as { startSim?: StartSim };
    return mod.startSim;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_MODULE_NOT_FOUND' && /sim[\\/]index/.test(err.message)) return undefined;
    throw e;
  }
}

export async function startDemoCluster(
  config: Pick<Config, 'demoNodes' | 'demoPodsPerNode' | 'demoChurn'>,
  registry: ClusterRegistry,
  log: Logger,
  startSim?: StartSim,
): Promise<SimServer | undefined> {
  const start = startSim ?? (await loadStartSim());
  if (!start) {
    log.warn('the demo cluster is not available in this build (no simulator); continuing without it');
    return undefined;
  }
  const sim = await start({
    nodes: config.demoNodes,
    podsPerNode: config.demoPodsPerNode,
    churn: config.demoChurn ? DEMO_CHURN : false,
  });
  const record = registry.attachEphemeral(DEMO_CLUSTER, sim.kubeconfig(), 'demo');
  if (!record) {
    await sim.close();
    return undefined;
  }
  log.info({ cluster: DEMO_CLUSTER, nodes: config.demoNodes, url: sim.url }, 'demo cluster started');
  return sim;
}
