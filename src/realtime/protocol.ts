/**
 * The realtime wire protocol (docs/API.md "Realtime"): what a client may send, parsed and checked, and every
 * message the server sends, built as the JSON text that goes out. Each message is serialised once here and
 * the same string goes to every subscriber.
 */
import type { AuthUser } from '../auth/identity.js';
import type { NodeRow } from '../cache/types.js';
import type { NodeLiveValues } from '../usage/types.js';

export const PROTOCOL_VERSION = 1;

/** Close code for a client that asks for more than the rules allow (RFC 6455 "policy violation"). */
export const CLOSE_ABUSE = 1008;
/** The server is going away (shutdown). */
export const CLOSE_GOING_AWAY = 1001;
/** A send failed: the connection is unusable. */
export const CLOSE_SEND_FAILED = 1011;
/** The client fell behind too often ("try again later"). */
export const CLOSE_TOO_SLOW = 1013;

/** A client's message, checked; `error` says what was wrong with it. */
export type ClientMessage =
  | { type: 'ping' | 'subscribe-jobs' | 'unsubscribe-jobs' }
  | { type: 'subscribe'; clusters: string[]; since: Record<string, number> }
  | { type: 'unsubscribe'; clusters: string[] }
  | { type: 'error'; message: string };

/** Parses one text frame from a client. */
export function parseClientMessage(text: string): ClientMessage {
  let m: { type?: unknown; clusters?: unknown; since?: unknown };
  try {
    m = JSON.parse(text) as typeof m;
  } catch {
    return { type: 'error', message: 'messages must be JSON' };
  }
  if (!m || typeof m !== 'object') return { type: 'error', message: 'messages must be JSON objects' };
  switch (m.type) {
    case 'ping':
    case 'subscribe-jobs':
    case 'unsubscribe-jobs':
      return { type: m.type };
    case 'subscribe':
    case 'unsubscribe': {
      const names = m.clusters;
      if (
        !Array.isArray(names) ||
        names.length > 1000 ||
        !names.every((n) => typeof n === 'string' && n.length <= 253)
      ) {
        return { type: 'error', message: '"clusters" must be a list of cluster names (or ["*"])' };
      }
      if (m.type === 'unsubscribe') return { type: 'unsubscribe', clusters: names as string[] };
      let since: Record<string, number> = {};
      if (m.since !== undefined) {
        if (!m.since || typeof m.since !== 'object' || Array.isArray(m.since)) {
          return { type: 'error', message: '"since" must be an object {cluster: version}' };
        }
        since = m.since as Record<string, number>;
      }
      return { type: 'subscribe', clusters: names as string[], since };
    }
    default:
      return { type: 'error', message: `unknown message type ${JSON.stringify(m.type)}` };
  }
}

export const PONG = '{"type":"pong"}';
export const JOBS_SUBSCRIBED = '{"type":"jobs.subscribed"}';

export function helloMessage(user: AuthUser): string {
  return JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, user: publicUser(user) });
}

export function errorMessage(message: string, cluster?: string): string {
  return JSON.stringify(
    cluster === undefined ? { type: 'error', message } : { type: 'error', cluster, message },
  );
}

export function clusterStateMessage(cluster: string, state: object): string {
  return JSON.stringify({ type: 'cluster.state', cluster, state });
}

/** A snapshot around rows already serialised as a JSON array. */
export function snapshotMessage(cluster: string, version: number, items: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`{"type":"snapshot","cluster":${JSON.stringify(cluster)},"version":${version},"items":`),
    items,
    Buffer.from('}'),
  ]);
}

export function resyncMessage(cluster: string): string {
  return JSON.stringify({ type: 'resync', cluster, reason: 'client fell behind' });
}

export function jobGapMessage(ids: string[]): string {
  return JSON.stringify({ type: 'job.gap', ids });
}

/** What changed about a node since its last message, as coalescing has merged it. */
export type NodeDeltaKind = 'added' | 'updated' | 'deleted' | 'podCount' | 'resources';

/**
 * The message for one node's coalesced change at `version`: the whole row for added and updated nodes, the
 * pod count alone when only that moved, and a deletion when the row is gone. Resource moves go out together
 * (liveValuesMessage).
 */
export function nodeMessage(
  cluster: string,
  name: string,
  version: number,
  kind: NodeDeltaKind,
  changed: Iterable<string> | undefined,
  row: NodeRow | undefined,
): { type: string; data: string } {
  let msg: Record<string, unknown>;
  if (kind === 'deleted' || !row) {
    msg = { type: 'node.deleted', cluster, name, version };
  } else if (kind === 'added') {
    msg = { type: 'node.added', cluster, name, version, node: row };
  } else if (kind === 'updated') {
    msg = { type: 'node.updated', cluster, name, version, changed: [...changed!], node: row };
  } else {
    msg = { type: 'node.podCount', cluster, name, version, podCount: row.podCount };
  }
  return { type: msg.type as string, data: JSON.stringify(msg) };
}

/**
 * The live values of every node whose resources moved in one flush, at one `version`. A usage refresh moves
 * most nodes of a cluster at once: as a message each, 5,000 nodes were 5,000 messages to serialise, frame and
 * parse for every client at every scrape.
 */
export function liveValuesMessage(cluster: string, version: number, rows: readonly NodeRow[]): string {
  const items: NodeLiveValues[] = rows.map((r) => ({
    name: r.name,
    podCount: r.podCount,
    cpuUsed: r.cpuUsed ?? null,
    memUsed: r.memUsed ?? null,
    cpuRequested: r.cpuRequested ?? null,
    memRequested: r.memRequested ?? null,
    cpuLimits: r.cpuLimits ?? null,
    memLimits: r.memLimits ?? null,
  }));
  return JSON.stringify({ type: 'nodes.resources', cluster, version, items });
}

export function jsonBuffer(v: unknown): Buffer | undefined {
  return v === undefined ? undefined : Buffer.from(JSON.stringify(v));
}

function publicUser(u: AuthUser): object {
  return { id: u.id, username: u.username, role: u.role, clusters: u.clusters };
}
