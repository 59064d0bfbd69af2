// The process-wide last resort, in a real child process: uncaught exceptions and unhandled rejections are
// logged and the process keeps serving; a storm of them ends the process (exit 1) instead of looping forever.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { installLastResort } from '../../src/last-resort.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

async function startChild(maxFaults: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'last-resort-child.ts')], {
    env: { ...process.env, MAX_FAULTS: String(maxFaults) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  let buf = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    buf += s;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
      buf = buf.slice(nl + 1);
      for (const w of waiters.splice(0)) w();
    }
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const until = async (pred: () => boolean) => {
    while (!pred()) {
      const more = new Promise<void>((r) => waiters.push(r));
      const ended = await Promise.race([more.then(() => false), exited.then(() => true)]);
      if (ended && !pred()) throw new Error(`child exited; output: ${JSON.stringify(lines)}`);
    }
  };
  await until(() => lines.some((l) => typeof l.port === 'number'));
  const port = lines.find((l) => typeof l.port === 'number')!.port as number;
  const get = async (p: string) => (await fetch(`http://127.0.0.1:${port}${p}`)).text();
  const logged = (msg: string) => lines.filter((l) => l.msg === msg);
  return { get, until, logged, exited, child };
}

describe('last-resort handler', () => {
  it('logs an uncaught exception and an unhandled rejection, and keeps serving', async () => {
    const c = await startChild(10);
    expect(await c.get('/throw')).toBe('ok');
    expect(await c.get('/reject')).toBe('ok');
    await c.until(() => c.logged('uncaught error; the process keeps serving').length === 2);
    const [a, b] = c.logged('uncaught error; the process keeps serving');
    expect([a!.kind, a!.err]).toEqual(['uncaughtException', 'boom from a callback']);
    expect([b!.kind, b!.err]).toEqual(['unhandledRejection', 'nobody handles this']);
    expect(await c.get('/')).toBe('ok');
    expect(c.child.exitCode).toBeNull();
  }, 30_000);

  it('exits with status 1 on a storm of them rather than looping forever', async () => {
    const c = await startChild(3);
    for (let i = 0; i < 3; i++) await c.get('/throw');
    await c.until(() => c.logged('uncaught error; the process keeps serving').length === 3);
    expect(c.child.exitCode).toBeNull();
    await c.get('/throw').catch(() => undefined);
    expect(await c.exited).toBe(1);
    expect(
      c.logged('too many uncaught errors in a short time; exiting so that the process is restarted'),
    ).toHaveLength(1);
  }, 30_000);

  it('counts faults in a sliding window: spread-out faults never end the process', () => {
    const target = new EventEmitter();
    let t = 0;
    const exits: number[] = [];
    const logs: string[] = [];
    const log = {
      error: (_o: unknown, m: string) => logs.push(m),
      fatal: (_o: unknown, m: string) => logs.push(m),
    };
    const remove = installLastResort({
      log: log as never,
      target,
      now: () => t,
      exit: (c) => exits.push(c),
      maxFaults: 3,
      windowMs: 1000,
    });
    for (let i = 0; i < 10; i++) {
      t += 400; // at most 3 within any 1 s
      target.emit('uncaughtException', new Error(`e${i}`));
    }
    expect(exits).toEqual([]);
    target.emit('unhandledRejection', 'x');
    target.emit('unhandledRejection', 'y');
    expect(exits).toEqual([1]);
    remove();
    expect(target.listenerCount('uncaughtException') + target.listenerCount('unhandledRejection')).toBe(0);
  });
});
