/**
 * CSV and JSON files of what a page shows. Cells a spreadsheet would run as a formula (leading = + - @, tab or
 * carriage return) get a leading apostrophe: exported node names and audit messages come from clusters and
 * users, and opening the file must not execute them.
 */

export interface CsvColumn<T> {
  header: string;
  value: (row: T) => string | number | boolean | null | undefined;
}

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  // Numbers are data, not formulas: -3 stays a negative number.
  if (typeof v !== 'number' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180: CRLF line ends, header row first. */
export function toCsv<T>(rows: readonly T[], columns: readonly CsvColumn<T>[]): string {
  const lines = [columns.map((c) => csvCell(c.header)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvCell(c.value(r))).join(','));
  return lines.join('\r\n') + '\r\n';
}

export function toJson(rows: readonly unknown[]): string {
  return JSON.stringify(rows, null, 2) + '\n';
}

/** Saves text as a file through a temporary link (no server round trip). */
export function downloadText(filename: string, text: string, mime: string): void {
  // A BOM so spreadsheet programs read UTF-8 (node names, Chinese messages) correctly.
  const body = mime.startsWith('text/csv') ? `\uFEFF${text}` : text;
  const url = URL.createObjectURL(new Blob([body], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** `nodes-2026-12-07T0035.csv`: sortable, no characters a file system refuses. */
export function exportFileName(prefix: string, ext: 'csv' | 'json', now = new Date()): string {
  return `${prefix}-${now.toISOString().slice(0, 16).replace(':', '')}.${ext}`;
}
