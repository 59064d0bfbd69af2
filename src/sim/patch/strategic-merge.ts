/**
 * Strategic merge patch for the fields of the kinds the simulator serves. List behaviour comes from the Go
 * struct tags of k8s.io/api (patchStrategy / patchMergeKey); a list without a strategy — notably
 * `spec.taints` on nodes — is replaced whole, which is exactly what makes concurrent taint edits lossy.
 */
import { isObject } from '../types.js';

interface FieldStrategy {
  /** Merge list elements by this key. */
  mergeKey?: string;
  /** Merge a list of scalars as a set union. */
  primitiveMerge?: boolean;
  /** Replace a map as a whole (patchStrategy:"replace"). */
  replaceMap?: boolean;
}

const POD_SPEC: Record<string, FieldStrategy> = {
  containers: { mergeKey: 'name' },
  initContainers: { mergeKey: 'name' },
  ephemeralContainers: { mergeKey: 'name' },
  'containers[].ports': { mergeKey: 'containerPort' },
  'containers[].env': { mergeKey: 'name' },
  'containers[].volumeMounts': { mergeKey: 'mountPath' },
  'containers[].volumeDevices': { mergeKey: 'devicePath' },
  'initContainers[].ports': { mergeKey: 'containerPort' },
  'initContainers[].env': { mergeKey: 'name' },
  'initContainers[].volumeMounts': { mergeKey: 'mountPath' },
  volumes: { mergeKey: 'name' },
  imagePullSecrets: { mergeKey: 'name' },
  hostAliases: { mergeKey: 'ip' },
  topologySpreadConstraints: { mergeKey: 'topologyKey' },
  resourceClaims: { mergeKey: 'name' },
  schedulingGates: { mergeKey: 'name' },
};

const COMMON: Record<string, FieldStrategy> = {
  'metadata.finalizers': { primitiveMerge: true },
  'metadata.ownerReferences': { mergeKey: 'uid' },
};

function withPrefix(prefix: string, m: Record<string, FieldStrategy>): Record<string, FieldStrategy> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [`${prefix}${k}`, v]));
}

const SCHEMAS: Record<string, Record<string, FieldStrategy>> = {
  nodes: {
    'spec.podCIDRs': { primitiveMerge: true },
    'status.conditions': { mergeKey: 'type' },
    'status.addresses': { mergeKey: 'type' },
    'status.volumesAttached': { mergeKey: 'name' },
  },
  pods: {
    ...withPrefix('spec.', POD_SPEC),
    'status.conditions': { mergeKey: 'type' },
    'status.podIPs': { mergeKey: 'ip' },
    'status.hostIPs': { mergeKey: 'ip' },
  },
  namespaces: { 'status.conditions': { mergeKey: 'type' } },
  poddisruptionbudgets: {
    'spec.selector': { replaceMap: true },
    'status.conditions': { mergeKey: 'type' },
  },
  daemonsets: { ...withPrefix('spec.template.spec.', POD_SPEC), 'status.conditions': { mergeKey: 'type' } },
  replicasets: { ...withPrefix('spec.template.spec.', POD_SPEC), 'status.conditions': { mergeKey: 'type' } },
  deployments: { ...withPrefix('spec.template.spec.', POD_SPEC), 'status.conditions': { mergeKey: 'type' } },
  statefulsets: { ...withPrefix('spec.template.spec.', POD_SPEC), 'status.conditions': { mergeKey: 'type' } },
  events: {},
};

export class StrategicPatchError extends Error {}

const DELETE = Symbol('delete');

export function applyStrategicMergePatch(resource: string, original: unknown, patch: unknown): unknown {
  if (!isObject(patch)) {
    throw new StrategicPatchError(
      `json: cannot unmarshal ${Array.isArray(patch) ? 'array' : typeof patch} into Go value of type map[string]interface {}`,
    );
  }
  const schema = { ...COMMON, ...(SCHEMAS[resource] ?? {}) };
  const r = mergeMap(schema, isObject(original) ? original : undefined, patch, '');
  return r === DELETE ? {} : r;
}

function mergeMap(
  schema: Record<string, FieldStrategy>,
  orig: Record<string, unknown> | undefined,
  patch: Record<string, unknown>,
  path: string,
): Record<string, unknown> | typeof DELETE {
  const directive = patch['$patch'];
  if (directive === 'delete') return DELETE;
  if (directive === 'replace' || schema[path]?.replaceMap) return stripped(schema, patch, path);
  if (directive !== undefined && directive !== 'merge')
    throw new StrategicPatchError(`Unknown patch type: ${String(directive)}`);
  const out: Record<string, unknown> = orig ? { ...orig } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(v)) out[field] = cur.filter((x) => !v.includes(x));
      continue;
    }
    const child = path ? `${path}.${k}` : k;
    if (v === null) delete out[k];
    else if (isObject(v)) {
      const r = mergeMap(
        schema,
        isObject(out[k]) ? (out[k] as Record<string, unknown>) : undefined,
        v,
        child,
      );
      if (r === DELETE) delete out[k];
      else out[k] = r;
    } else if (Array.isArray(v)) out[k] = mergeList(schema, out[k], v, child);
    else out[k] = v;
  }
  const retain = patch['$retainKeys'];
  if (Array.isArray(retain)) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  return out;
}

function stripped(
  schema: Record<string, FieldStrategy>,
  patch: Record<string, unknown>,
  path: string,
): Record<string, unknown> {
  const { $patch: _ignored, ...rest } = patch;
  const r = mergeMap(schema, undefined, rest, path === '' ? '' : `${path}\u0000`);
  return r === DELETE ? {} : r;
}

function mergeList(
  schema: Record<string, FieldStrategy>,
  orig: unknown,
  patch: unknown[],
  path: string,
): unknown[] {
  const s = schema[path];
  const elemPath = `${path}[]`;
  if (s?.primitiveMerge) {
    const out = Array.isArray(orig) ? [...orig] : [];
    for (const v of patch) if (!out.includes(v)) out.push(v);
    return out;
  }
  if (s?.mergeKey) {
    const key = s.mergeKey;
    if (patch.some((e) => isObject(e) && e['$patch'] === 'replace')) {
      return patch
        .filter((e) => !(isObject(e) && e['$patch'] === 'replace'))
        .map((e) =>
          isObject(e) ? (mergeMap(schema, undefined, e, elemPath) as Record<string, unknown>) : e,
        );
    }
    const out: unknown[] = Array.isArray(orig) ? [...orig] : [];
    for (const el of patch) {
      if (!isObject(el)) {
        out.push(el);
        continue;
      }
      const idx = out.findIndex((o) => isObject(o) && o[key] === el[key]);
      if (el['$patch'] === 'delete') {
        for (let i = out.length - 1; i >= 0; i--) {
          const o = out[i];
          if (isObject(o) && o[key] === el[key]) out.splice(i, 1);
        }
        continue;
      }
      const merged = mergeMap(
        schema,
        idx >= 0 ? (out[idx] as Record<string, unknown>) : undefined,
        el,
        elemPath,
      );
      if (merged === DELETE) {
        if (idx >= 0) out.splice(idx, 1);
      } else if (idx >= 0) out[idx] = merged;
      else out.push(merged);
    }
    return out;
  }
  // No strategy: the patch's list replaces the original list.
  return patch.map((e) =>
    isObject(e) ? (mergeMap(schema, undefined, e, `${path}\u0000`) as Record<string, unknown>) : e,
  );
}
