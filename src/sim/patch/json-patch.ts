/**
 * JSON patch (RFC 6902) with the behaviour of gopkg.in/evanphx/json-patch.v4 that the API server uses:
 * a malformed patch document is a 400, any operation that cannot be applied (including a failed `test`) a 422.
 */
import { isObject } from '../types.js';

export class PatchDecodeError extends Error {}
export class PatchApplyError extends Error {}

interface Op {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

export function decodeJsonPatch(body: unknown): Op[] {
  if (!Array.isArray(body))
    throw new PatchDecodeError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  return body.map((o) => {
    if (!isObject(o))
      throw new PatchDecodeError(
        'json: cannot unmarshal non-object into Go value of type jsonpatch.Operation',
      );
    return o as unknown as Op;
  });
}

function parsePointer(path: unknown): string[] {
  if (typeof path !== 'string') throw new PatchApplyError('operation missing path string');
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchApplyError(`invalid path: ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

function resolveParent(doc: unknown, parts: string[], path: string): { parent: Container; key: string } {
  let cur: unknown = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i]!;
    if (Array.isArray(cur)) {
      const idx = Number(p);
      if (!/^\d+$/.test(p) || idx >= cur.length)
        throw new PatchApplyError(`doc is missing path: "${path}": missing value`);
      cur = cur[idx];
    } else if (isObject(cur)) {
      if (!(p in cur)) throw new PatchApplyError(`doc is missing path: "${path}": missing value`);
      cur = cur[p];
    } else throw new PatchApplyError(`doc is missing path: "${path}": missing value`);
  }
  if (!Array.isArray(cur) && !isObject(cur))
    throw new PatchApplyError(`doc is missing path: "${path}": missing value`);
  return { parent: cur, key: parts[parts.length - 1]! };
}

function getAt(doc: unknown, parts: string[]): { found: boolean; value?: unknown } {
  let cur: unknown = doc;
  for (const p of parts) {
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(p) || Number(p) >= cur.length) return { found: false };
      cur = cur[Number(p)];
    } else if (isObject(cur)) {
      if (!(p in cur)) return { found: false };
      cur = cur[p];
    } else return { found: false };
  }
  return { found: true, value: cur };
}

function arrayIndex(arr: unknown[], key: string, forInsert: boolean, path: string): number {
  if (key === '-' && forInsert) return arr.length;
  if (!/^-?\d+$/.test(key)) throw new PatchApplyError(`Unable to access invalid index: ${key}`);
  let idx = Number(key);
  if (idx < 0) {
    // evanphx v4 accepts negative indexes counted from the end.
    if (-idx > arr.length) throw new PatchApplyError(`Unable to access invalid index: ${idx}`);
    idx += arr.length;
  }
  if (forInsert ? idx > arr.length : idx >= arr.length)
    throw new PatchApplyError(`Unable to access invalid index: ${idx} (path: ${path})`);
  return idx;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

function add(doc: unknown, path: string, value: unknown): unknown {
  const parts = parsePointer(path);
  if (parts.length === 0) return structuredClone(value);
  const { parent, key } = resolveParent(doc, parts, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true, path), 0, structuredClone(value));
  else parent[key] = structuredClone(value);
  return doc;
}

function remove(doc: unknown, path: string): { doc: unknown; removed: unknown } {
  const parts = parsePointer(path);
  if (parts.length === 0) throw new PatchApplyError('unable to remove the whole document');
  const { parent, key } = resolveParent(doc, parts, path);
  if (Array.isArray(parent)) {
    const idx = arrayIndex(parent, key, false, path);
    const [removed] = parent.splice(idx, 1);
    return { doc, removed };
  }
  if (!(key in parent)) throw new PatchApplyError(`Unable to remove nonexistent key: ${key}: missing value`);
  const removed = parent[key];
  delete parent[key];
  return { doc, removed };
}

export function applyJsonPatch(target: unknown, ops: Op[]): unknown {
  let doc = structuredClone(target);
  for (const o of ops) {
    switch (o.op) {
      case 'add':
        if (!('value' in o)) throw new PatchApplyError('add operation missing value');
        doc = add(doc, o.path, o.value);
        break;
      case 'remove':
        doc = remove(doc, o.path).doc;
        break;
      case 'replace': {
        if (!('value' in o)) throw new PatchApplyError('replace operation missing value');
        const parts = parsePointer(o.path);
        if (parts.length === 0) {
          doc = structuredClone(o.value);
          break;
        }
        const { parent, key } = resolveParent(doc, parts, o.path);
        if (Array.isArray(parent)) parent[arrayIndex(parent, key, false, o.path)] = structuredClone(o.value);
        else {
          if (!(key in parent))
            throw new PatchApplyError(
              `replace operation does not apply: doc is missing key: ${o.path}: missing value`,
            );
          parent[key] = structuredClone(o.value);
        }
        break;
      }
      case 'move': {
        if (typeof o.from !== 'string') throw new PatchApplyError('move operation missing from');
        const r = remove(doc, o.from);
        doc = add(r.doc, o.path, r.removed);
        break;
      }
      case 'copy': {
        if (typeof o.from !== 'string') throw new PatchApplyError('copy operation missing from');
        const g = getAt(doc, parsePointer(o.from));
        if (!g.found)
          throw new PatchApplyError(
            `copy operation does not apply: doc is missing from path: ${o.from}: missing value`,
          );
        doc = add(doc, o.path, g.value);
        break;
      }
      case 'test': {
        const g = getAt(doc, parsePointer(o.path));
        const expected = 'value' in o ? o.value : null;
        if (!g.found) {
          if (expected === null) break;
          throw new PatchApplyError(`testing value ${o.path} failed: test failed`);
        }
        if (!deepEqual(g.value, expected))
          throw new PatchApplyError(`testing value ${o.path} failed: test failed`);
        break;
      }
      default:
        throw new PatchApplyError(`Unexpected kind: ${String(o.op)}`);
    }
  }
  return doc;
}
