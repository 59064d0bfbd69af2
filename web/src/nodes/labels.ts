/** Which labels are worth a column: a few well-known topology/pool labels and every user-defined one. */

const WELL_KNOWN = [
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'node.kubernetes.io/instance-type',
];

const HIDDEN_PREFIXES = ['node-role.kubernetes.io/', 'beta.kubernetes.io/'];
const HIDDEN_KEYS = new Set(['kubernetes.io/hostname', 'kubernetes.io/arch', 'kubernetes.io/os']);

function isSystem(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const p = key.slice(0, slash);
  return p === 'kubernetes.io' || p.endsWith('.kubernetes.io') || p === 'k8s.io' || p.endsWith('.k8s.io');
}

export function keyLabels(labels: Record<string, string>): [string, string][] {
  const out: [string, string][] = [];
  for (const k of WELL_KNOWN) if (labels[k] !== undefined) out.push([k, labels[k]!]);
  for (const [k, v] of Object.entries(labels)) {
    if (WELL_KNOWN.includes(k) || HIDDEN_KEYS.has(k) || HIDDEN_PREFIXES.some((p) => k.startsWith(p)))
      continue;
    if (isSystem(k)) continue;
    out.push([k, v]);
  }
  return out;
}

export function shortKey(key: string): string {
  const slash = key.lastIndexOf('/');
  return slash >= 0 ? key.slice(slash + 1) : key;
}

/**
 * Shorten `s` to about `px` pixels of 12px UI text, with an ellipsis. An estimate (per-character widths),
 * used so table chips need no clip region of their own; the full text is always in the title.
 */
export function fitText(s: string, px: number): string {
  let w = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    w += c >= 0x2e80 ? 12.5 : c >= 65 && c <= 90 ? 8.2 : c === 109 || c === 119 ? 9.5 : 6.9;
    if (w > px) return `${s.slice(0, Math.max(1, i - 1))}…`;
  }
  return s;
}
