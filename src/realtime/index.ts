/**
 * Realtime push to browsers: the hub (topics, coalescing, back-pressure, resume) behind the `/api/v1/ws`
 * route. Consumes the node cache's events and job progress; never reads Kubernetes itself.
 */
export {
  RealtimeHub,
  HubClient,
  type HubOptions,
  type HubSocket,
  type HubSource,
  type JobLike,
} from './hub.js';
