/**
 * Interned request/limit tuples for the pod index. Pods of one workload ask for the same resources, so a
 * cluster has few distinct tuples; each pod stores a small profile number instead of four quantities.
 * Numbers are never reused while the index lives: a value transformed during a relist may reach the store
 * after the last pod holding its profile left, and a reused number would then point at another tuple. The
 * table therefore grows with the distinct tuples seen (about 100 bytes each) and is dropped with its index.
 * Profile 0 is "asks for nothing".
 */
import type { PodResources } from '../usage/pod-resources.js';

export class RequestProfiles {
  private readonly ids = new Map<string, number>([['0,0,0,0', 0]]);
  readonly cpuRequest: number[] = [0];
  readonly memRequest: number[] = [0];
  readonly cpuLimit: number[] = [0];
  readonly memLimit: number[] = [0];

  idOf(r: PodResources): number {
    const key = `${r.cpuRequest},${r.memRequest},${r.cpuLimit},${r.memLimit}`;
    let id = this.ids.get(key);
    if (id !== undefined) return id;
    id = this.cpuRequest.length;
    this.ids.set(key, id);
    this.cpuRequest.push(r.cpuRequest);
    this.memRequest.push(r.memRequest);
    this.cpuLimit.push(r.cpuLimit);
    this.memLimit.push(r.memLimit);
    return id;
  }

  get size(): number {
    return this.ids.size;
  }
}
