/** The cache's RemoteInformers (src/cache/remote-informers.ts), served by an ingest pool's worker threads. */
import type { RemoteInformers } from '../cache/remote-informers.js';
import type { IngestPool } from './pool.js';
import { RemoteNodeFeed } from './remote-node-feed.js';
import { RemotePodIndex } from './remote-pod-index.js';

export function remoteInformers(pool: IngestPool): RemoteInformers {
  return {
    nodes: (o) => new RemoteNodeFeed({ ...o, pool }),
    pods: (o) => new RemotePodIndex({ ...o, pool }),
  };
}
