// A scripted node source and sockets for hub tests.
import { EventEmitter } from 'node:events';
import type { AuthUser } from '../../src/auth/identity.js';
import type { NodeChange } from '../../src/cache/manager.js';
import type { NodeRow } from '../../src/cache/types.js';
import type { HubSocket, HubSource } from '../../src/realtime/hub.js';

export function row(cluster: string, name: string, extra: Partial<NodeRow> = {}): NodeRow {
  return {
    cluster,
    name,
    uid: `u-${name}`,
    resourceVersion: '1',
    status: 'Ready',
    schedulable: true,
    unschedulable: false,
    roles: ['worker'],
    labels: {},
    taints: [],
    capacity: {},
    allocatable: {},
    podCount: 0,
    createdAt: '2025-01-01T00:00:00Z',
    conditions: [],
    ...extra,
  };
}

export class FakeSource extends EventEmitter implements HubSource {
  readonly data = new Map<string, Map<string, NodeRow>>();
  synced = new Set<string>();
  add(cluster: string, names: string[]): void {
    const m = new Map<string, NodeRow>();
    for (const n of names) m.set(n, row(cluster, n));
    this.data.set(cluster, m);
    this.synced.add(cluster);
  }
  clusters(): string[] {
    return [...this.data.keys()];
  }
  rows(cluster: string): NodeRow[] | undefined {
    return this.synced.has(cluster) ? [...(this.data.get(cluster)?.values() ?? [])] : undefined;
  }
  row(cluster: string, name: string): NodeRow | undefined {
    return this.data.get(cluster)?.get(name);
  }
  status(cluster: string): object {
    return { state: this.synced.has(cluster) ? 'synced' : 'syncing' };
  }
  change(c: NodeChange): void {
    const m = this.data.get(c.cluster)!;
    if (c.kind === 'deleted') m.delete(c.name);
    else if (c.kind === 'podCount') m.set(c.name, { ...m.get(c.name)!, podCount: c.podCount });
    else m.set(c.name, { ...(m.get(c.name) ?? row(c.cluster, c.name)), resourceVersion: String(Date.now()) });
    this.emit('change', c);
  }
}

/** A socket that records frames; `autoFlush=false` holds send callbacks to mimic a slow reader. */
export class FakeSocket implements HubSocket {
  readonly frames: Record<string, unknown>[] = [];
  readonly held: (() => void)[] = [];
  closed?: { code?: number; reason?: string };
  terminated = false;
  pings = 0;
  /** Every byte handed to this socket. */
  bytes = 0;
  /** Writes a real socket would make: one per send, or one for all sends made while it was corked. */
  writes = 0;
  private corks = 0;
  private corkedSends = 0;
  constructor(public autoFlush = true) {}
  cork(): void {
    this.corks++;
  }
  uncork(): void {
    if (this.corks === 0 || --this.corks > 0) return;
    if (this.corkedSends) this.writes++;
    this.corkedSends = 0;
  }
  send(data: string | Buffer, cb?: (err?: Error) => void): void {
    if (this.corks) this.corkedSends++;
    else this.writes++;
    this.bytes += data.length;
    this.frames.push(JSON.parse(data.toString()) as Record<string, unknown>);
    if (this.autoFlush) cb?.();
    else this.held.push(() => cb?.());
  }
  /** The slow reader catches up. */
  drain(): void {
    for (const f of this.held.splice(0)) f();
  }
  close(code?: number, reason?: string): void {
    this.closed = { code, reason };
  }
  terminate(): void {
    this.terminated = true;
  }
  ping(): void {
    this.pings++;
  }
  types(): string[] {
    return this.frames.map((f) => f.type as string);
  }
  take(): Record<string, unknown>[] {
    return this.frames.splice(0);
  }
}

export const admin: AuthUser = {
  id: '1',
  username: 'admin',
  role: 'admin',
  clusters: null,
  canOverrideGuard: true,
  canOverrideSystemLabels: true,
  via: 'token',
};
export const restricted: AuthUser = { ...admin, id: '2', username: 'bob', role: 'viewer', clusters: ['a'] };
