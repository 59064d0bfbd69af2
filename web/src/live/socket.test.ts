import { describe, expect, it } from 'vitest';
import { backoffDelay, LiveSocket, type SocketLike } from './socket';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
    this.onclose?.({});
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(msg: unknown) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
}

function harness() {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number; id: number }[] = [];
  let nextId = 1;
  const live = new LiveSocket('ws://x/api/v1/ws', {
    create: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    setTimeout: (fn, ms) => {
      const id = nextId++;
      timers.push({ fn, ms, id });
      return id;
    },
    clearTimeout: (id) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
    random: () => 0,
  });
  /** Run the pending reconnect timer (the one that is not the keep-alive). */
  const fireReconnect = () => {
    const i = timers.findIndex((t) => t.ms < 25_000);
    const [t] = timers.splice(i, 1);
    t!.fn();
    return t!.ms;
  };
  return { live, sockets, timers, fireReconnect };
}

describe('LiveSocket', () => {
  it('backs off exponentially with a cap', () => {
    expect(backoffDelay(0, 0)).toBe(250);
    expect(backoffDelay(0, 1)).toBe(500);
    expect(backoffDelay(3, 1)).toBe(4000);
    expect(backoffDelay(20, 1)).toBe(30_000);
  });

  it('subscribes when open and resumes with since after a reconnect', () => {
    const { live, sockets, fireReconnect } = harness();
    live.setClusters(['c1', 'c2']);
    live.start();
    sockets[0]!.open();
    expect(sockets[0]!.sent).toEqual([{ type: 'subscribe', clusters: ['c1', 'c2'] }]);
    live.noteVersion('c1', 17);

    sockets[0]!.close();
    expect(live.status.value).toBe('closed');
    const first = fireReconnect();
    sockets[1]!.close();
    const second = fireReconnect();
    expect(second).toBeGreaterThan(first);
    sockets[2]!.open();
    expect(sockets[2]!.sent).toEqual([{ type: 'subscribe', clusters: ['c1', 'c2'], since: { c1: 17 } }]);
    expect(live.reconnects.value).toBe(1);
  });

  it('sends only the difference when the subscription changes, and forgets versions of dropped clusters', () => {
    const { live, sockets, fireReconnect } = harness();
    live.start();
    sockets[0]!.open();
    live.setClusters(['c1']);
    live.noteVersion('c1', 4);
    live.setClusters(['c2']);
    expect(sockets[0]!.sent).toEqual([
      { type: 'subscribe', clusters: ['c1'] },
      { type: 'unsubscribe', clusters: ['c1'] },
      { type: 'subscribe', clusters: ['c2'] },
    ]);
    sockets[0]!.close();
    fireReconnect();
    sockets[1]!.open();
    expect(sockets[1]!.sent).toEqual([{ type: 'subscribe', clusters: ['c2'] }]);
  });

  it('re-subscribes to jobs and delivers messages to listeners', () => {
    const { live, sockets, fireReconnect } = harness();
    const got: unknown[] = [];
    live.on((m) => got.push(m));
    live.start();
    live.subscribeJobs();
    sockets[0]!.open();
    sockets[0]!.receive({ type: 'hello', user: {} });
    expect(sockets[0]!.sent).toContainEqual({ type: 'subscribe-jobs' });
    sockets[0]!.close();
    fireReconnect();
    sockets[1]!.open();
    expect(sockets[1]!.sent).toEqual([{ type: 'subscribe-jobs' }]);
    expect(got).toEqual([{ type: 'hello', user: {} }]);
  });

  it('does not reconnect after stop', () => {
    const { live, sockets, timers } = harness();
    live.start();
    sockets[0]!.open();
    live.stop();
    expect(live.status.value).toBe('idle');
    expect(timers.filter((t) => t.ms < 25_000)).toHaveLength(0);
  });
});
