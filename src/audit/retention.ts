/**
 * Scheduled retention: purge entries older than the configured number of days once at start and then hourly.
 * This is the only way an audit entry ever disappears.
 */
import type { Logger } from '../log/logger.js';
import type { AuditLog } from './log.js';

export const RETENTION_INTERVAL_MS = 60 * 60 * 1000;

export function startRetention(
  audit: AuditLog,
  retentionDays: number,
  log: Logger,
  intervalMs = RETENTION_INTERVAL_MS,
): { stop(): void; runNow(): Promise<number> } {
  let running: Promise<number> | undefined;
  const runNow = () => {
    running ??= audit
      .purge(retentionDays)
      .then((n) => {
        if (n > 0) log.info({ purged: n, retentionDays }, 'audit retention purge');
        return n;
      })
      .catch((err: unknown) => {
        log.error({ err }, 'audit retention purge failed');
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  if (retentionDays <= 0) return { stop() {}, runNow };
  void runNow();
  const timer = setInterval(() => void runNow(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), runNow };
}
