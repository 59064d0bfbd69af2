// Parent side of the benchmark's child processes (simulator, clients): request/response over IPC.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ClientRequest } from './client-child.js';
import type { SimRequest } from './sim-child.js';

type Cmd<Req> = Req extends { id: number } ? Omit<Req, 'id'> : never;

/** Request/response over IPC with a child process running one of the benchmark's child scripts. */
export class ChildRpc<Req> {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  constructor(private readonly child: ChildProcess) {
    child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.error) w?.reject(new Error(`child process: ${m.error}`));
      else w?.resolve(m.result);
    });
    // A send racing the child's exit must not crash the benchmark; the pending call is rejected below.
    child.on('error', () => undefined);
    child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`simulator exited (${code})`));
      this.waiting.clear();
    });
  }

  /**
   * `nice` lowers the simulator's CPU priority: in a fleet series ten or twenty simulators share the product's
   * cores, where real clusters' API servers run elsewhere; at a lower priority they take only what the product
   * leaves, so its latencies are its own and the achieved update rate says what the fixture managed.
   */
  static spawnSim(maxOldSpaceMb = 6144, nice = 0): ChildRpc<SimRequest> {
    const script = fileURLToPath(new URL('./sim-child.ts', import.meta.url));
    // A large young generation keeps the simulator's own GC pauses (150,000 pods in its heap) from showing up
    // as watch latency; the simulator is the test fixture, not the product, so tuning it is fair.
    const execArgv = ['--import', 'tsx', `--max-old-space-size=${maxOldSpaceMb}`, '--max-semi-space-size=64'];
    const stdio = ['ignore', 'inherit', 'inherit', 'ipc'] as const;
    // Started under nice(1), so that every thread of the child (V8's included) inherits the priority.
    const child = nice
      ? spawn('nice', ['-n', String(nice), process.execPath, ...execArgv, script], { stdio: [...stdio] })
      : fork(script, [], { execArgv, stdio: [...stdio] });
    return new ChildRpc<SimRequest>(child);
  }

  static spawnClients(): ChildRpc<ClientRequest> {
    const script = fileURLToPath(new URL('./client-child.ts', import.meta.url));
    const child = fork(script, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new ChildRpc<ClientRequest>(child);
  }

  call<T = unknown>(cmd: Cmd<Req>): Promise<T> {
    const id = ++this.seq;
    if (!this.child.connected) return Promise.reject(new Error('child process is gone'));
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ ...cmd, id });
    });
  }

  /** Fire-and-forget (no wait for the answer), for timing-sensitive changes. */
  post(cmd: Cmd<Req>): void {
    const id = ++this.seq;
    if (!this.child.connected) return;
    this.child.send({ ...cmd, id });
  }

  async close(): Promise<void> {
    if (!this.child.connected) return;
    await this.call({ cmd: 'close' } as unknown as Cmd<Req>).catch(() => undefined);
    if (this.child.exitCode === null) this.child.kill();
  }
}

/** The simulator's child process. */
export const SimProcess = {
  spawn: (maxOldSpaceMb?: number, nice?: number) => ChildRpc.spawnSim(maxOldSpaceMb, nice),
};
