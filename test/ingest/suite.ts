// What the ingest suites share: one worker pool per file (restarting fast after a kill) and cleanups run after
// each test, the last registered first. The pool starts its thread at the first attachment or scrape.
import { afterAll, afterEach } from 'vitest';
import { IngestPool } from '../../src/ingest/pool.js';
import { createLogger, type Logger } from '../../src/log/logger.js';

export function ingestSuite(): { log: Logger; cleanups: (() => Promise<void> | void)[]; pool: IngestPool } {
  const log = createLogger('silent');
  const cleanups: (() => Promise<void> | void)[] = [];
  const pool = new IngestPool({
    workers: 1,
    log,
    reportEveryMs: 100,
    restartBackoff: { initialMs: 50, maxMs: 200 },
  });
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });
  afterAll(() => pool.close());
  return { log, cleanups, pool };
}
