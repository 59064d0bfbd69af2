/**
 * LIST semantics of the real API server: resourceVersion / resourceVersionMatch, limit and continue over a
 * consistent snapshot (continue tokens carry the snapshot's resourceVersion and the last key, in the
 * k8s.io/apiserver format), label and field selectors, remainingItemCount.
 */
import type { KindStore } from './kind-store.js';
import { lowerBound } from './sorted-keys.js';
import {
  exactField,
  matchFields,
  matchLabels,
  type FieldRequirement,
  type LabelSelector,
} from './selectors.js';
import { badRequest, expired, invalid, timeoutError, type StatusError } from './status.js';
import type { KObject } from './types.js';

export interface ListParams {
  namespace?: string;
  labelSelector?: LabelSelector;
  fieldSelector?: FieldRequirement[];
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  items: KObject[];
  resourceVersion: number;
  continue?: string;
  remainingItemCount?: number;
}

export interface ListContext {
  store: KindStore;
  currentRv(): number;
  /** Resolves true once the global resourceVersion reaches `rv`, false after the timeout. */
  waitForRv(rv: number, timeoutMs: number): Promise<boolean>;
}

/** How long the real watch cache waits for a resourceVersion it has not seen yet. */
export const TOO_LARGE_RV_WAIT_MS = 3000;

const CONTINUE_EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list ' +
  'without the continue parameter, or use the continue token in this response to retrieve the remainder of the ' +
  'results. Continuing with the provided token results in an inconsistent list - objects that were created, ' +
  'modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export function encodeContinue(rv: number, relStartKey: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: relStartKey })).toString('base64url');
}

