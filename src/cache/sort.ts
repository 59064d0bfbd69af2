/**
 * Sorting node rows: every NodeRow column is sortable (plus `capacity.<resource>` / `allocatable.<resource>`
 * by quantity). Order is total and stable: the column, then cluster, then name (natural order, so node-2
 * sorts before node-10). Missing values sort last in both directions.
 */
import { qualifiedNameProblem } from '../kube/names.js';
import { parseQuantity } from './quantity.js';
import type { NodeRecord } from './types.js';
import { CORDON_REASON } from './types.js';
import { RESOURCE_SHARE_FIELDS, type ResourceShareField } from '../usage/types.js';

export type SortValue = number | string | null;
type Kind = 'num' | 'str' | 'nat';

export interface SortField {
  readonly name: string;
  readonly kind: Kind;
  value(cluster: string, rec: NodeRecord, podCount: number | null): SortValue;
  /** A live resource share: the query engine reads it from the view, not from the record. */
  readonly share?: ResourceShareField;
}

export interface SortSpec {
  field: SortField;
  desc: boolean;
}

/** Natural comparison without allocation: digit runs compare by numeric value. */
export function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    const da = ca >= 48 && ca <= 57;
    const db = cb >= 48 && cb <= 57;
    if (da && db) {
      let ia = i;
      let jb = j;
      while (ia < a.length && a.charCodeAt(ia) === 48) ia++;
      while (jb < b.length && b.charCodeAt(jb) === 48) jb++;
      let ea = ia;
      let eb = jb;
      while (ea < a.length && a.charCodeAt(ea) >= 48 && a.charCodeAt(ea) <= 57) ea++;
      while (eb < b.length && b.charCodeAt(eb) >= 48 && b.charCodeAt(eb) <= 57) eb++;
      const la = ea - ia;
      const lb = eb - jb;
      if (la !== lb) return la - lb;
      for (let k = 0; k < la; k++) {
        const d = a.charCodeAt(ia + k) - b.charCodeAt(jb + k);
        if (d !== 0) return d;
      }
      i = ea;
      j = eb;
      continue;
    }
    if (ca !== cb) return ca - cb;
    i++;
    j++;
  }
  const rest = a.length - i - (b.length - j);
  if (rest !== 0) return rest;
  // equal but for leading zeros ("n-01" vs "n-1"): still a total order
  return a === b ? 0 : a < b ? -1 : 1;
}

function ipKey(ip: string | undefined): SortValue {
  if (!ip) return null;
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (v4) return ((Number(v4[1]) * 256 + Number(v4[2])) * 256 + Number(v4[3])) * 256 + Number(v4[4]);
  // IPv6 addresses after every IPv4 address (then by cluster and name)
  return 2 ** 33;
}

const str = (v: string | undefined | null): SortValue =>
  v === undefined || v === null || v === '' ? null : v;

const F = (name: string, kind: Kind, value: SortField['value']): SortField => ({ name, kind, value });

