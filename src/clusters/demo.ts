// The built-in demo cluster: an in-process simulated Kubernetes API (src/sim) registered as cluster "demo"
// at start when KNM_DEMO is on. It is kept in memory only, never stored: its address changes every start.
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { startSim, type ChurnOptions, type SimOptions, type SimServer } from '../sim/index.js';
import type { ClusterRegistry } from './registry.js';

export type { SimServer } from '../sim/index.js';
export type StartSim = (opts: SimOptions) => Promise<SimServer>;

export const DEMO_CLUSTER = 'demo';

/**
 * Enough change to watch the console move, little enough to read it. Heartbeats keep the simulator's
 * default (scaled to the node count): they exercise the filter that keeps them away from browsers.
 */
export const DEMO_CHURN: ChurnOptions = {
  readyFlapsPerMinute: 1,
  podChurnPerSecond: 1,
  labelChangesPerMinute: 2,
};

export async function startDemoCluster(
  config: Pick<Config, 'demoNodes' | 'demoPodsPerNode' | 'demoChurn'>,
  registry: ClusterRegistry,
  log: Logger,
  start: StartSim = startSim,
): Promise<SimServer | undefined> {
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
