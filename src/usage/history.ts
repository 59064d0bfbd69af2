/**
 * The last hour (by default) of one cluster's node usage, in memory: a ring of sample times shared by the
 * cluster (every node is sampled by the same scrape) and, per node, one Float32Array holding CPU (millicores)
 * and memory (bytes) for each slot — 8 bytes per sample, so 120 samples (an hour at 30 s) are 960 bytes of
 * data plus about 150 bytes of array and map overhead per node. A node missing from a scrape gets NaN
 * ("no sample") in that slot; a node missing from a whole ring of scrapes is dropped.
 */
export interface UsageSample {
  cpu: number;
  memory: number;
}

interface Series {
  data: Float32Array;
  /** Consecutive scrapes without this node. */
  missed: number;
}

export class UsageHistory {
  private readonly times: Float64Array;
  private readonly series = new Map<string, Series>();
  /** Next slot to write. */
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('history capacity must be ≥ 1');
    this.times = new Float64Array(capacity);
  }

  record(at: number, samples: ReadonlyMap<string, UsageSample>): void {
    const slot = this.head;
    this.times[slot] = at;
    this.head = (slot + 1) % this.capacity;
    this.count = Math.min(this.capacity, this.count + 1);
    for (const [name, s] of this.series) {
      if (samples.has(name)) continue;
      s.data[slot * 2] = NaN;
      s.data[slot * 2 + 1] = NaN;
      if (++s.missed >= this.capacity) this.series.delete(name);
    }
    for (const [name, v] of samples) {
      let s = this.series.get(name);
      if (!s) {
        s = { data: new Float32Array(this.capacity * 2).fill(NaN), missed: 0 };
        this.series.set(name, s);
      }
      s.missed = 0;
      s.data[slot * 2] = v.cpu;
      s.data[slot * 2 + 1] = v.memory;
    }
  }

  /** The newest sample of `name` if the newest scrape had one. */
  latest(name: string): UsageSample | undefined {
    if (this.count === 0) return undefined;
    const s = this.series.get(name);
    if (!s || s.missed > 0) return undefined;
    const slot = (this.head - 1 + this.capacity) % this.capacity;
    return { cpu: s.data[slot * 2]!, memory: s.data[slot * 2 + 1]! };
  }

  /** Oldest first; empty when the node has no series. */
  points(name: string): { t: number; cpu: number | null; memory: number | null }[] {
    const s = this.series.get(name);
    if (!s) return [];
    const out: { t: number; cpu: number | null; memory: number | null }[] = [];
    for (let i = this.count; i > 0; i--) {
      const slot = (this.head - i + this.capacity) % this.capacity;
      const cpu = s.data[slot * 2]!;
      const memory = s.data[slot * 2 + 1]!;
      out.push({
        t: this.times[slot]!,
        cpu: Number.isNaN(cpu) ? null : cpu,
        memory: Number.isNaN(memory) ? null : memory,
      });
    }
    return out;
  }

  get nodes(): number {
    return this.series.size;
  }

  /** Bytes held by sample data (the figure the README states). */
  get dataBytes(): number {
    return this.times.byteLength + this.series.size * this.capacity * 8;
  }

  forget(name: string): void {
    this.series.delete(name);
  }
}
