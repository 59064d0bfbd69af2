/** Display helpers for node quantities and times. */
// Quantities are read by the server's own parser (a module without imports), so a row sorted on the server and
// a cell shown in the console never disagree about what "1500m" or "1e3" means.
import { parseQuantity as parseServedQuantity } from '../../../src/cache/quantity';
import { humanAge } from '../../../src/kube/age';

/** A Kubernetes quantity as a number in base units (cores, bytes, count); NaN when absent or unreadable. */
export function parseQuantity(q: string | undefined): number {
  return parseServedQuantity(q) ?? NaN;
}

export function formatCpu(q: string | undefined): string {
  const n = parseQuantity(q);
  if (Number.isNaN(n)) return '–';
  return Number.isInteger(n)
    ? String(n)
    : n < 1
      ? `${Math.round(n * 1000)}m`
      : n.toFixed(2).replace(/\.?0+$/, '');
}

export function formatBytes(q: string | undefined): string {
  const n = parseQuantity(q);
  if (Number.isNaN(n)) return '–';
  const units = ['B', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || Number.isInteger(v) ? Math.round(v) : v.toFixed(1)}${units[i]}`;
}

export function formatCount(q: string | undefined): string {
  const n = parseQuantity(q);
  return Number.isNaN(n) ? '–' : String(Math.round(n));
}

/** kubectl-style age: 45s, 12m, 5h, 3d, 2y. */
export function age(iso: string | undefined, now: number = Date.now()): string {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? '–' : humanAge(now - t);
}

export function formatTime(iso: string | undefined | null): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export const nodeKey = (cluster: string, name: string) => `${cluster}/${name}`;
