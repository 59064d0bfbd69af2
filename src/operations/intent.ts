/**
 * Node write intents and how each becomes a JSON patch against one freshly read node.
 *
 * An intent says what the user wants ("label a=1, drop b", "add taint k:NoSchedule"), never a whole new map
 * computed earlier, so a retry after a conflict re-applies it to whatever the node looks like now and keeps
 * everybody else's concurrent changes (see write.ts).
 *
 * Cordon bookkeeping lives in annotations under the product-owned prefix `nodes.knm.io/`:
 *   nodes.knm.io/cordon-reason  free text given with the cordon (absent when none was given)
 *   nodes.knm.io/cordoned-by    username that cordoned the node through this product
 *   nodes.knm.io/cordoned-at    RFC 3339 time of that cordon
 * Uncordon removes all three. A node cordoned elsewhere (kubectl) has none of them and shows as cordoned
 * with no reason.
 */
import type { KubeNode, Taint } from '../kube/types.js';
import type { TaintRemoval } from './validation.js';

export const CORDON_REASON_ANNOTATION = 'nodes.knm.io/cordon-reason';
export const CORDONED_BY_ANNOTATION = 'nodes.knm.io/cordoned-by';
export const CORDONED_AT_ANNOTATION = 'nodes.knm.io/cordoned-at';
export const CORDON_ANNOTATIONS = [CORDON_REASON_ANNOTATION, CORDONED_BY_ANNOTATION, CORDONED_AT_ANNOTATION];

export interface LabelChanges {
  set: Record<string, string>;
  remove: string[];
}

export interface TaintChanges {
  add: Taint[];
  remove: TaintRemoval[];
}

export type NodeIntent =
  | { kind: 'cordon'; reason?: string; by: string }
  | { kind: 'uncordon' }
  | { kind: 'labels'; labels: LabelChanges }
  | { kind: 'taints'; taints: TaintChanges }
  /** A template: labels and taints together, written in one patch. */
  | { kind: 'template'; labels?: LabelChanges; taints?: TaintChanges };

export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'test';
  path: string;
  value?: unknown;
}

export interface Plan {
  ops: JsonPatchOp[];
  changed: boolean;
}

/** RFC 6901 escaping of one path segment. */
export const pointer = (seg: string) => seg.replace(/~/g, '~0').replace(/\//g, '~1');

/** Ops that bring one string map (labels or annotations) to `set`/`remove`, creating the map when needed. */
function mapOps(
  current: Record<string, string> | undefined,
  base: '/metadata/labels' | '/metadata/annotations',
  set: Record<string, string>,
  remove: string[],
): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  for (const [k, v] of Object.entries(set)) {
    if (current?.[k] !== v) ops.push({ op: 'add', path: `${base}/${pointer(k)}`, value: v });
  }
  for (const k of remove) {
    if (current && Object.prototype.hasOwnProperty.call(current, k))
      ops.push({ op: 'remove', path: `${base}/${pointer(k)}` });
  }
  if (ops.length && !current) ops.unshift({ op: 'add', path: base, value: {} });
  return ops;
}

const sameTaint = (a: Taint, b: { key: string; effect?: string }) => a.key === b.key && a.effect === b.effect;

/**
 * kubectl semantics: a taint is identified by key AND effect; adding an existing key+effect replaces its
 * value; removing by key alone removes every effect of that key. Order is kept; new taints go last.
 */
export function applyTaintChanges(current: Taint[], changes: TaintChanges, now: Date): Taint[] {
  let next = current.filter(
    (t) => !changes.remove.some((r) => t.key === r.key && (!r.effect || t.effect === r.effect)),
  );
  for (const a of changes.add) {
    const i = next.findIndex((t) => sameTaint(t, a));
    const fresh: Taint = { key: a.key, ...(a.value ? { value: a.value } : {}), effect: a.effect };
    // NoExecute tolerationSeconds count from timeAdded, so it moves only when the taint itself changes.
    if (a.effect === 'NoExecute') fresh.timeAdded = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (i < 0) next = [...next, fresh];
    else if ((next[i]!.value ?? '') !== (a.value ?? '')) next = next.map((t, j) => (j === i ? fresh : t));
  }
  return next;
}

function taintsEqual(a: Taint[], b: Taint[]): boolean {
  return (
    a.length === b.length && a.every((t, i) => sameTaint(t, b[i]!) && (t.value ?? '') === (b[i]!.value ?? ''))
  );
}

function taintOps(node: KubeNode, changes: TaintChanges, now: Date): JsonPatchOp[] {
  const current = node.spec?.taints ?? [];
  const next = applyTaintChanges(current, changes, now);
  if (taintsEqual(current, next)) return [];
  // spec.taints has no merge key: the list is written whole; the resourceVersion test makes that safe.
  if (next.length === 0) return [{ op: 'remove', path: '/spec/taints' }];
  if (!node.spec) return [{ op: 'add', path: '/spec', value: { taints: next } }];
  return [{ op: 'add', path: '/spec/taints', value: next }];
}

/** RFC 3339 without fractions, as Kubernetes writes times. */
const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function planIntent(node: KubeNode, intent: NodeIntent, now: Date): Plan {
  const ops: JsonPatchOp[] = [];
  const annotations = node.metadata.annotations;
  switch (intent.kind) {
    case 'cordon': {
      // Already cordoned (by us or anyone): leave it, including who/why of the first cordon.
      if (node.spec?.unschedulable === true) break;
      if (!node.spec) ops.push({ op: 'add', path: '/spec', value: { unschedulable: true } });
      else ops.push({ op: 'add', path: '/spec/unschedulable', value: true });
      const set: Record<string, string> = {
        [CORDONED_BY_ANNOTATION]: intent.by,
        [CORDONED_AT_ANNOTATION]: rfc3339(now),
      };
      if (intent.reason) set[CORDON_REASON_ANNOTATION] = intent.reason;
      ops.push(
        ...mapOps(annotations, '/metadata/annotations', set, intent.reason ? [] : [CORDON_REASON_ANNOTATION]),
      );
      break;
    }
    case 'uncordon': {
      if (node.spec?.unschedulable === true) ops.push({ op: 'remove', path: '/spec/unschedulable' });
      ops.push(...mapOps(annotations, '/metadata/annotations', {}, CORDON_ANNOTATIONS));
      break;
    }
    case 'labels':
      ops.push(...mapOps(node.metadata.labels, '/metadata/labels', intent.labels.set, intent.labels.remove));
      break;
    case 'taints':
      ops.push(...taintOps(node, intent.taints, now));
      break;
    case 'template':
      if (intent.labels)
        ops.push(
          ...mapOps(node.metadata.labels, '/metadata/labels', intent.labels.set, intent.labels.remove),
        );
      if (intent.taints) ops.push(...taintOps(node, intent.taints, now));
      break;
  }
  return { ops, changed: ops.length > 0 };
}

/** Contents of a template, as stored and applied. */
export interface TemplateContent {
  labels?: LabelChanges & { allowSystem?: boolean };
  taints?: TaintChanges;
}