const FIELDS: SortField[] = [
  F('cluster', 'nat', (c) => c),
  F('name', 'nat', (_c, r) => r.name),
  F('uid', 'str', (_c, r) => r.uid),
  F('resourceVersion', 'nat', (_c, r) => r.resourceVersion),
  F('status', 'str', (_c, r) => r.status),
  F('schedulable', 'num', (_c, r) => (r.unschedulable ? 0 : 1)),
  F('unschedulable', 'num', (_c, r) => (r.unschedulable ? 1 : 0)),
  F('cordon', 'str', (_c, r) => (r.unschedulable ? (r.annotations[CORDON_REASON] ?? '') : null)),
  F('roles', 'str', (_c, r) => str(r.roles.join(','))),
  F('internalIP', 'num', (_c, r) => ipKey(r.internalIP)),
  F('externalIP', 'num', (_c, r) => ipKey(r.externalIP)),
  F('hostname', 'nat', (_c, r) => str(r.hostname)),
  F('labels', 'num', (_c, r) => Object.keys(r.labels).length),
  F('taints', 'num', (_c, r) => r.taints.length),
  F('podCount', 'num', (_c, _r, p) => p),
  F('kubeletVersion', 'nat', (_c, r) => str(r.systemInfo.kubeletVersion)),
  F('osImage', 'nat', (_c, r) => str(r.systemInfo.osImage)),
  F('kernelVersion', 'nat', (_c, r) => str(r.systemInfo.kernelVersion)),
  F('containerRuntime', 'nat', (_c, r) => str(r.systemInfo.containerRuntimeVersion)),
  F('architecture', 'str', (_c, r) => str(r.systemInfo.architecture)),
  F('createdAt', 'str', (_c, r) => str(r.createdAt)),
  F(
    'conditions',
    'num',
    (_c, r) =>
      r.conditions.filter((c) => (c.type === 'Ready' ? c.status !== 'True' : c.status === 'True')).length,
  ),
  ...RESOURCE_SHARE_FIELDS.map((share): SortField => ({
    name: share,
    kind: 'num',
    value: () => null,
    share,
  })),
];
const BY_NAME = new Map(FIELDS.map((f) => [f.name, f]));
const RESOURCE_RE = /^(capacity|allocatable)\.(.+)$/;
/**
 * Only names a node could report are sort keys: the name comes from the query string and is used as a property
 * name, so `__proto__`, `constructor` and the like must never reach a lookup (they did, and answered 500).
 * Resource names follow the label-key syntax (`cpu`, `hugepages-2Mi`, `nvidia.com/gpu`).
 */
export function isResourceName(name: string): boolean {
  return qualifiedNameProblem(name) === undefined && !(name in Object.prototype);
}

export const SORT_FIELD_NAMES = [...BY_NAME.keys(), 'capacity.<resource>', 'allocatable.<resource>'];
export const SORT_RESOURCE_HINT = '<resource> is a resource name such as cpu, memory, pods or nvidia.com/gpu';

/** `-podCount` → {podCount, desc}; undefined for an unknown column. */
export function parseSort(s: string): SortSpec | undefined {
  const desc = s.startsWith('-');
  const name = desc || s.startsWith('+') ? s.slice(1) : s;
  const f = BY_NAME.get(name);
  if (f) return { field: f, desc };
  const m = RESOURCE_RE.exec(name);
  if (!m || !isResourceName(m[2]!)) return undefined;
  const which = m[1] as 'capacity' | 'allocatable';
  const res = m[2]!;
  const value = (r: NodeRecord) => {
    const map = r[which];
    const q = Object.hasOwn(map, res) ? map[res] : undefined;
    return typeof q === 'string' ? (parseQuantity(q) ?? null) : null;
  };
  return { field: F(name, 'num', (_c, r) => value(r)), desc };
}

export const DEFAULT_SORT: SortSpec = { field: BY_NAME.get('cluster')!, desc: false };

export interface Sortable {
  v: SortValue;
  cluster: string;
  name: string;
  /** The name's position in its cluster's natural name order, when known: ties then cost one subtraction. */
  r?: number;
}

export function comparator(spec: SortSpec): (a: Sortable, b: Sortable) => number {
  const { kind } = spec.field;
  const dir = spec.desc ? -1 : 1;
  return (a, b) => {
    if (a.v !== b.v) {
      if (a.v === null) return 1;
      if (b.v === null) return -1;
      let d: number;
      if (kind === 'num') d = (a.v as number) - (b.v as number);
      else if (kind === 'nat') d = naturalCompare(a.v as string, b.v as string);
      else d = a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
      if (d !== 0) return d * dir;
    }
    if (a.cluster !== b.cluster) return naturalCompare(a.cluster, b.cluster);
    if (a.r !== undefined && b.r !== undefined) return a.r - b.r;
    return naturalCompare(a.name, b.name);
  };
}
