/**
 * One reflector per (cluster, resource), shared by every consumer in the process: the node cache and anything
 * else that needs nodes attach handlers to the same informer instead of opening a second watch.
 */
import type { Reflector } from './reflector.js';

export class SharedInformers {
  private readonly byKey = new Map<string, Reflector<unknown>>();

  private static key(cluster: string, resource: string): string {
    return `${cluster}\u0000${resource}`;
  }

  get<T>(cluster: string, resource: string): Reflector<T> | undefined {
    return this.byKey.get(SharedInformers.key(cluster, resource)) as Reflector<T> | undefined;
  }

  /** The existing informer for (cluster, resource), or the one `create` builds (started by the caller). */
  getOrCreate<T>(cluster: string, resource: string, create: () => Reflector<T>): Reflector<T> {
    const k = SharedInformers.key(cluster, resource);
    let r = this.byKey.get(k) as Reflector<T> | undefined;
    if (!r) {
      r = create();
      this.byKey.set(k, r as Reflector<unknown>);
    }
    return r;
  }

  async stop(cluster: string, resource: string): Promise<void> {
    const k = SharedInformers.key(cluster, resource);
    const r = this.byKey.get(k);
    this.byKey.delete(k);
    await r?.stop();
  }

  async stopCluster(cluster: string): Promise<void> {
    const mine = [...this.byKey.values()].filter((r) => r.cluster === cluster);
    for (const r of mine) this.byKey.delete(SharedInformers.key(r.cluster, r.resource));
    await Promise.all(mine.map((r) => r.stop()));
  }

  get size(): number {
    return this.byKey.size;
  }

  list(): { cluster: string; resource: string }[] {
    return [...this.byKey.values()].map((r) => ({ cluster: r.cluster, resource: r.resource }));
  }
}
