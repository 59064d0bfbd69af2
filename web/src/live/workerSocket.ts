/**
 * A WebSocket held by a worker (socketWorker.ts), seen from the page as a SocketLike. Its messages arrive
 * parsed; a snapshot sent in slices is put together here and passed on whole once its last slice is in, so the
 * node store sees exactly what the server sent, in the order it was sent.
 */
import { perf } from '../perf';
import type { SocketLike } from './socketLike';
import type { FromWorker, ToWorker } from './socketProtocol';

export interface WorkerLike {
  postMessage(m: ToWorker): void;
  onmessage: ((ev: { data: FromWorker }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  terminate(): void;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
/** A worker whose socket never reports its close (a dead connection) is ended after this. */
const CLOSE_GRACE_MS = 5000;

export class WorkerSocket implements SocketLike {
  readyState = CONNECTING;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  private snapshot: { head: Record<string, unknown>; items: unknown[] } | null = null;

  constructor(
    url: string,
    private readonly worker: WorkerLike,
    /** Called when the worker itself fails to start (its script could not load). */
    private readonly onWorkerFailed: () => void = () => undefined,
  ) {
    worker.onmessage = (ev) => this.fromWorker(ev.data);
    worker.onerror = () => {
      if (this.readyState === CONNECTING) this.onWorkerFailed();
      this.ended(1006);
    };
    worker.postMessage({ op: 'open', url });
  }

  send(data: string): void {
    if (this.readyState === OPEN) this.worker.postMessage({ op: 'send', data });
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= CLOSING) return;
    this.readyState = CLOSING;
    this.worker.postMessage({
      op: 'close',
      ...(code !== undefined ? { code } : {}),
      ...(reason ? { reason } : {}),
    });
    setTimeout(() => this.worker.terminate(), CLOSE_GRACE_MS);
  }

  private ended(code: number): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.snapshot = null;
    this.worker.terminate();
    this.onclose?.({ code });
  }

  private fromWorker(m: FromWorker): void {
    switch (m.ev) {
      case 'open':
        if (this.readyState !== CONNECTING) return;
        this.readyState = OPEN;
        this.onopen?.({});
        return;
      case 'error':
        this.onerror?.({});
        return;
      case 'close':
        this.ended(m.code);
        return;
      case 'frame': {
        const f = m.frame;
        if (f.kind === 'whole') {
          this.onmessage?.({ data: f.msg });
          return;
        }
        if (f.head) {
          if (perf && perf.marks.snapshotFirstSlice === undefined) perf.mark('snapshotFirstSlice');
          this.snapshot = { head: f.head, items: [] };
        }
        if (!this.snapshot) return;
        for (const it of f.items) this.snapshot.items.push(it);
        if (f.last) {
          const { head, items } = this.snapshot;
          this.snapshot = null;
          this.onmessage?.({ data: { ...head, items } });
        }
        return;
      }
    }
  }
}
