/**
 * Messages between the page and the worker that holds the live socket (socketWorker.ts), and the worker's
 * reading of a frame. A 5,000-node snapshot is about 10 MB of JSON: on the page, turning the frame into a string,
 * parsing it and applying it blocked the page for seconds on a slow machine. In the worker the frame is parsed
 * there, and a snapshot's rows come to the page in slices, each taken in by a task of its own.
 */

/** Rows per slice of a snapshot handed to the page: a few milliseconds of copying each, even on a busy machine. */
export const SNAPSHOT_SLICE = 200;

export type ToWorker =
  | { op: 'open'; url: string }
  | { op: 'send'; data: string }
  | { op: 'close'; code?: number; reason?: string };

export type Frame =
  | { kind: 'whole'; msg: unknown }
  /** Part of a snapshot: `head` (the message without its rows) comes with the first slice. */
  | { kind: 'slice'; head?: Record<string, unknown>; items: unknown[]; last: boolean };

export type FromWorker =
  { ev: 'open' } | { ev: 'error' } | { ev: 'close'; code: number } | { ev: 'frame'; frame: Frame };

/** A text frame as the page receives it: the parsed message, or a large snapshot in slices (nothing if invalid). */
export function readFrame(text: string, post: (f: Frame) => void): void {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return;
  }
  const m = msg as { type?: unknown; items?: unknown };
  if (m.type !== 'snapshot' || !Array.isArray(m.items) || m.items.length <= SNAPSHOT_SLICE) {
    post({ kind: 'whole', msg });
    return;
  }
  const items = m.items as unknown[];
  const head = { ...(m as Record<string, unknown>), items: [] };
  for (let i = 0; i < items.length; i += SNAPSHOT_SLICE) {
    post({
      kind: 'slice',
      ...(i === 0 ? { head } : {}),
      items: items.slice(i, i + SNAPSHOT_SLICE),
      last: i + SNAPSHOT_SLICE >= items.length,
    });
  }
}
