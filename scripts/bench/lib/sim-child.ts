// The simulated cluster in its own process, driven over IPC by the benchmark, so the product's heap and event
// loop measured in the parent do not include the simulator's.
import { startSim, type SimServer, type SimOptions, type ChurnOptions } from '../../../src/sim/index.js';

export type SimRequest =
  | { id: number; cmd: 'start'; opts: SimOptions }
  | { id: number; cmd: 'requestCount'; filter?: { verb?: string; resource?: string } }
  | { id: number; cmd: 'resetRequestCount' }
  | { id: number; cmd: 'startChurn'; rates: ChurnOptions }
  | { id: number; cmd: 'stopChurn' }
  | { id: number; cmd: 'label'; node: string; key: string; value: string }
  | { id: number; cmd: 'nodeNames' }
  | { id: number; cmd: 'podCount' }
  | { id: number; cmd: 'close' };

let sim: SimServer | undefined;

async function handle(m: SimRequest): Promise<unknown> {
  switch (m.cmd) {
    case 'start': {
      const t0 = Date.now();
      sim = await startSim(m.opts);
      return { url: sim.url, kubeconfig: sim.kubeconfig(), startMs: Date.now() - t0 };
    }
    case 'requestCount':
      return sim!.requestCount(m.filter);
    case 'resetRequestCount':
      return sim!.resetRequestCount();
    case 'startChurn':
      return sim!.startChurn(m.rates);
    case 'stopChurn':
      return sim!.stopChurn();
    case 'label':
      sim!.state.updateNode(m.node, (n) => {
        n.metadata.labels = { ...n.metadata.labels, [m.key]: m.value };
      });
      return null;
    case 'nodeNames':
      return (await sim!.state.list('nodes')).map((n) => n.metadata.name);
    case 'podCount':
      return sim!.state.count('pods');
    case 'close':
      await sim?.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

// Never outlive the benchmark that started us (it may have crashed).
process.on('disconnect', () => process.exit(0));

process.on('message', (m: SimRequest) => {
  handle(m).then(
    (result) => process.send!({ id: m.id, result }),
    (e: unknown) => process.send!({ id: m.id, error: (e as Error).stack ?? String(e) }),
  );
});
