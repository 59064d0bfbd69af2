/**
 * Bounds on everything read from a cluster's API server. A cluster is untrusted input: a broken, compromised
 * or proxied server must never make this process buffer, scan or parse without limit. The numbers are chosen
 * so that a 5,000-node cluster's legitimate answers stay far below them:
 * - a LIST page is at most 500 objects (the strategy table's page size); 500 real nodes (50 images and
 *   managedFields each) are about 5–15 MB, 500 pods about 5–10 MB;
 * - one watch event is one object, and etcd refuses objects over 1.5 MiB by default (--max-request-bytes);
 * - Kubernetes objects nest about 20 levels deep (managedFields included).
 */
const MiB = 1024 * 1024;

export const KUBE_LIMITS = {
  /** Largest answer to one call: a LIST page, a GET or PATCH of one object, /version, an error body. */
  maxAnswerBytes: 64 * MiB,
  /** Longest line (one event) of a WATCH stream. */
  maxWatchLineBytes: 16 * MiB,
  /** Deepest nesting of arrays and objects in one answer or event. */
  maxJsonDepth: 100,
  /**
   * Most arrays and objects in one answer, counted before parsing: bounds the heap a parse can take
   * (64 MiB of `{}` would be millions of objects). A real node is a few hundred, so 500 of them stay
   * well under.
   */
  maxJsonContainers: 2_000_000,
} as const;

export type KubeLimits = { -readonly [K in keyof typeof KUBE_LIMITS]: number };
