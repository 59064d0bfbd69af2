/**
 * The audit log as the API shows it. Types only: the console imports this module, so it must stay free of
 * runtime imports.
 */

/**
 * `pending`: an intent recorded before a change was sent to a cluster and not completed since — the process
 * stopped, or the store failed, between the change and its result. Check the target.
 */
export type AuditOutcome = 'success' | 'failure' | 'denied' | 'partial' | 'pending';

export interface AuditNodeResult {
  cluster?: string;
  name: string;
  outcome: string;
  message?: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  user: string | null;
  ip: string | null;
  requestId: string | null;
  action: string;
  cluster: string | null;
  nodes: string[];
  params: Record<string, unknown> | null;
  outcome: AuditOutcome;
  status: number | null;
  message: string | null;
  results: AuditNodeResult[] | null;
}

export interface AuditPage {
  items: AuditEntry[];
  /** Opaque; pass as `cursor` for the next (older) page. Absent on the last page. */
  nextCursor?: string;
}
