/**
 * Client-side matching for the node filters that the server also accepts: Kubernetes label selectors
 * (k8s.io/apimachinery labels.Parse syntax) and the taint filter (`key`, `key=value`, `key:Effect`,
 * `key=value:Effect`). The table filters the live cache locally so rows enter and leave as they change.
 */
import type { Taint } from '../api/types';

type Op = 'exists' | '!exists' | '=' | '!=' | 'in' | 'notin' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  op: Op;
  values: string[];
}

export class SelectorError extends Error {}

function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth < 0) throw new SelectorError('unbalanced parenthesis');
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (depth !== 0) throw new SelectorError('unbalanced parenthesis');
  parts.push(cur);
  return parts.map((p) => p.trim());
}

const KEY = String.raw`[A-Za-z0-9][-A-Za-z0-9_./]*`;
const VAL = String.raw`[-A-Za-z0-9_.]*`;
const SET_RE = new RegExp(String.raw`^(${KEY})\s+(in|notin)\s*\(\s*(.*)\s*\)$`);
const CMP_RE = new RegExp(String.raw`^(${KEY})\s*(==|!=|=|>|<)\s*(${VAL})$`);
const EXISTS_RE = new RegExp(String.raw`^(!?)\s*(${KEY})$`);

export function parseSelector(text: string): Requirement[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  return splitTopLevel(trimmed).map((part) => {
    if (!part) throw new SelectorError('empty requirement');
    let m = SET_RE.exec(part);
    if (m) {
      const values = m[3]!
        .split(',')
        .map((v) => v.trim())
        .filter((v, _i, all) => v !== '' || all.length === 1);
      if (values.some((v) => !new RegExp(`^${VAL}$`).test(v)))
        throw new SelectorError(`invalid value in "${part}"`);
      return { key: m[1]!, op: m[2] as Op, values };
    }
    m = CMP_RE.exec(part);
    if (m) {
      const sym = m[2]!;
      const op: Op = sym === '!=' ? '!=' : sym === '>' ? 'gt' : sym === '<' ? 'lt' : '=';
      if ((op === 'gt' || op === 'lt') && !/^-?\d+$/.test(m[3]!))
        throw new SelectorError(`"${part}" needs a number`);
      return { key: m[1]!, op, values: [m[3]!] };
    }
    m = EXISTS_RE.exec(part);
    if (m) return { key: m[2]!, op: m[1] ? '!exists' : 'exists', values: [] };
    throw new SelectorError(`cannot parse "${part}"`);
  });
}

export function matchesSelector(labels: Record<string, string>, reqs: Requirement[]): boolean {
  for (const r of reqs) {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = labels[r.key];
    switch (r.op) {
      case 'exists':
        if (!has) return false;
        break;
      case '!exists':
        if (has) return false;
        break;
      case '=':
        if (!has || v !== r.values[0]) return false;
        break;
      case '!=':
        if (has && v === r.values[0]) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(v!)) return false;
        break;
      case 'notin':
        if (has && r.values.includes(v!)) return false;
        break;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v!)) return false;
        const n = Number(v);
        const want = Number(r.values[0]);
        if (r.op === 'gt' ? !(n > want) : !(n < want)) return false;
        break;
      }
    }
  }
  return true;
}

export interface TaintQuery {
  key: string;
  value?: string;
  effect?: string;
}

export function parseTaintQuery(text: string): TaintQuery | null {
  const t = text.trim();
  if (!t) return null;
  let rest = t;
  let effect: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    effect = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!effect) throw new SelectorError('missing effect after ":"');
  }
  const eq = rest.indexOf('=');
  const key = eq >= 0 ? rest.slice(0, eq) : rest;
  if (!key) throw new SelectorError('missing taint key');
  return { key, ...(eq >= 0 ? { value: rest.slice(eq + 1) } : {}), ...(effect ? { effect } : {}) };
}

export function matchesTaint(taints: Taint[], q: TaintQuery): boolean {
  return taints.some(
    (t) =>
      t.key === q.key &&
      (q.value === undefined || (t.value ?? '') === q.value) &&
      (q.effect === undefined || t.effect === q.effect),
  );
}
