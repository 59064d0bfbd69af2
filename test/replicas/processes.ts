// Real processes for the replica tests: the simulator (src/sim/main.ts) and server replicas (src/main.ts),
// started with tsx, their output kept (JSON log lines parsed) so tests can wait on what they say.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface LogLine {
  /** When this process received the line. */
  seenAt: number;
  msg?: string;
  [k: string]: unknown;
}

export class Proc {
  readonly lines: LogLine[] = [];
  output = '';
  private readonly waiters: (() => void)[] = [];

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    let partial = '';
    const take = (chunk: Buffer) => {
      const text = chunk.toString();
      this.output += text;
      partial += text;
      const parts = partial.split('\n');
      partial = parts.pop()!;
      for (const p of parts) {
        let line: LogLine = { seenAt: Date.now(), text: p };
        try {
          const v: unknown = JSON.parse(p);
          if (v && typeof v === 'object') line = { ...(v as object), seenAt: line.seenAt };
        } catch {
          /* a plain line */
        }
        this.lines.push(line);
      }
      for (const w of this.waiters.splice(0)) w();
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    child.once('exit', () => {
      for (const w of this.waiters.splice(0)) w();
    });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first output line matching; fails if the process exits first or after `ms`. */
  async waitFor(match: (l: LogLine) => boolean, what: string, ms = 90_000): Promise<LogLine> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.lines.find(match);
      if (hit) return hit;
      if (!this.alive) throw new Error(`${this.name} exited before ${what}:\n${this.output.slice(-4000)}`);
      if (Date.now() > deadline) throw new Error(`${this.name}: timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  kill(signal: NodeJS.Signals): Promise<void> {
    if (!this.alive) return Promise.resolve();
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill(signal);
    return exited;
  }
}

export function startProc(name: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Proc(name, child);
}

/** A server replica; resolves with its base URL once it listens. */
export async function startReplica(
  name: string,
  env: NodeJS.ProcessEnv,
): Promise<{ proc: Proc; url: string }> {
  const proc = startProc(name, ['src/main.ts', '--port', '0', '--no-demo'], env);
  const line = await proc.waitFor(
    (l) => typeof l.text === 'string' && l.text.includes('Kube Node Manager is running: open '),
    `${name} to listen`,
  );
  const url = /open (http:\/\/\S+)/.exec(String(line.text))![1]!;
  return { proc, url };
}
