import { describe, expect, it, vi } from 'vitest';
import { LiveSocket } from './socket';
import { readFrame, SNAPSHOT_SLICE, type FromWorker, type ToWorker } from './socketProtocol';
import { WorkerSocket, type WorkerLike } from './workerSocket';

/** A socket worker that answers as the real one does; each of its messages is a task of the page. */
function fakeWorker() {
  const w: WorkerLike & {
    got: ToWorker[];
    terminated: boolean;
    emit(m: FromWorker): void;
    frame(o: unknown): void;
  } = {
    got: [],
    terminated: false,
    onmessage: null,
    onerror: null,
    postMessage(m) {
      this.got.push(m);
    },
    terminate() {
      this.terminated = true;
    },
    emit(m) {
      this.onmessage!({ data: structuredClone(m) });
    },
    /** The server sends `o`: the worker reads the frame and posts what it makes of it. */
    frame(o) {
      readFrame(JSON.stringify(o), (frame) => this.emit({ ev: 'frame', frame }));
    },
  };
  return w;
}

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `node-${i}`, cluster: 'prod' }));

describe('socket held by a worker', () => {
  it('hands a large snapshot to the page in slices and passes it on whole, before the updates that follow it', () => {
    const worker = fakeWorker();
    const got: unknown[] = [];
    const slices: number[] = [];
    const live = new LiveSocket('ws://x/api/v1/ws', {
      create: (url) => {
        const s = new WorkerSocket(url, worker);
        const orig = worker.onmessage!;
        worker.onmessage = (ev) => {
          if (ev.data.ev === 'frame' && ev.data.frame.kind === 'slice')
            slices.push(ev.data.frame.items.length);
          orig(ev);
        };
        return s;
      },
      setTimeout: () => 0,
      clearTimeout: () => undefined,
      random: () => 0,
    });
    live.on((m) => got.push(m));
    live.start();
    expect(worker.got).toEqual([{ op: 'open', url: 'ws://x/api/v1/ws' }]);
    worker.emit({ ev: 'open' });
    expect(live.status.value).toBe('open');
    live.setClusters(['prod']);
    expect(worker.got[1]).toEqual({
      op: 'send',
      data: JSON.stringify({ type: 'subscribe', clusters: ['prod'] }),
    });

    const total = 2 * SNAPSHOT_SLICE + SNAPSHOT_SLICE / 2;
    const snapshot = { type: 'snapshot', cluster: 'prod', version: 7, items: rows(total) };
    worker.frame(snapshot);
    worker.frame({ type: 'node.deleted', cluster: 'prod', name: 'node-3', version: 8 });
    expect(slices).toEqual([SNAPSHOT_SLICE, SNAPSHOT_SLICE, SNAPSHOT_SLICE / 2]);
    expect(got).toEqual([snapshot, { type: 'node.deleted', cluster: 'prod', name: 'node-3', version: 8 }]);
  });

  it('reports the close, ends its worker, and says so when the worker could not start', () => {
    const worker = fakeWorker();
    const s = new WorkerSocket('ws://x', worker);
    const closed = vi.fn();
    s.onclose = closed;
    worker.emit({ ev: 'open' });
    s.send('hi');
    worker.emit({ ev: 'close', code: 1001 });
    expect(worker.got.at(-1)).toEqual({ op: 'send', data: 'hi' });
    expect(closed).toHaveBeenCalledWith({ code: 1001 });
    expect(worker.terminated).toBe(true);
    expect(s.readyState).toBe(3);

    const broken = fakeWorker();
    const failed = vi.fn();
    const t = new WorkerSocket('ws://x', broken, failed);
    t.onclose = vi.fn();
    broken.onerror!({});
    expect(failed).toHaveBeenCalled();
    expect(t.onclose).toHaveBeenCalled();
  });
});
