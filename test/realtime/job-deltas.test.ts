import { afterEach, describe, expect, it } from 'vitest';
import { RealtimeHub } from '../../src/realtime/hub.js';
import { createLogger } from '../../src/log/logger.js';
import { countNodes, type Job, type JobNode } from '../../src/operations/job-types.js';
import type { JobDeltaMessage } from '../../src/realtime/job-delta-types.js';
import { FakeClock } from '../support/fake-clock.js';
import { admin, FakeSocket, FakeSource } from './fakes.js';

const hubs: RealtimeHub[] = [];
afterEach(() => hubs.splice(0).forEach((h) => h.close()));

function make(o: { highWaterBytes?: number; lowWaterBytes?: number } = {}) {
  const source = new FakeSource();
  source.add('a', ['n1']);
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
  const connect = (sock = new FakeSocket()) => {
    const c = hub.connect(sock, admin);
    hub.message(c, JSON.stringify({ type: 'subscribe-jobs' }));
    return sock;
  };
  return { hub, clock, connect };
}

function job(n: number): Job {
  const nodes: JobNode[] = Array.from({ length: n }, (_, i) => ({
    cluster: 'a',
    name: `node-${String(i).padStart(4, '0')}`,
    status: 'pending',
  }));
  return {
    id: 'j1',
    operation: 'labels',
    params: { set: { pool: 'blue' } },
    targets: [{ cluster: 'a', nodes: nodes.map((x) => x.name) }],
    concurrency: 20,
    status: 'running',
    createdBy: 'admin',
    createdAt: '2026-01-01T00:00:00Z',
    total: n,
    done: 0,
    counts: countNodes(nodes).counts,
    nodes,
  };
}

/** What the runner publishes: a copy with counts that match its nodes. */
function snap(j: Job): Job {
  const { counts, done } = countNodes(j.nodes);
  return { ...j, counts, done, nodes: j.nodes.map((n) => ({ ...n })) };
}

/** A client's view rebuilt from deltas only, the way the console applies them. */
function replay(frames: Record<string, unknown>[]) {
  const nodes = new Map<string, string>();
  let header: Partial<Job> = {};
  let seq = 0;
  for (const f of frames) {
    if (f.type !== 'job.delta') continue;
    const d = f as unknown as JobDeltaMessage;
    expect(d.seq).toBe(seq + 1);
    seq = d.seq;
    header = { ...header, ...d.job };
    for (const n of d.nodes) nodes.set(n.name, n.status);
  }
  return { nodes, header, seq };
}

describe('job progress as deltas', () => {
  it('acknowledges the job subscription so the client can read its jobs after it', () => {
    const { connect } = make();
    const sock = connect();
    expect(sock.take().map((f) => f.type)).toEqual(['hello', 'jobs.subscribed']);
  });

  it('a burst over 1,000 nodes arrives as numbered deltas that add up to the final record, in far fewer bytes than copies', async () => {
    const { hub, clock, connect } = make();
    const sock = connect();
    sock.take();
    const j = job(1000);
    hub.publishJob(snap(j));
    await clock.advance(50);
    // Nodes finish in bursts of 25, published after each burst (the runner's rate is higher than the hub's window).
    for (let i = 0; i < 1000; i++) {
      j.nodes[i]!.status = i % 97 === 0 ? 'failed' : 'ok';
      if (i % 97 === 0)
        j.nodes[i]!.message = `node-${i}: admission webhook denied the request: `.padEnd(300, 'x');
      if (i % 25 === 24) {
        hub.publishJob(snap(j));
        if (i % 100 === 99) await clock.advance(50);
      }
    }
    j.status = 'partial';
    j.finishedAt = '2026-01-01T00:00:21Z';
    hub.publishJob(snap(j));
    await clock.advance(50);

    const frames = sock.take();
    const view = replay(frames);
    expect(view.header).toMatchObject({ status: 'partial', done: 1000, total: 1000 });
    expect(view.nodes.size).toBe(1000);
    const failed = [...view.nodes.values()].filter((s) => s === 'failed').length;
    expect(failed).toBe(11);
    expect(view.header.counts).toMatchObject({ ok: 989, failed: 11, pending: 0, running: 0 });
    // Every node's change went out once: the bytes are those of the changes, not of a job copy per message.
    const copyBytes = JSON.stringify({ type: 'job.progress', job: snap(j) }).length;
    expect(sock.bytes).toBeLessThan(copyBytes * 1.5);
    expect(frames.length).toBeGreaterThan(5);
  });

  it('a client that fell behind is told which jobs to read again once it drains', async () => {
    const { hub, clock, connect } = make({ highWaterBytes: 2000, lowWaterBytes: 500 });
    const sock = connect(new FakeSocket(false));
    sock.take();
    const j = job(100);
    hub.publishJob(snap(j));
    await clock.advance(50);
    for (let i = 0; i < 100; i++) {
      j.nodes[i]!.status = 'ok';
      hub.publishJob(snap(j));
      await clock.advance(50);
    }
    j.status = 'succeeded';
    hub.publishJob(snap(j));
    await clock.advance(50);
    const seen = sock.take();
    expect(replay(seen).header.status).not.toBe('succeeded'); // the final delta was skipped…
    sock.drain();
    // …and once the socket drained, the client learns to read the job again.
    expect(sock.take()).toContainEqual({ type: 'job.gap', ids: ['j1'] });
  });

  it('re-announcing a finished job sends nothing new', async () => {
    const { hub, clock, connect } = make();
    const sock = connect();
    const j = job(3);
    for (const n of j.nodes) n.status = 'ok';
    j.status = 'succeeded';
    hub.publishJob(snap(j));
    await clock.advance(50);
    sock.take();
    hub.publishJob(snap(j));
    await clock.advance(50);
    expect(sock.take()).toEqual([]);
  });
});
