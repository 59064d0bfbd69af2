/**
 * Batches interval writes: changes are merged by key in memory and flushed every `flushMs` (or sooner when
 * many are waiting) in chunks of UPSERT_CHUNK rows, yielding to the event loop between chunks, so a burst of
 * thousands of transitions is a few short statements and never one long block. A failed flush keeps its rows
 * and retries at the next tick; the queue is bounded and says so in the log when it drops.
 */
import { setImmediate as yieldLoop } from 'node:timers/promises';
import type { Logger } from '../log/logger.js';
import { UPSERT_CHUNK, type HealthHistory, type HealthRow } from './history.js';

export const DEFAULT_FLUSH_MS = 1000;
export const MAX_PENDING = 100_000;

const keyOf = (r: HealthRow) => `${r.cluster}\u0000${r.node}\u0000${r.kind}\u0000${r.started_at}`;

/** Later facts about one interval win, but an end once known is kept. */
function merge(a: HealthRow, b: HealthRow): HealthRow {
  return {
    ...a,
    ended_at: a.ended_at ?? b.ended_at,
    ended_ms: a.ended_ms ?? b.ended_ms,
    status: b.status ?? a.status,
    reason: b.reason ?? a.reason,
    message: b.message ?? a.message,
    actor: b.actor ?? a.actor,
  };
}

export interface WriterStats {
  written: number;
  flushes: number;
  dropped: number;
  failures: number;
  /** Longest single chunk write, ms (what a burst costs the event loop at worst). */
  maxChunkMs: number;
}

export class HealthWriter {
  private pending = new Map<string, HealthRow>();
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private closed = false;
  readonly stats: WriterStats = { written: 0, flushes: 0, dropped: 0, failures: 0, maxChunkMs: 0 };

  constructor(
    private readonly history: HealthHistory,
    private readonly log: Logger,
    private readonly flushMs = DEFAULT_FLUSH_MS,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  add(row: HealthRow): void {
    if (this.closed) return;
    const k = keyOf(row);
    const had = this.pending.get(k);
    if (!had && this.pending.size >= MAX_PENDING) {
      if (this.stats.dropped++ === 0)
        this.log.warn(
          { max: MAX_PENDING },
          'health history queue full; transitions are dropped until the store catches up',
        );
      return;
    }
    this.pending.set(k, had ? merge(had, row) : row);
    if (this.pending.size >= UPSERT_CHUNK * 8) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushMs).unref();
  }

  /** Writes everything queued so far; resolves when it is in the store (or the attempt failed). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    // Another flush is writing: wait for it, then write (or wait for) whatever is left.
    if (this.flushing) return this.flushing.then(() => this.flush());
    if (!this.pending.size) return Promise.resolve();
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.write([...batch.values()])
      .catch((e: unknown) => {
        this.stats.failures++;
        this.log.error(
          { err: (e as Error).message, rows: batch.size },
          'health history write failed; retrying',
        );
        // Put the batch back under anything newer that arrived meanwhile.
        for (const [k, r] of batch) {
          const newer = this.pending.get(k);
          this.pending.set(k, newer ? merge(r, newer) : r);
        }
        if (!this.closed) this.timer ??= setTimeout(() => void this.flush(), this.flushMs * 5).unref();
      })
      .finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async write(rows: HealthRow[]): Promise<void> {
    this.stats.flushes++;
    for (let i = 0; i < rows.length; i += UPSERT_CHUNK) {
      if (i > 0) await yieldLoop();
      const t0 = performance.now();
      await this.history.upsert(rows.slice(i, i + UPSERT_CHUNK));
      this.stats.maxChunkMs = Math.max(this.stats.maxChunkMs, performance.now() - t0);
      this.stats.written += Math.min(UPSERT_CHUNK, rows.length - i);
    }
  }

  /** Flushes what is queued and stops taking more. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    clearTimeout(this.timer);
  }
}
