/**
 * Storage keys kept in etcd order for paging. Inserts and deletes are buffered and merged on the next read, so
 * bulk loads (150,000 pods) cost one sort instead of 150,000 array splices.
 */
const SMALL = 32;

export function lowerBound(arr: readonly string[], key: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class SortedKeys {
  private arr: string[] = [];
  private adds = new Set<string>();
  private dels = new Set<string>();

  add(key: string): void {
    // A key pending deletion that comes back is still in `arr`.
    if (this.dels.delete(key)) return;
    this.adds.add(key);
  }

  remove(key: string): void {
    if (this.adds.delete(key)) return;
    this.dels.add(key);
  }

  /** The sorted keys; do not mutate. */
  get(): readonly string[] {
    this.flush();
    return this.arr;
  }

  get size(): number {
    return this.arr.length + this.adds.size - this.dels.size;
  }

  private flush(): void {
    if (this.dels.size) {
      if (this.dels.size < SMALL) {
        for (const k of this.dels) {
          const i = lowerBound(this.arr, k);
          if (this.arr[i] === k) this.arr.splice(i, 1);
        }
      } else {
        const dels = this.dels;
        this.arr = this.arr.filter((k) => !dels.has(k));
      }
      this.dels = new Set();
    }
    if (this.adds.size) {
      const adds = [...this.adds].sort();
      this.adds = new Set();
      if (adds.length < SMALL) {
        for (const k of adds) this.arr.splice(lowerBound(this.arr, k), 0, k);
      } else {
        const a = this.arr;
        const out: string[] = new Array(a.length + adds.length);
        let i = 0;
        let j = 0;
        let o = 0;
        while (i < a.length && j < adds.length) out[o++] = a[i]! <= adds[j]! ? a[i++]! : adds[j++]!;
        while (i < a.length) out[o++] = a[i++]!;
        while (j < adds.length) out[o++] = adds[j++]!;
        this.arr = out;
      }
    }
  }
}
