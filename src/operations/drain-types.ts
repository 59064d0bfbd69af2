// What a drain does with each pod and why, as stable codes, and the drain's settings (docs/API.md, drain dry run). Types only, so the
// console can share them without bundling server code.

export type PodAction = 'evict' | 'delete' | 'skip' | 'blocked';
export type PodCause =
  | 'removable'
  | 'finished'
  | 'terminating'
  | 'daemonset'
  | 'daemonset-missing'
  | 'mirror'
  | 'emptydir'
  | 'unmanaged'
  | 'pdb'
  | 'error';

/** A drain's settings as sent and stored (docs/API.md, DrainOptions), after the server filled in defaults. */
export interface DrainOptions {
  ignoreDaemonSets: boolean;
  deleteEmptyDirData: boolean;
  force: boolean;
  /** -1 = each pod's own terminationGracePeriodSeconds. */
  gracePeriodSeconds: number;
  /** 0 = wait forever. */
  timeoutSeconds: number;
  podSelector?: string;
  disableEviction: boolean;
  skipWaitForDeleteTimeoutSeconds: number;
  /** Recorded on the node as its cordon reason, so others see why it is drained; absent means "drain". */
  reason?: string;
}

/** How far a running drain has got (job progress; docs/API.md). */
export interface DrainProgress {
  /** Pods to remove. */
  total: number;
  /** Removed and confirmed gone. */
  gone: number;
  /** Evictions (or, with eviction disabled, deletions) the API server accepted. */
  evicted: number;
  /** Of those, pods not yet gone: they go ahead even if the drain is cancelled now. */
  terminating: number;
  /** Currently refused by a PodDisruptionBudget and waiting to retry. */
  waitingForBudget: number;
  failed: number;
}
