// A process that uses an ingest pool and closes it, then ends on its own: run by pool-exit.test.ts, which
// fails if anything of the pool (a thread, a socket, a timer) keeps this process alive.
import { IngestPool } from '../../src/ingest/pool.js';
import { RemotePodIndex } from '../../src/ingest/remote-pod-index.js';
import { HttpKubeClient, kubeConfigFromText } from '../../src/kube/client.js';
import { createLogger } from '../../src/log/logger.js';
import { startSim } from '../../src/sim/index.js';

const sim = await startSim({ nodes: 6, podsPerNode: 4 });
const pool = new IngestPool({ workers: 2, log: createLogger('silent') });
const client = new HttpKubeClient('exit', kubeConfigFromText(sim.kubeconfig()));
const spec = client.connectionSpec()!;
const stopped = new RemotePodIndex({ cluster: 'a', pool, spec });
const left = new RemotePodIndex({ cluster: 'b', pool, spec });
stopped.start();
left.start();
const synced = (await stopped.waitForSync(30_000)) && (await left.waitForSync(30_000));
const threads = pool.threads;
await stopped.stop();
// The other cluster is still attached: close() alone must end its thread.
await pool.close();
client.close();
await sim.close();
process.stdout.write(JSON.stringify({ synced, threads, after: pool.threads }) + '\n');
