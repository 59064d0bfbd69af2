import { afterEach, describe, expect, it } from 'vitest';
import { RealtimeHub, type HubOptions } from '../../src/realtime/hub.js';
import { createLogger } from '../../src/log/logger.js';
import { wsMessages } from '../../src/metrics/registry.js';
import { FakeClock } from '../support/fake-clock.js';
import { admin, FakeSocket, FakeSource, restricted } from './fakes.js';

const hubs: RealtimeHub[] = [];
afterEach(() => hubs.splice(0).forEach((h) => h.close()));

function make(o: Partial<HubOptions> = {}) {
  const source = new FakeSource();
  source.add('a', ['n1', 'n2', 'n3']);
  source.add('b', ['m1']);
  const clock = new FakeClock();
  const hub = new RealtimeHub({
    source,
    log: createLogger('silent'),
    clock,
    windowMs: 50,
    pingIntervalMs: 0,
    ...o,
  });
  hubs.push(hub);
  const connect = (user = admin, sock = new FakeSocket()) => {
    const c = hub.connect(sock, user);
    return { c, sock, send: (m: object) => hub.message(c, JSON.stringify(m)) };
  };
  return { source, clock, hub, connect };
}

describe('RealtimeHub', () => {
  it('greets, then on subscribe sends the cluster state and a snapshot with the current version', () => {
    const { connect, hub } = make();
    const { sock, send } = connect();
    expect(sock.take()).toEqual([
      { type: 'hello', protocol: 1, user: { id: '1', username: 'admin', role: 'admin', clusters: null } },
    ]);
    send({ type: 'subscribe', clusters: ['a'] });
    const [state, snap] = sock.take();
    expect(state).toMatchObject({
      type: 'cluster.state',
      cluster: 'a',
      state: { name: 'a', state: 'synced' },
    });
    expect(snap).toMatchObject({ type: 'snapshot', cluster: 'a', version: hub.version('a') });
    expect((snap!.items as { name: string }[]).map((r) => r.name)).toEqual(['n1', 'n2', 'n3']);
  });

  it('sends a lone change at once and coalesces a burst on one node into one message', async () => {
    const { connect, source, clock } = make();
    const { sock, send } = connect();
    send({ type: 'subscribe', clusters: ['a'] });
    sock.take();
    source.change({ kind: 'updated', cluster: 'a', name: 'n1', changed: ['labels'] });
    await clock.advance(0);
    expect(sock.take()).toMatchObject([{ type: 'node.updated', name: 'n1', changed: ['labels'] }]);
    // n1 was just sent: its next changes wait for the end of its window and merge; n2 is not held back
    source.change({ kind: 'updated', cluster: 'a', name: 'n1', changed: ['taints'] });
    source.change({ kind: 'podCount', cluster: 'a', name: 'n1', podCount: 4 });
    source.change({ kind: 'updated', cluster: 'a', name: 'n1', changed: ['schedulable'] });
    source.change({ kind: 'podCount', cluster: 'a', name: 'n2', podCount: 9 });
    await clock.advance(0);
    const first = sock.take();
    expect(first).toMatchObject([{ type: 'node.podCount', name: 'n2', podCount: 9 }]);
    await clock.advance(10);
    expect(sock.frames).toEqual([]);
    await clock.advance(40);
    const later = sock.take();
    expect(later).toMatchObject([
      {
        type: 'node.updated',
        name: 'n1',
        changed: ['taints', 'podCount', 'schedulable'],
        node: { podCount: 4 },
      },
    ]);
    expect(later[0]!.version).toBe((first[0]!.version as number) + 1);
  });

  it('a change to many nodes at once leaves in one write per client, every message in order', async () => {
    const { connect, source, clock, hub } = make();
    const readers = [connect(), connect()];
    for (const r of readers) r.send({ type: 'subscribe', clusters: ['a', 'b'] });
    const before = hub.version('a')!;
    const resourcesBefore =
      (await wsMessages.get()).values.find((v) => v.labels.type === 'nodes.resources')?.value ?? 0;
    for (const r of readers) {
      r.sock.take();
      r.sock.writes = 0;
    }
    // a usage refresh moves every node's shares at once; n1's label changed too
    for (const n of ['n1', 'n2', 'n3']) source.change({ kind: 'resources', cluster: 'a', name: n });
    source.change({ kind: 'updated', cluster: 'a', name: 'n1', changed: ['labels'] });
    await clock.advance(0);
    for (const r of readers) {
      // one message for the three nodes' live values, after the label change of n1 that the same flush holds
      expect(r.sock.take()).toMatchObject([
        { type: 'node.updated', name: 'n1', version: before + 1 },
        {
          type: 'nodes.resources',
          version: before + 2,
          items: [
            { name: 'n2', podCount: 0 },
            { name: 'n3', podCount: 0 },
          ],
        },
      ]);
      expect(r.sock.writes).toBe(1);
    }
    // a resuming client's missed messages are one write too
    const again = connect();
    again.sock.writes = 0;
    again.send({ type: 'subscribe', clusters: ['a'], since: { a: before } });
    expect(again.sock.types().slice(-2)).toEqual(['node.updated', 'nodes.resources']);
    expect(again.sock.writes).toBe(2); // the cluster's state, then the two replayed together
    // counted for /metrics: one message to each of the two readers (the resumed ones count as replays)
    const counted = (await wsMessages.get()).values.find((v) => v.labels.type === 'nodes.resources');
    expect((counted?.value ?? 0) - resourcesBefore).toBe(2);
  });

  it('a burst longer than the ring keeps its newest messages for resuming', async () => {
    const { connect, source, clock, hub } = make({ ringSize: 2 });
    const reader = connect();
    reader.send({ type: 'subscribe', clusters: ['a'] });
    const before = hub.version('a')!;
    for (const n of ['n1', 'n2', 'n3']) source.change({ kind: 'added', cluster: 'a', name: n });
    await clock.advance(0);
    const recent = connect();
    recent.send({ type: 'subscribe', clusters: ['a'], since: { a: before + 1 } });
    expect(recent.sock.take().slice(2)).toMatchObject([
      { type: 'node.added', name: 'n2' },
      { type: 'node.added', name: 'n3' },
    ]);
    const old = connect();
    old.send({ type: 'subscribe', clusters: ['a'], since: { a: before } });
    expect(old.sock.types()).toEqual(['hello', 'cluster.state', 'snapshot']);
  });

  it('merges add/delete sequences sensibly', async () => {
    const { connect, source, clock } = make();
    const { sock, send } = connect();
    send({ type: 'subscribe', clusters: ['a'] });
    source.change({ kind: 'updated', cluster: 'a', name: 'n1', changed: ['labels'] });
    await clock.advance(0);
    sock.take();
    source.change({ kind: 'added', cluster: 'a', name: 'new' });
    source.change({ kind: 'updated', cluster: 'a', name: 'new', changed: ['labels'] });
    source.change({ kind: 'updated', cluster: 'a', name: 'n2', changed: ['labels'] });
    source.change({ kind: 'deleted', cluster: 'a', name: 'n2' });
    await clock.advance(50);
    expect(sock.take()).toMatchObject([
      { type: 'node.added', name: 'new', node: { name: 'new' } },
      { type: 'node.deleted', name: 'n2' },
    ]);
  });

  it('a resuming client gets exactly what it missed; a too-old or foreign version gets a snapshot', async () => {
    const { connect, source, clock, hub } = make({ ringSize: 3 });
    const first = connect();
    first.send({ type: 'subscribe', clusters: ['a'] });
    const seen = hub.version('a')!;
    for (const n of ['n1', 'n2']) {
      source.change({ kind: 'updated', cluster: 'a', name: n, changed: ['labels'] });
      await clock.advance(50);
    }
    const again = connect();
    again.send({ type: 'subscribe', clusters: ['a'], since: { a: seen } });
    expect(again.sock.take().slice(1)).toMatchObject([
      { type: 'cluster.state' },
      { type: 'node.updated', name: 'n1', version: seen + 1 },
      { type: 'node.updated', name: 'n2', version: seen + 2 },
    ]);
    const upToDate = connect();
    upToDate.send({ type: 'subscribe', clusters: ['a'], since: { a: seen + 2 } });
    expect(upToDate.sock.types()).toEqual(['hello', 'cluster.state']);
    for (const n of ['n1', 'n2', 'n3']) {
      source.change({ kind: 'updated', cluster: 'a', name: n, changed: ['taints'] });
      await clock.advance(50);
    }
    const old = connect();
    old.send({ type: 'subscribe', clusters: ['a'], since: { a: seen } });
    expect(old.sock.types()).toEqual(['hello', 'cluster.state', 'snapshot']);
    const foreign = connect();
    foreign.send({ type: 'subscribe', clusters: ['a'], since: { a: 12345 } });
    expect(foreign.sock.types()).toEqual(['hello', 'cluster.state', 'snapshot']);
  });

  it('a restricted user subscribing to * gets only allowed clusters; naming another reads as not found', async () => {
    const { connect, source, clock } = make();
    const { sock, send } = connect(restricted);
    send({ type: 'subscribe', clusters: ['*'] });
    expect(
      sock
        .take()
        .filter((m) => m.type === 'snapshot')
        .map((m) => m.cluster),
    ).toEqual(['a']);
    send({ type: 'subscribe', clusters: ['b', 'nope'] });
    expect(sock.take()).toEqual([
      { type: 'error', message: 'cluster "b" not found' },
      { type: 'error', message: 'cluster "nope" not found' },
    ]);
    source.change({ kind: 'updated', cluster: 'b', name: 'm1', changed: ['labels'] });
    source.change({ kind: 'updated', cluster: 'a', name: 'n1', changed: ['labels'] });
    await clock.advance(50);
    expect(sock.take().map((m) => m.cluster)).toEqual(['a']);
  });

  it('wildcard subscribers pick up clusters added later; removal is announced', async () => {
    const { connect, source, clock } = make();
    const { sock, send } = connect();
    send({ type: 'subscribe', clusters: ['*'] });
    sock.take();
    source.add('c', ['x1']);
    source.emit('synced', 'c');
    expect(sock.take()).toMatchObject([{ type: 'snapshot', cluster: 'c' }]);
    source.emit('removed', 'c');
    expect(sock.take()).toMatchObject([{ type: 'cluster.state', cluster: 'c', state: { state: 'stopped' } }]);
    await clock.advance(100);
  });

  it('a slow client is resynced after it drains, never stalls others, and is closed (1013) if it keeps lagging', async () => {
    const { connect, source, clock } = make({ highWaterBytes: 1500, lowWaterBytes: 500, maxResyncs: 2 });
    const slow = connect(admin, new FakeSocket(false));
    const fast = connect();
    slow.send({ type: 'subscribe', clusters: ['a'] });
    fast.send({ type: 'subscribe', clusters: ['a'] });
    slow.sock.drain();
    slow.sock.take();
    fast.sock.take();
    const burst = async (n: number) => {
      for (let i = 0; i < n; i++) {
        source.change({ kind: 'updated', cluster: 'a', name: `n${(i % 3) + 1}`, changed: ['labels'] });
        await clock.advance(50);
      }
    };
    await burst(20);
    expect(fast.sock.frames.length).toBe(20);
    const got = slow.sock.frames.length;
    expect(got).toBeLessThan(20); // deltas stopped once past the high-water mark
    slow.sock.take();
    slow.sock.drain(); // reads everything: resync + fresh snapshot
    expect(slow.sock.types()).toEqual(['resync', 'snapshot']);
    expect(slow.sock.frames[0]).toMatchObject({ type: 'resync', cluster: 'a' });
    for (let round = 0; round < 2; round++) {
      slow.sock.take();
      slow.sock.drain();
      await burst(20);
      slow.sock.drain();
    }
    expect(slow.sock.closed).toEqual({ code: 1013, reason: 'too slow; reconnect later' });
    expect(fast.sock.closed).toBeUndefined();
    expect(fast.sock.frames.length).toBe(60);
  });

  it('a client re-subscribing in a loop is closed (1008, with the reason) once it has pulled its snapshot budget', () => {
    const { connect } = make({ maxSnapshotBytes: 10_000, maxSubscribes: 10_000 });
    const looper = connect();
    const other = connect();
    other.send({ type: 'subscribe', clusters: ['a'] });
    let sent = 0;
    while (!looper.sock.closed && sent < 1000) {
      // A stale version forces a fresh snapshot each time.
      looper.send({ type: 'subscribe', clusters: ['a'], since: { a: 1 } });
      sent++;
    }
    expect(looper.sock.closed).toEqual({
      code: 1008,
      reason: 'more than 10 KiB of snapshots in 60s; reconnect later',
    });
    const snapshots = looper.sock.frames.filter((f) => f.type === 'snapshot');
    const snapshotBytes = snapshots.reduce((n, f) => n + JSON.stringify(f).length, 0);
    expect(snapshots.length).toBeGreaterThan(1);
    expect(snapshotBytes).toBeLessThanOrEqual(10_000);
    expect(sent).toBe(snapshots.length + 1);
    expect(other.sock.closed).toBeUndefined();
  });

  it('counts subscribe requests: more than the limit in the window closes the client; spread out they are fine', async () => {
    const { connect, clock } = make({ maxSubscribes: 10 });
    const calm = connect();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 10; i++) calm.send({ type: 'subscribe', clusters: ['a'] });
      await clock.advance(60_000);
    }
    expect(calm.sock.closed).toBeUndefined();
    const eager = connect();
    for (let i = 0; i < 11; i++) eager.send({ type: 'subscribe', clusters: ['b'] });
    expect(eager.sock.closed).toEqual({
      code: 1008,
      reason: 'more than 10 subscribe requests in 60s; reconnect later',
    });
  });

  it('a client that does not read gets no more snapshots queued: they are owed, and resyncs close it (1013)', () => {
    const { connect } = make({
      highWaterBytes: 1500,
      lowWaterBytes: 500,
      maxResyncs: 2,
      maxSubscribes: 1000,
    });
    const stuck = connect(admin, new FakeSocket(false));
    for (let i = 0; i < 200; i++) stuck.send({ type: 'subscribe', clusters: ['a'], since: { a: 1 } });
    // Queued and unread: bounded by the high-water mark plus one snapshot, not 200 snapshots.
    const queued = stuck.sock.frames.filter((f) => f.type === 'snapshot').length;
    expect(queued).toBeLessThanOrEqual(2);
    expect(stuck.sock.bytes).toBeLessThan(1500 + 2 * 1500);
    for (let round = 0; round < 3 && !stuck.sock.closed; round++) {
      stuck.sock.drain(); // reads what it was sent: the owed snapshot follows as a resync
      for (let i = 0; i < 10; i++) stuck.send({ type: 'subscribe', clusters: ['a'], since: { a: 1 } });
    }
    expect(stuck.sock.types()).toContain('resync');
    expect(stuck.sock.closed).toEqual({ code: 1013, reason: 'too slow; reconnect later' });
  });

  it("a lagging client's resyncs do not count toward its snapshot budget: only what it asks for does", async () => {
    const probe = make();
    const reader = probe.connect();
    reader.send({ type: 'subscribe', clusters: ['a'] });
    const snapshotBytes = JSON.stringify(reader.sock.frames.find((f) => f.type === 'snapshot')).length;
    // room for one snapshot asked for, not two
    const { connect, source, clock } = make({
      highWaterBytes: 1000,
      lowWaterBytes: 100,
      maxResyncs: 5,
      maxSnapshotBytes: Math.round(snapshotBytes * 1.5),
    });
    const slow = connect(admin, new FakeSocket(false));
    slow.send({ type: 'subscribe', clusters: ['a'] });
    for (let round = 0; round < 2; round++) {
      expect(slow.sock.closed).toBeUndefined();
      slow.sock.drain();
      // falls behind: changes pile up unread past the high-water mark
      for (let i = 0; i < 40 && !slow.c.behind.size; i++) {
        source.change({ kind: 'updated', cluster: 'a', name: `n${(i % 3) + 1}`, changed: ['labels'] });
        await clock.advance(50);
      }
      expect(slow.c.behind.has('a')).toBe(true);
      slow.sock.drain(); // reads it all: a resync and a fresh snapshot follow
    }
    expect(slow.sock.types().filter((t) => t === 'resync')).toHaveLength(2);
    expect(slow.sock.closed).toBeUndefined();
    // asking again for what it already had is counted: past the budget, closed as abusive
    slow.sock.drain();
    slow.send({ type: 'subscribe', clusters: ['a'], since: { a: 1 } });
    expect(slow.sock.closed).toMatchObject({ code: 1008 });
  });

  it('terminates clients that stop answering pings', async () => {
    const { hub, clock } = make({ pingIntervalMs: 1000 });
    const a = new FakeSocket();
    const b = new FakeSocket();
    const ca = hub.connect(a, admin);
    hub.connect(b, admin);
    await clock.advance(1000);
    expect([a.pings, b.pings]).toEqual([1, 1]);
    hub.pong(ca);
    await clock.advance(1000);
    expect(a.terminated).toBe(false);
    expect(b.terminated).toBe(true);
    expect(hub.stats().clients).toBe(1);
  });

  it('keeps a client whose pong is queued behind a long stream it is still reading, until it stops', async () => {
    const { connect, clock } = make({ pingIntervalMs: 1000 });
    const slow = connect(admin, new FakeSocket(false));
    slow.send({ type: 'subscribe', clusters: ['a', 'b'] });
    await clock.advance(1000);
    expect(slow.sock.pings).toBe(1);
    // no pong, but the snapshots went out meanwhile: still reading
    slow.sock.drain();
    await clock.advance(1000);
    expect(slow.sock.terminated).toBe(false);
    expect(slow.sock.pings).toBe(2);
    // no pong and nothing written out since the last ping: gone
    await clock.advance(1000);
    expect(slow.sock.terminated).toBe(true);
  });

  it('job progress goes only to job subscribers who can see every cluster of the job, coalesced', async () => {
    const { hub, connect, clock } = make();
    const all = connect();
    const bob = connect(restricted);
    const quiet = connect();
    all.send({ type: 'subscribe-jobs' });
    bob.send({ type: 'subscribe-jobs' });
    for (const s of [all, bob, quiet]) s.sock.take();
    hub.publishJob({
      id: 'j1',
      nodes: [{ cluster: 'a' }, { cluster: 'b' }],
      status: 'running',
      done: 1,
    } as never);
    hub.publishJob({
      id: 'j1',
      nodes: [{ cluster: 'a' }, { cluster: 'b' }],
      status: 'running',
      done: 2,
    } as never);
    hub.publishJob({ id: 'j2', nodes: [{ cluster: 'a' }], done: 0 } as never);
    await clock.advance(50);
    expect(all.sock.take()).toMatchObject([
      { type: 'job.delta', seq: 1, job: { id: 'j1', done: 2 } },
      { type: 'job.delta', seq: 1, job: { id: 'j2' } },
    ]);
    expect(bob.sock.take()).toMatchObject([{ type: 'job.delta', job: { id: 'j2' } }]);
    expect(quiet.sock.frames).toEqual([]);
  });

  it('answers ping, refuses garbage, and unsubscribes', async () => {
    const { connect, source, clock } = make();
    const { sock, send, c } = connect();
    const hub = hubs[0]!;
    send({ type: 'ping' });
    hub.message(c, 'not json');
    send({ type: 'subscribe', clusters: 'a' });
    send({ type: 'dance' });
    expect(sock.take().slice(1)).toEqual([
      { type: 'pong' },
      { type: 'error', message: 'messages must be JSON' },
      { type: 'error', message: '"clusters" must be a list of cluster names (or ["*"])' },
      { type: 'error', message: 'unknown message type "dance"' },
    ]);
    send({ type: 'subscribe', clusters: ['a'] });
    send({ type: 'unsubscribe', clusters: ['a'] });
    sock.take();
    source.change({ kind: 'updated', cluster: 'a', name: 'n1', changed: ['labels'] });
    await clock.advance(50);
    expect(sock.frames).toEqual([]);
  });

  it('close() closes every client and frees every timer', async () => {
    const { hub, connect, source } = make({ pingIntervalMs: 1000 });
    const { sock, send } = connect();
    send({ type: 'subscribe', clusters: ['a'] });
    source.change({ kind: 'updated', cluster: 'a', name: 'n1', changed: ['labels'] });
    hub.publishJob({ id: 'j' });
    expect(hub.stats().timers).toBeGreaterThan(0);
    hub.close();
    expect(sock.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(hub.stats()).toMatchObject({ clients: 0, topics: 0, timers: 0 });
    expect(source.listenerCount('change')).toBe(0);
  });
});
