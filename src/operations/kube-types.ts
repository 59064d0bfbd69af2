// The Kubernetes object types and helpers live in src/kube (types.ts, objects.ts); this name stays while
// validation.ts still imports it.
export * from '../kube/types.js';
export * from '../kube/objects.js';
