// Parent side of the simulator child process: request/response over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SimRequest } from './sim-child.js';

type Cmd = SimRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export class SimProcess {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.error) w?.reject(new Error(`simulator: ${m.error}`));
      else w?.resolve(m.result);
    });
    child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`simulator exited (${code})`));
      this.waiting.clear();
    });
  }

  static spawn(maxOldSpaceMb = 6144): SimProcess {
    const script = fileURLToPath(new URL('./sim-child.ts', import.meta.url));
    // A large young generation keeps the simulator's own GC pauses (150,000 pods in its heap) from showing up
    // as watch latency; the simulator is the test fixture, not the product, so tuning it is fair.
    const child = fork(script, [], {
      execArgv: ['--import', 'tsx', `--max-old-space-size=${maxOldSpaceMb}`, '--max-semi-space-size=64'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new SimProcess(child);
  }

  call<T = unknown>(cmd: Cmd): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ ...cmd, id });
    });
  }

  /** Fire-and-forget (no wait for the answer), for timing-sensitive changes. */
  post(cmd: Cmd): void {
    const id = ++this.seq;
    this.child.send({ ...cmd, id });
  }

  async close(): Promise<void> {
    await this.call({ cmd: 'close' }).catch(() => undefined);
    if (this.child.exitCode === null) this.child.kill();
  }
}
