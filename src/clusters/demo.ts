// The built-in demo cluster: an in-process simulated Kubernetes API (src/sim) registered as cluster "demo"
// at start when KNM_DEMO is on. It is kept in memory only, never stored: its address, CA and token change
// every start. It serves HTTPS on loopback with a random bearer token, and its kubeconfig is written to
// <data dir>/demo.kubeconfig (mode 0600, like the secret key beside it) so kubectl can be pointed at it.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { startSim, type ChurnOptions, type SimOptions, type SimServer } from '../sim/index.js';
import type { ClusterRegistry } from './registry.js';

export type { SimServer } from '../sim/index.js';
export type StartSim = (opts: SimOptions) => Promise<SimServer>;

export const DEMO_CLUSTER = 'demo';
export const DEMO_KUBECONFIG_FILE = 'demo.kubeconfig';

/** Replaces the file whole, readable by the owner only, so no reader ever sees a half-written token. */
function writePrivate(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/**
 * Enough change to watch the console move, little enough to read it. Heartbeats keep the simulator's
 * default (scaled to the node count): they exercise the filter that keeps them away from browsers.
 */
export const DEMO_CHURN: ChurnOptions = {
  readyFlapsPerMinute: 1,
  podChurnPerSecond: 1,
  labelChangesPerMinute: 2,
};

/** How long a rescheduled demo pod takes to become Ready: long enough to watch a gate wait for it. */
export const DEMO_READY_DELAY_MS = 3_000;

export async function startDemoCluster(
  config: Pick<Config, 'demoNodes' | 'demoPodsPerNode' | 'demoChurn' | 'dataDir'>,
  registry: ClusterRegistry,
  log: Logger,
  start: StartSim = startSim,
): Promise<SimServer | undefined> {
  const sim = await start({
    nodes: config.demoNodes,
    podsPerNode: config.demoPodsPerNode,
    churn: config.demoChurn ? DEMO_CHURN : false,
    // Drained pods come back elsewhere, so maintenance gates and PDBs behave in the demo as in a cluster.
    workloads: { readyDelayMs: DEMO_READY_DELAY_MS },
  });
  const record = registry.attachEphemeral(DEMO_CLUSTER, sim.kubeconfig(), 'demo');
  if (!record) {
    await sim.close();
    return undefined;
  }
  const kubeconfig = path.join(config.dataDir, DEMO_KUBECONFIG_FILE);
  try {
    fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    writePrivate(kubeconfig, sim.kubeconfig());
  } catch (e) {
    // The console works without the file; only kubectl users miss it.
    log.warn(
      { cluster: DEMO_CLUSTER, file: kubeconfig, err: (e as Error).message },
      'demo kubeconfig not written',
    );
  }
  log.info(
    { cluster: DEMO_CLUSTER, nodes: config.demoNodes, url: sim.url, kubeconfigFile: kubeconfig },
    'demo cluster started',
  );
  return sim;
}
