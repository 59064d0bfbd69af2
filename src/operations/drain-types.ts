// What a drain does with each pod and why, as stable codes (docs/API.md, drain dry run). Types only, so the
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
