/**
 * Audit before act: every change to a cluster is recorded as an intent (who, what target, the complete
 * change) before anything is sent, and the same entry is completed with the result afterwards. When the
 * intent cannot be stored nothing is sent and the caller answers 503: a change nobody can account for is worse
 * than a change refused. The store's own error (SQLITE_FULL, PostgreSQL 53100 …) goes to the log.
 */
import type { AuditCompletion, AuditRecord } from '../audit/log.js';
import { ApiError } from '../errors.js';
import { storeErrorCode } from '../store/transaction.js';
import type { AuditSink } from './ports.js';

/** Where failures to record go: the product's logger or a request's. */
export interface ErrorLog {
  error(obj: Record<string, unknown>, msg: string): void;
}

export type IntentRecord = Omit<AuditRecord, 'outcome' | 'status' | 'results'>;

export interface AuditIntent {
  /** The entry's id when the sink stores intents (absent for sinks that only append whole entries). */
  readonly id?: string;
  /** Completes the entry; never throws (the change is done: a failure to say so is logged, the intent stays). */
  complete(result: AuditCompletion): Promise<void>;
}

export class AuditUnavailableError extends ApiError {
  constructor(readonly storeError: unknown) {
    const code = storeErrorCode(storeError);
    super(
      503,
      'AuditUnavailable',
      `nothing was changed: the audit log could not record this change${code ? ` (store error ${code})` : ''}; ` +
        'try again once the database can take writes',
    );
  }
}

/**
 * Writes the intent; throws AuditUnavailableError (503) when the store refuses it. Without a sink (unit tests
 * of the services alone) there is nothing to record and the change goes ahead.
 */
export async function recordIntent(
  sink: AuditSink | undefined,
  entry: IntentRecord,
  log?: ErrorLog,
): Promise<AuditIntent> {
  if (!sink) return { complete: async () => undefined };
  if (!sink.begin || !sink.complete) {
    // A sink that can only append gets the whole entry once the result is known.
    return {
      complete: async (result) => {
        try {
          await sink.record({ ...entry, ...result });
        } catch (err) {
          log?.error({ err, action: entry.action, cluster: entry.cluster }, 'audit record failed');
        }
      },
    };
  }
  let id: string;
  try {
    id = await sink.begin(entry);
  } catch (err) {
    log?.error(
      {
        err,
        code: storeErrorCode(err),
        action: entry.action,
        cluster: entry.cluster,
        nodes: entry.nodes?.length,
      },
      'audit intent could not be recorded; nothing was sent to the cluster',
    );
    throw new AuditUnavailableError(err);
  }
  const complete = sink.complete.bind(sink);
  return {
    id,
    async complete(result) {
      try {
        await complete(id, result);
      } catch (err) {
        log?.error(
          { err, code: storeErrorCode(err), entry: id, action: entry.action, outcome: result.outcome },
          'audit result could not be recorded; the entry stays pending',
        );
      }
    },
  };
}
