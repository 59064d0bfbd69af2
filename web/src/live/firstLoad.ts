/**
 * Whether the node screen's rows may come from the live socket alone. On subscribe the server sends each
 * cluster's snapshot; reading the same rows over HTTP as well moved a 5,000-node list twice. When the socket is
 * open (or opens within a moment), the HTTP read asks for one row only, for the list's metadata (cluster states,
 * errors, source), and the snapshot fills the table. A cluster not served live from a synced cache, or a
 * snapshot that does not arrive, falls back to the full HTTP list.
 */
import { watch } from 'vue';
import type { LiveSocket } from './socket';
import type { NodeStore } from './nodeStore';

/** Resolves true once the socket is open, false if it is not open within `waitMs`. */
export function socketOpens(socket: LiveSocket, waitMs = 2000): Promise<boolean> {
  if (socket.status.value === 'open') return Promise.resolve(true);
  if (socket.status.value !== 'connecting') return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = window.setTimeout(() => done(false), waitMs);
    const stop = watch(socket.status, (s) => {
      if (s === 'open') done(true);
      else if (s !== 'connecting') done(false);
    });
    function done(v: boolean) {
      window.clearTimeout(timer);
      stop();
      resolve(v);
    }
  });
}

/**
 * Resolves true once every cluster has a snapshot applied in the store, false after `waitMs`. The wait is
 * generous: on a slow link an uncompressed 5,000-node snapshot takes seconds, and reading the list over HTTP
 * meanwhile would only double what crosses that link.
 */
export function snapshotsArrive(store: NodeStore, clusters: string[], waitMs = 20_000): Promise<boolean> {
  const all = () => clusters.every((c) => store.version(c) !== undefined);
  if (all()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = window.setTimeout(() => done(false), waitMs);
    const off = store.onChange(() => {
      if (all()) done(true);
    });
    function done(v: boolean) {
      window.clearTimeout(timer);
      off();
      resolve(v);
    }
  });
}
