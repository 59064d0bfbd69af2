/**
 * The keyed store a reflector fills. A Map by default; the pod index plugs in its own packed representation
 * through the same interface.
 */
export interface Store<T> {
  get(key: string): T | undefined;
  set(key: string, value: T): void;
  delete(key: string): boolean;
  keys(): IterableIterator<string>;
  readonly size: number;
  clear(): void;
}

export class MapStore<T> implements Store<T> {
  private readonly map = new Map<string, T>();
  get(key: string): T | undefined {
    return this.map.get(key);
  }
  set(key: string, value: T): void {
    this.map.set(key, value);
  }
  delete(key: string): boolean {
    return this.map.delete(key);
  }
  keys(): IterableIterator<string> {
    return this.map.keys();
  }
  values(): IterableIterator<T> {
    return this.map.values();
  }
  entries(): IterableIterator<[string, T]> {
    return this.map.entries();
  }
  get size(): number {
    return this.map.size;
  }
  clear(): void {
    this.map.clear();
  }
}
