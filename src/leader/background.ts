/**
 * Background work that must run on exactly one replica at a time (audit retention, adopting the jobs of a
 * replica that stopped): each task runs while this replica holds the leader lease — once when it becomes
 * leader, then every `intervalMs` — and stops the moment the lease is lost. Runs of one task never overlap.
 */
import type { Logger } from '../log/logger.js';
import type { LeaderLease } from './lease.js';

interface Task {
  name: string;
  intervalMs: number;
  fn: () => Promise<unknown>;
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
}

export class BackgroundWork {
  private readonly tasks: Task[] = [];

  constructor(
    readonly lease: LeaderLease,
    private readonly log?: Logger,
  ) {
    lease.onChange((leader) => {
      for (const t of this.tasks) {
        if (leader) this.schedule(t);
        else clearInterval(t.timer);
      }
    });
  }

  /** Registers a task; it starts at once if this replica already leads. */
  every(name: string, intervalMs: number, fn: () => Promise<unknown>): { runNow(): Promise<void> } {
    const t: Task = { name, intervalMs, fn };
    this.tasks.push(t);
    if (this.lease.isLeader) this.schedule(t);
    return { runNow: () => this.run(t) };
  }

  get taskNames(): string[] {
    return this.tasks.map((t) => t.name);
  }

  /** Stops every task and gives up the lease (waits for runs in progress). */
  async stop(): Promise<void> {
    for (const t of this.tasks) clearInterval(t.timer);
    await this.lease.stop();
    await Promise.all(this.tasks.map((t) => t.running));
  }

  private schedule(t: Task): void {
    clearInterval(t.timer);
    void this.run(t);
    t.timer = setInterval(() => void this.run(t), t.intervalMs);
    t.timer.unref();
  }

  private run(t: Task): Promise<void> {
    if (!this.lease.isLeader) return Promise.resolve();
    t.running ??= t
      .fn()
      .then(
        () => undefined,
        (e: unknown) =>
          this.log?.error({ task: t.name, err: (e as Error).message }, 'background task failed'),
      )
      .finally(() => (t.running = undefined));
    return t.running;
  }
}
