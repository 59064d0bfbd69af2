/** Export of an audit query: every entry the filters match, paged through the server's cursor. */
import { audit as auditApi } from '../api/endpoints';
import type { AuditEntry } from '../api/types';
import type { CsvColumn } from './csv';

/** An audit log can hold millions of entries; an export stops here and says so. */
export const MAX_AUDIT_EXPORT = 50_000;

export async function fetchAllAudit(
  query: Record<string, string | undefined>,
  list = auditApi.list,
): Promise<{ items: AuditEntry[]; truncated: boolean }> {
  const items: AuditEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ ...query, limit: 1000, cursor });
    items.push(...page.items);
    cursor = page.nextCursor || undefined;
  } while (cursor && items.length < MAX_AUDIT_EXPORT);
  return { items: items.slice(0, MAX_AUDIT_EXPORT), truncated: !!cursor };
}

export const AUDIT_CSV_COLUMNS: CsvColumn<AuditEntry>[] = [
  { header: 'at', value: (e) => e.at },
  { header: 'user', value: (e) => e.user },
  { header: 'action', value: (e) => e.action },
  { header: 'cluster', value: (e) => e.cluster },
  {
    header: 'nodes',
    value: (e) => (e.nodes.length ? e.nodes : (e.results ?? []).map((r) => r.name)).join(';'),
  },
  { header: 'outcome', value: (e) => e.outcome },
  { header: 'status', value: (e) => e.status },
  { header: 'message', value: (e) => e.message },
  { header: 'ip', value: (e) => e.ip },
  { header: 'params', value: (e) => (e.params ? JSON.stringify(e.params) : '') },
];
