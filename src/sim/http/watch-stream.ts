/**
 * One open watch over HTTP: newline-delimited JSON events, written in batches (one write per turn of the
 * event loop, not per event), honouring socket back-pressure, with bookmarks and a timeout. A watch whose
 * client stops reading is dropped, as the real watch cache drops unresponsive watchers.
 *
 * Bookmarks follow the real watch cache: one 2 s before the watch times out (so a client resumes from as
 * recent a version as possible) besides the periodic ones, and none unless the kind has changed since the
 * watch's starting resourceVersion — a quiet kind gets no bookmarks at all.
 */
import type { ServerResponse } from 'node:http';
import type { EventSerializer, HistoryEvent, KindStore, WatchSink } from '../kind-store.js';
import { apiVersionOf, type ResourceDef } from '../resources.js';
import { matchFields, matchLabels, type FieldRequirement, type LabelSelector } from '../selectors.js';
import { serializeObject } from '../state.js';
import type { TimerSet } from '../clock.js';
import type { KObject } from '../types.js';

/** Buffered-but-unwritten bytes after which a watcher counts as unresponsive. */
const MAX_PENDING_BYTES = 64 * 1024 * 1024;
const SNAPSHOT_BATCH = 500;

export interface WatchStreamOptions {
  def: ResourceDef;
  store: KindStore;
  namespace?: string;
  labelSelector?: LabelSelector;
  fieldSelector?: FieldRequirement[];
  allowBookmarks: boolean;
  timeoutMs: number;
  timers: TimerSet;
  /** The resourceVersion the watch starts from; bookmarks must carry a later one. */
  startRv: number;
  /** The kind's latest resourceVersion (what a bookmark carries). */
  latestRv(): number;
  /**
   * Server-side printing (kubectl get -w): each event's object as a one-row Table, the column definitions
   * only in the first, as the real server omits headers after it.
   */
  table?: (obj: KObject, headers: boolean) => unknown;
  onClose(w: WatchStream): void;
}

/** How long before its timeout a watch gets its last bookmark (the watch cache's figure). */
const PRE_TIMEOUT_BOOKMARK_MS = 2000;

export class WatchStream implements WatchSink {
  readonly allowBookmarks: boolean;
  private buf: Buffer[] = [];
  private pendingBytes = 0;
  private snapshot: KObject[] = [];
  private snapIdx = 0;
  private paused = false;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;
  private tableHeadersSent = false;
  private readonly timeout: unknown;
  private readonly preTimeout: unknown;
  /** Events written (for tests and benchmarks). */
  delivered = 0;

  constructor(
    private readonly res: ServerResponse,
    private readonly o: WatchStreamOptions,
  ) {
    this.allowBookmarks = o.allowBookmarks;
    this.timeout = o.timers.after(o.timeoutMs, () => this.close());
    this.preTimeout =
      o.allowBookmarks && o.timeoutMs > PRE_TIMEOUT_BOOKMARK_MS
        ? o.timers.after(o.timeoutMs - PRE_TIMEOUT_BOOKMARK_MS, () => this.bookmark(o.latestRv()))
        : undefined;
    res.on('close', () => this.close(true));
    res.on('drain', () => {
      this.paused = false;
      this.schedule();
    });
  }

  matches(obj: KObject | undefined): boolean {
    if (!obj) return false;
    if (this.o.namespace !== undefined && obj.metadata.namespace !== this.o.namespace) return false;
    if (this.o.labelSelector?.length && !matchLabels(this.o.labelSelector, obj.metadata.labels)) return false;
    const fs = this.o.fieldSelector;
    if (fs?.length) {
      const fields = this.o.def.fields;
      if (!matchFields(fs, (f) => fields[f]!(obj))) return false;
    }
    return true;
  }

  /** Objects to send as synthetic ADDED events before anything else. */
  setSnapshot(items: KObject[]): void {
    this.snapshot = items;
    this.snapIdx = 0;
    this.schedule();
  }

