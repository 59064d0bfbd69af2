/**
 * Callers waiting for a mirror's first LIST from its worker (RemotePodIndex, RemoteNodeFeed). The timers here
 * are the only ones a mirror owns on this thread, and each ends with its wait.
 */
export class SyncWaiters {
  private readonly waiting = new Set<() => void>();

  /** Resolves with `done()` once released (or at the timeout); at once when already done or `over`. */
  wait(done: () => boolean, over: boolean, timeoutMs: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    if (over) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.waiting.delete(finish);
        resolve(done());
      };
      const timer = setTimeout(finish, timeoutMs);
      this.waiting.add(finish);
    });
  }

  /** Let every waiter read its answer now (listed, or stopped). */
  release(): void {
    for (const w of [...this.waiting]) w();
  }
}
