/** The Audit page's query in the URL, so a shared link reproduces the same entries. */
export interface AuditForm {
  user: string;
  cluster: string;
  node: string;
  operation: string;
  outcome: string;
  range: [Date, Date] | null;
}

function date(s: string | undefined): Date | null {
  if (!s) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function auditFiltersFromQuery(q: Readonly<Record<string, string>>): AuditForm {
  const from = date(q.from);
  const to = date(q.to);
  return {
    user: q.user ?? '',
    cluster: q.cluster ?? '',
    node: q.node ?? '',
    operation: q.operation ?? '',
    outcome: q.outcome ?? '',
    range: from && to ? [from, to] : null,
  };
}

/** Same query ignoring empty values: tells our own URL writes from a pasted link. */
export function sameAuditQuery(
  a: Readonly<Record<string, string | undefined>>,
  b: Readonly<Record<string, string | undefined>>,
): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => (a[k] || '') === (b[k] || ''));
}