  offer(ev: HistoryEvent, ser: EventSerializer): void {
    if (this.closed) return;
    let type: string | undefined;
    if (ev.type === 'ADDED') type = this.matches(ev.obj) ? 'ADDED' : undefined;
    else if (ev.type === 'DELETED') type = this.matches(ev.prev ?? ev.obj) ? 'DELETED' : undefined;
    else {
      // With selectors, an object moving into or out of the selection is ADDED or DELETED for this watch.
      const before = this.matches(ev.prev);
      const after = this.matches(ev.obj);
      type = before && after ? 'MODIFIED' : after ? 'ADDED' : before ? 'DELETED' : undefined;
    }
    if (!type) return;
    if (type === 'DELETED' && ev.type === 'MODIFIED' && ev.prev) {
      // Leaving the selection: the real server sends the object as it was (still matching), at the new version.
      const last = { ...ev.prev, metadata: { ...ev.prev.metadata, resourceVersion: String(ev.rv) } };
      this.push(Buffer.from(this.eventLine('DELETED', last)));
      return;
    }
    this.push(this.o.table ? Buffer.from(this.eventLine(type, ev.obj)) : ser.line(type, ev));
  }

  private eventLine(type: string, obj: KObject): string {
    let json: string;
    if (this.o.table) {
      json = JSON.stringify(this.o.table(obj, !this.tableHeadersSent));
      this.tableHeadersSent = true;
    } else json = serializeObject(this.o.def, obj);
    return `{"type":"${type}","object":${json}}\n`;
  }

  /** Sends a bookmark at `rv` unless it says nothing new; annotated ones (initial-events-end) always go. */
  bookmark(rv: number, annotations?: Record<string, string>): void {
    if (this.closed || !this.allowBookmarks) return;
    if (!annotations && rv <= this.o.startRv) return;
    const meta = { resourceVersion: String(rv), ...(annotations ? { annotations } : {}) };
    this.push(
      Buffer.from(
        `{"type":"BOOKMARK","object":{"kind":"${this.o.def.kind}","apiVersion":"${apiVersionOf(this.o.def)}","metadata":${JSON.stringify(meta)}}}\n`,
      ),
    );
  }

  /** A single ERROR event, then the end of the stream (how the real server reports 410 on watch). */
  error(status: unknown): void {
    this.push(Buffer.from(`{"type":"ERROR","object":${JSON.stringify(status)}}\n`));
    this.flush();
    this.close();
  }

  private push(line: Buffer): void {
    this.buf.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes > MAX_PENDING_BYTES) {
      this.close(true);
      return;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.immediate || this.closed || this.paused) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.flush();
    });
  }

  private flush(): void {
    if (this.closed || this.paused) return;
    while (this.snapIdx < this.snapshot.length) {
      const end = Math.min(this.snapshot.length, this.snapIdx + SNAPSHOT_BATCH);
      let chunk = '';
      for (let i = this.snapIdx; i < end; i++) {
        chunk += this.eventLine('ADDED', this.snapshot[i]!);
      }
      this.delivered += end - this.snapIdx;
      this.snapIdx = end;
      if (!this.res.write(chunk)) {
        this.paused = true;
        return;
      }
    }
    if (this.snapshot.length) this.snapshot = [];
    if (this.buf.length) {
      // The same Buffers go to every watch; corking turns the batch into one writev without copying.
      const bufs = this.buf;
      this.delivered += bufs.length;
      this.buf = [];
      this.pendingBytes = 0;
      const sock = this.res.socket;
      sock?.cork();
      let ok = true;
      for (const b of bufs) ok = this.res.write(b);
      if (sock) process.nextTick(() => sock.uncork());
      if (!ok) this.paused = true;
    }
  }

  close(abrupt = false): void {
    if (this.closed) return;
    if (!abrupt) {
      this.paused = false;
      this.flush();
    }
    this.closed = true;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    this.o.timers.cancel(this.timeout);
    if (this.preTimeout) this.o.timers.cancel(this.preTimeout);
    this.o.store.watchers.delete(this);
    this.o.onClose(this);
    if (abrupt) this.res.destroy();
    else this.res.end();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