export function decodeContinue(token: string): { rv: number; start: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch (e) {
    throw badRequest(`invalid continue token: continue key is not valid: ${(e as Error).message}`);
  }
  const c = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (c?.v !== 'meta.k8s.io/v1')
    throw badRequest(
      `invalid continue token: continue key is not valid: server does not recognize this encoded version ${String(c?.v)}`,
    );
  if (typeof c.rv !== 'number' || c.rv === 0)
    throw badRequest(
      'invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  if (typeof c.start !== 'string' || c.start.length === 0)
    throw badRequest(
      'invalid continue token: continue key is not valid: encoded start key empty (version meta.k8s.io/v1)',
    );
  if (c.start.split('/').some((p) => p === '..' || p === '.'))
    throw badRequest(`invalid continue token: continue key is not valid: ${c.start}`);
  return { rv: c.rv, start: c.start };
}

function listOptionsInvalid(
  field: string,
  body: string,
  type: 'FieldValueForbidden' | 'FieldValueNotSupported',
): StatusError {
  return invalid('ListOptions', 'meta.k8s.io', '', [{ type, field, body }]);
}

export function parseRv(raw: string): number {
  if (!/^\d+$/.test(raw))
    throw badRequest(
      `invalid resource version: strconv.ParseUint: parsing ${JSON.stringify(raw)}: invalid syntax`,
    );
  return Number(raw);
}

export function tooLargeRv(rv: number, current: number): StatusError {
  return timeoutError(`Too large resource version: ${rv}, current: ${current}`, 1, [
    { reason: 'ResourceVersionTooLarge', message: 'Too large resource version' },
  ]);
}

/** Validates list options the way metainternalversion validation does (422 on the ListOptions kind). */
export function validateListOptions(p: ListParams): void {
  const match = p.resourceVersionMatch;
  if (match) {
    if (!p.resourceVersion)
      throw listOptionsInvalid(
        'resourceVersionMatch',
        'Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
        'FieldValueForbidden',
      );
    if (p.continueToken)
      throw listOptionsInvalid(
        'resourceVersionMatch',
        'Forbidden: resourceVersionMatch is forbidden when continue is provided',
        'FieldValueForbidden',
      );
    if (match !== 'Exact' && match !== 'NotOlderThan')
      throw listOptionsInvalid(
        'resourceVersionMatch',
        `Unsupported value: ${JSON.stringify(match)}: supported values: "Exact", "NotOlderThan", ""`,
        'FieldValueNotSupported',
      );
    if (match === 'Exact' && p.resourceVersion === '0')
      throw listOptionsInvalid(
        'resourceVersionMatch',
        'Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
        'FieldValueForbidden',
      );
  }
}

async function ensureRv(ctx: ListContext, rv: number): Promise<void> {
  if (rv <= ctx.currentRv()) return;
  if (await ctx.waitForRv(rv, TOO_LARGE_RV_WAIT_MS)) return;
  throw tooLargeRv(rv, ctx.currentRv());
}

/** Keys (sorted) from which a list of this store may draw, honouring the namespace and the per-node index. */
function candidateKeys(
  store: KindStore,
  p: ListParams,
): { keys: readonly string[]; from: number; to: number } {
  const nodeName = store.byNode && p.fieldSelector ? exactField(p.fieldSelector, 'spec.nodeName') : undefined;
  let keys: readonly string[];
  if (nodeName !== undefined) keys = [...(store.byNode!.get(nodeName) ?? [])].sort();
  else keys = store.keys.get();
  if (p.namespace !== undefined) {
    return { keys, from: lowerBound(keys, `${p.namespace}/`), to: lowerBound(keys, `${p.namespace}0`) };
  }
  return { keys, from: 0, to: keys.length };
}

export async function listObjects(ctx: ListContext, p: ListParams): Promise<ListResult> {
  validateListOptions(p);
  const store = ctx.store;
  let limit = p.limit && p.limit > 0 ? Math.floor(p.limit) : 0;
  let snapshotRv: number | undefined; // undefined = latest
  let relStart = '';

  if (p.continueToken) {
    if (p.resourceVersion && p.resourceVersion !== '0')
      throw badRequest('specifying resource version is not allowed when using continue');
    const c = decodeContinue(p.continueToken);
    relStart = c.start;
    if (c.rv !== -1) {
      if (c.rv < store.compactedRv) {
        const err = expired(CONTINUE_EXPIRED);
        (err.status.metadata as Record<string, unknown>).continue = encodeContinue(-1, c.start);
        throw err;
      }
      snapshotRv = c.rv;
    }
  } else if (p.resourceVersion === '0') {
    // Served from the watch cache, which ignores limit for resourceVersion=0.
    limit = 0;
  } else if (p.resourceVersion) {
    const rv = parseRv(p.resourceVersion);
    const exact = p.resourceVersionMatch === 'Exact' || (!p.resourceVersionMatch && limit > 0);
    await ensureRv(ctx, rv);
    if (exact) {
      if (rv < store.compactedRv) throw expired('The resourceVersion for the provided list is too old.');
      snapshotRv = rv;
    }
  }

  const current = ctx.currentRv();
  const listRv = snapshotRv ?? current;
  const overlay = snapshotRv !== undefined && snapshotRv < current ? store.overlayAt(snapshotRv) : undefined;
  if (snapshotRv !== undefined && snapshotRv < current && !overlay) {
    throw expired('The resourceVersion for the provided list is too old.');
  }

  const prefix = p.namespace !== undefined ? `${p.namespace}/` : '';
  const startKey = relStart ? prefix + relStart : '';
  const { keys, from, to } = candidateKeys(store, p);
  let i = startKey ? Math.max(from, lowerBound(keys, startKey)) : from;

  // Overlay keys inside the range that the current key list may lack (deleted since the snapshot).
  let extra: string[] = [];
  if (overlay && overlay.size) {
    const nodeName =
      store.byNode && p.fieldSelector ? exactField(p.fieldSelector, 'spec.nodeName') : undefined;
    for (const k of overlay.keys()) {
      if (p.namespace !== undefined && !k.startsWith(prefix)) continue;
      if (startKey && k < startKey) continue;
      if (nodeName !== undefined) {
        // The index only has current members; include snapshot members too.
        const o = overlay.get(k);
        const nn = (o?.spec as { nodeName?: string } | undefined)?.nodeName;
        if (nn !== nodeName) continue;
      }
      extra.push(k);
    }
    extra = extra.sort();
  }
  let j = 0;
  const nextKey = (): string | undefined => {
    for (;;) {
      const a = i < to ? keys[i] : undefined;
      const b = j < extra.length ? extra[j] : undefined;
      if (a === undefined && b === undefined) return undefined;
      if (b === undefined || (a !== undefined && a < b)) {
        i++;
        return a;
      }
      j++;
      if (a === b) i++;
      return b;
    }
  };
  const objAt = (k: string): KObject | undefined => {
    if (overlay && overlay.has(k)) return overlay.get(k) ?? undefined;
    return store.items.get(k);
  };

  const labelSel = p.labelSelector?.length ? p.labelSelector : undefined;
  const fieldSel = p.fieldSelector?.length ? p.fieldSelector : undefined;
  const fields = store.def.fields;
  const items: KObject[] = [];
  let lastKey: string | undefined;
  let hasMore = false;
  for (let k = nextKey(); k !== undefined; k = nextKey()) {
    const o = objAt(k);
    if (!o) continue;
    if (limit && items.length >= limit) {
      hasMore = true;
      break;
    }
    if (labelSel && !matchLabels(labelSel, o.metadata.labels)) continue;
    if (fieldSel && !matchFields(fieldSel, (f) => fields[f]!(o))) continue;
    items.push(o);
    lastKey = k;
  }

  const result: ListResult = { items, resourceVersion: listRv };
  if (hasMore && lastKey !== undefined) {
    result.continue = encodeContinue(listRv, lastKey.slice(prefix.length) + '\u0000');
    if (!labelSel && !fieldSel) {
      let remaining = 1;
      if (!extra.length && !overlay?.size) remaining += to - i;
      else for (let k = nextKey(); k !== undefined; k = nextKey()) if (objAt(k)) remaining++;
      result.remainingItemCount = remaining;
    }
  }
  return result;
}

/** A 410 for a watch/list resourceVersion that history no longer reaches (the watch cache's wording). */
export const tooOldRv = (rv: number, oldest: number): StatusError =>
  expired(`too old resource version: ${rv} (${oldest})`);
