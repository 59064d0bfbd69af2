/**
 * The informer: keeps an in-memory copy of one Kubernetes resource per cluster in step with the API server
 * (paged LIST, then WATCH with bookmarks; relist on 410; back-off and retry forever on anything else).
 * It knows nothing of nodes, HTTP or browsers; consumers attach handlers and supply a transform.
 */
export { Reflector, activeReflectorCount } from './reflector.js';
export type {
  ReflectorHandlers,
  ReflectorOptions,
  ReflectorStats,
  ListCause,
  ReflectorPhase,
} from './reflector.js';
export { SharedInformers } from './shared.js';
export { MapStore, type Store } from './store.js';
export { Backoff, type BackoffOptions } from './backoff.js';
export {
  namespacedKey,
  compareResourceVersions,
  type KubeObject,
  type KubeList,
  type ObjectMeta,
} from './types.js';
