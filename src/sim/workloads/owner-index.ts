/**
 * Pods by the uid of their controlling owner, kept current from committed changes, so a controller's sync
 * reads its own pods instead of scanning a namespace that may hold tens of thousands.
 */
import type { KObject } from '../types.js';

export const controllerRef = (o: KObject) => o.metadata.ownerReferences?.find((r) => r.controller);

export class OwnerIndex {
  private readonly byOwner = new Map<string, Set<string>>();

  /** Records one pod change (`next` undefined for a removal). */
  update(key: string, prev: KObject | undefined, next: KObject | undefined): void {
    const before = prev ? controllerRef(prev)?.uid : undefined;
    const after = next ? controllerRef(next)?.uid : undefined;
    if (before === after) return;
    if (before) {
      const s = this.byOwner.get(before);
      s?.delete(key);
      if (s && !s.size) this.byOwner.delete(before);
    }
    if (after) {
      let s = this.byOwner.get(after);
      if (!s) this.byOwner.set(after, (s = new Set()));
      s.add(key);
    }
  }

  keys(ownerUid: string): Iterable<string> {
    return this.byOwner.get(ownerUid) ?? [];
  }
}
