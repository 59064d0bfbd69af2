/**
 * Node operations: cordon/uncordon, labels, taints, templates and kubectl-grade drain, single or as batch
 * jobs, with conflict-safe writes, a capacity guard and persisted job progress.
 *
 * Owns: validation of operation input, the writes and evictions against Kubernetes, job execution and its
 * tables (jobs, job_nodes, templates). Must not: serve HTTP (routes are in src/api/routes), read nodes for
 * display (the live cache does; it is reached through the NodeSource port), or store anything but jobs and
 * templates.
 */
export * from './ports.js';
export { AbortedError, scaledClock, sleep, systemClock, type Clock } from '../clock.js';
export * from './audit-intent.js';
export * from '../kube/types.js';
export * from '../kube/objects.js';
export * from './validation.js';
export * from './intent.js';
export * from './write.js';
export * from './guard.js';
export * from './drain-filters.js';
export * from './drain.js';
export * from './drain-preview.js';
export * from './actor.js';
export * from './node-operations.js';
export * from './job-types.js';
export * from './job-store.js';
export * from './job-request.js';
export type { JobKindExecutor, KindRun } from './job-executor.js';
export * from './jobs.js';
export * from './templates.js';
export * from './template-preview.js';
export * from './direct-node-source.js';
export type * from './tables.js';
export * from './context.js';
export * from './live-view.js';
