/** Wiring of the realtime hub: fed by the node cache, with ClusterInfo from the registry for state messages. */
import type { AppContext } from '../app.js';
import { toClusterInfo } from '../clusters/info.js';
import { RealtimeHub, type HubOptions } from './hub.js';

declare module '../app.js' {
  interface AppContext {
    /** The realtime hub behind /api/v1/ws (src/realtime); also the operations' JobPublisher. */
    hub?: RealtimeHub;
  }
}

export function setupRealtime(ctx: AppContext, overrides: Partial<HubOptions> = {}): RealtimeHub {
  if (!ctx.cache) throw new Error('setupRealtime needs the node cache (setupLiveCache) first');
  const hub = new RealtimeHub({
    source: ctx.cache,
    log: ctx.log.child({ part: 'realtime' }),
    clusterInfo: (name) => {
      const r = ctx.clusters.get(name);
      return r ? toClusterInfo(r, ctx.clusterStatus, ctx.clusters.loadError(name)) : undefined;
    },
    ...overrides,
  });
  ctx.hub = hub;
  ctx.onStop('realtime hub', () => hub.close());
  return hub;
}
