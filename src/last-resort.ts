/**
 * The process-wide last resort: an exception nobody caught or a promise rejection nobody handled is logged
 * and the process keeps serving. Node's default is to exit, which turns one bad code path — say, a callback
 * fed by one cluster's odd answer — into an outage for every cluster and every user. Keeping going is a
 * judgement, not a free lunch: state touched by the failed code path may be inconsistent. So it is bounded:
 * more than `maxFaults` within `windowMs` (default 10 per minute) means something is failing in a loop, and
 * the process exits with status 1 for its supervisor to restart it, rather than limp on or spin forever.
 */
import type { Logger } from './log/logger.js';
import { uncaughtErrors } from './metrics/registry.js';

export interface LastResortOptions {
  log: Pick<Logger, 'error' | 'fatal'>;
  maxFaults?: number;
  windowMs?: number;
  /** Stand-ins for tests. */
  target?: NodeJS.EventEmitter;
  exit?: (code: number) => void;
  now?: () => number;
}

export const LAST_RESORT_MAX_FAULTS = 10;
export const LAST_RESORT_WINDOW_MS = 60_000;

/** Installs the handlers; returns a function that removes them. */
export function installLastResort(o: LastResortOptions): () => void {
  const target = o.target ?? process;
  const maxFaults = o.maxFaults ?? LAST_RESORT_MAX_FAULTS;
  const windowMs = o.windowMs ?? LAST_RESORT_WINDOW_MS;
  const now = o.now ?? Date.now;
  const exit = o.exit ?? ((code: number) => process.exit(code));
  const recent: number[] = [];
  let exiting = false;

  const fault = (kind: 'uncaughtException' | 'unhandledRejection', e: unknown) => {
    uncaughtErrors.inc({ kind });
    const t = now();
    recent.push(t);
    while (recent.length && recent[0]! <= t - windowMs) recent.shift();
    const err = e instanceof Error ? { err: e.message, stack: e.stack } : { err: String(e) };
    if (recent.length > maxFaults) {
      if (exiting) return;
      exiting = true;
      o.log.fatal(
        { kind, ...err, faults: recent.length, windowMs },
        'too many uncaught errors in a short time; exiting so that the process is restarted',
      );
      exit(1);
      return;
    }
    o.log.error({ kind, ...err }, 'uncaught error; the process keeps serving');
  };
  const onException = (e: unknown) => fault('uncaughtException', e);
  const onRejection = (e: unknown) => fault('unhandledRejection', e);
  target.on('uncaughtException', onException);
  target.on('unhandledRejection', onRejection);
  return () => {
    target.off('uncaughtException', onException);
    target.off('unhandledRejection', onRejection);
  };
}
