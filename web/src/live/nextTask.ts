/**
 * Runs `fn` in a task of its own, after anything already waiting (input, rendering). A MessageChannel task
 * is not clamped like a nested setTimeout (4 ms after five levels), so work cut into fifty slices does not
 * wait 200 ms for nothing; where `scheduler.postTask` exists it is used, at the priority the browser gives
 * rendering-friendly background work.
 */
type PostTask = (fn: () => void, opts: { priority: 'user-visible' }) => Promise<unknown>;

let channel: MessageChannel | null = null;
const waiting: (() => void)[] = [];

export function nextTask(fn: () => void): void {
  const sched = (globalThis as { scheduler?: { postTask?: PostTask } }).scheduler;
  if (sched?.postTask) {
    void sched.postTask(fn, { priority: 'user-visible' });
    return;
  }
  if (typeof MessageChannel === 'undefined') {
    setTimeout(fn, 0);
    return;
  }
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => waiting.shift()?.();
  }
  waiting.push(fn);
  channel.port2.postMessage(null);
}

/** Resolves in a task of its own (see `nextTask`): `await afterTask()` hands the browser a turn. */
export function afterTask(): Promise<void> {
  return new Promise((resolve) => nextTask(resolve));
}
