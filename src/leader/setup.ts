/**
 * Wiring of leader election: one lease ("background") per store, and the BackgroundWork that runs the tasks
 * other parts register (`ctx.background.every(...)`) on the one replica holding it.
 */
import type { AppContext } from '../app.js';
import { BackgroundWork } from './background.js';
import { LeaderLease } from './lease.js';

declare module '../app.js' {
  interface AppContext {
    /** Work that runs on one replica at a time (src/leader); always this process on SQLite. */
    background?: BackgroundWork;
  }
}

export function setupBackground(ctx: AppContext, holder: string): BackgroundWork {
  const log = ctx.log.child({ part: 'leader' });
  const lease = new LeaderLease({
    db: ctx.store.db,
    dialect: ctx.store.dialect,
    name: 'background',
    holder,
    leaseMs: ctx.config.leaderLeaseMs,
    log,
  });
  const background = new BackgroundWork(lease, log);
  ctx.background = background;
  return background;
}
