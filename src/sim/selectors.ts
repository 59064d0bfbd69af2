/**
 * Label and field selectors with the syntax and semantics of k8s.io/apimachinery labels.Parse and
 * fields.ParseSelector (`!=` and `notin` also match objects without the key).
 */
import { badRequest } from './status.js';
import type { LabelSelectorSpec } from './types.js';
import { labelKeyErrors, labelValueErrors } from './validation.js';

export type LabelOp = 'exists' | '!' | '=' | '!=' | 'in' | 'notin' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  op: LabelOp;
  values: string[];
}

export type LabelSelector = LabelRequirement[];

const SPECIAL = new Set(['!', '=', '(', ')', ',', '<', '>']);

interface Tok {
  t: 'id' | 'op' | '(' | ')' | ',' | 'end';
  v: string;
}

function lex(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      out.push({ t: c, v: c });
      i++;
      continue;
    }
    if (c === '!' || c === '=' || c === '<' || c === '>') {
      const two = s.slice(i, i + 2);
      if (two === '!=' || two === '==') {
        out.push({ t: 'op', v: two });
        i += 2;
      } else {
        out.push({ t: 'op', v: c });
        i++;
      }
      continue;
    }
    let j = i;
    while (j < s.length && !SPECIAL.has(s[j]!) && !/\s/.test(s[j]!)) j++;
    out.push({ t: 'id', v: s.slice(i, j) });
    i = j;
  }
  out.push({ t: 'end', v: '' });
  return out;
}

function parseError(msg: string): never {
  throw badRequest(`unable to parse requirement: ${msg}`);
}

function checkKey(key: string): void {
  const errs = labelKeyErrors(key);
  if (errs.length) parseError(`<nil>: Invalid value: ${JSON.stringify(key)}: ${errs.join('; ')}`);
}

function checkValue(key: string, v: string): void {
  const errs = labelValueErrors(v);
  if (errs.length) parseError(`values[0][${key}]: Invalid value: ${JSON.stringify(v)}: ${errs.join('; ')}`);
}

/** Parses `labelSelector` query syntax; throws a 400 Status on bad input. */
export function parseLabelSelector(input: string | undefined | null): LabelSelector {
  if (!input || !input.trim()) return [];
  const toks = lex(input);
  let p = 0;
  const peek = (): Tok => toks[p]!;
  const next = (): Tok => toks[p++]!;
  const reqs: LabelRequirement[] = [];
  for (;;) {
    let tok = next();
    if (tok.t === 'op' && tok.v === '!') {
      const k = next();
      if (k.t !== 'id') parseError(`found '${k.v}', expected: identifier after '!'`);
      checkKey(k.v);
      reqs.push({ key: k.v, op: '!', values: [] });
    } else if (tok.t === 'id') {
      const key = tok.v;
      checkKey(key);
      const after = peek();
      if (after.t === ',' || after.t === 'end') {
        reqs.push({ key, op: 'exists', values: [] });
      } else if (after.t === 'id' && (after.v === 'in' || after.v === 'notin')) {
        next();
        const open = next();
        if (open.t !== '(') parseError(`found '${open.v}', expected: '('`);
        const values: string[] = [];
        let expectValue = true;
        for (;;) {
          tok = next();
          if (tok.t === ')') {
            if (expectValue && values.length > 0) values.push('');
            break;
          }
          if (tok.t === ',') {
            if (expectValue) values.push('');
            expectValue = true;
            continue;
          }
          if (tok.t !== 'id' || !expectValue)
            parseError(`found '${tok.v}', expected: ',', ')' or identifier`);
          checkValue(key, tok.v);
          values.push(tok.v);
          expectValue = false;
        }
        if (values.length === 0) parseError(`for 'in', 'notin' operators, values set can't be empty`);
        reqs.push({ key, op: after.v === 'in' ? 'in' : 'notin', values });
      } else if (after.t === 'op') {
        next();
        const op = after.v;
        const valTok = peek();
        let value = '';
        if (valTok.t === 'id') {
          value = next().v;
        } else if (valTok.t !== ',' && valTok.t !== 'end') {
          parseError(`found '${valTok.v}', expected: identifier`);
        }
        if (op === '>' || op === '<') {
          if (!/^-?\d+$/.test(value)) parseError(`for 'Gt', 'Lt' operators, the value must be an integer`);
          reqs.push({ key, op: op === '>' ? 'gt' : 'lt', values: [value] });
        } else if (op === '=' || op === '==') {
          checkValue(key, value);
          reqs.push({ key, op: '=', values: [value] });
        } else if (op === '!=') {
          checkValue(key, value);
          reqs.push({ key, op: '!=', values: [value] });
        } else {
          parseError(`found '${op}', expected: '=', '!=', '==', 'in', notin'`);
        }
      } else {
        parseError(`found '${after.v}', expected: '=', '!=', '==', 'in', notin'`);
      }
    } else {
      parseError(`found '${tok.v}', expected: !, identifier, or 'end of string'`);
    }
    const sep = next();
    if (sep.t === 'end') break;
    if (sep.t !== ',') parseError(`found '${sep.v}', expected: ',' or 'end of string'`);
  }
  return reqs;
}

export function matchLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  for (const r of sel) {
    const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = has ? labels![r.key]! : undefined;
    switch (r.op) {
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case '=':
      case 'in':
        if (!has || !r.values.includes(v!)) return false;
        break;
      case '!=':
      case 'notin':
        if (has && r.values.includes(v!)) return false;
        break;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v!)) return false;
        const n = Number(v);
        const lim = Number(r.values[0]);
        if (r.op === 'gt' ? !(n > lim) : !(n < lim)) return false;
        break;
      }
    }
  }
  return true;
}

/** metav1.LabelSelector (as in a PDB) → requirements. An empty selector matches everything. */
export function fromLabelSelectorSpec(spec: LabelSelectorSpec | undefined | null): LabelSelector | null {
  if (!spec) return null;
  const reqs: LabelRequirement[] = [];
  for (const [k, v] of Object.entries(spec.matchLabels ?? {})) reqs.push({ key: k, op: '=', values: [v] });
  for (const e of spec.matchExpressions ?? []) {
    switch (e.operator) {
      case 'In':
        reqs.push({ key: e.key, op: 'in', values: e.values ?? [] });
        break;
      case 'NotIn':
        reqs.push({ key: e.key, op: 'notin', values: e.values ?? [] });
        break;
      case 'Exists':
        reqs.push({ key: e.key, op: 'exists', values: [] });
        break;
      case 'DoesNotExist':
        reqs.push({ key: e.key, op: '!', values: [] });
        break;
      default:
        return null;
    }
  }
  return reqs;
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

function unescapeField(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      const n = s[i + 1];
      if (n === '\\' || n === ',' || n === '=') {
        out += n;
        i++;
        continue;
      }
      throw badRequest(`invalid field selector: invalid escape sequence: \\${n ?? ''}`);
    }
    out += c;
  }
  return out;
}

/** Parses `fieldSelector` syntax (terms split on unescaped commas; operators `!=`, `==`, `=`). */
export function parseFieldSelector(input: string | undefined | null): FieldRequirement[] {
  if (!input) return [];
  const terms: string[] = [];
  let cur = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (c === '\\' && i + 1 < input.length) {
      cur += c + input[i + 1];
      i++;
    } else if (c === ',') {
      terms.push(cur);
      cur = '';
    } else cur += c;
  }
  terms.push(cur);
  const out: FieldRequirement[] = [];
  for (const term of terms) {
    if (term === '') continue;
    let found: { idx: number; op: string } | undefined;
    for (let i = 0; i < term.length && !found; i++) {
      if (term[i] === '\\') {
        i++;
        continue;
      }
      for (const op of ['!=', '==', '=']) {
        if (term.startsWith(op, i)) {
          found = { idx: i, op };
          break;
        }
      }
    }
    if (!found) throw badRequest(`invalid selector: '${input}'; can't understand '${term}'`);
    const field = unescapeField(term.slice(0, found.idx));
    const value = unescapeField(term.slice(found.idx + found.op.length));
    out.push({ field, op: found.op === '!=' ? '!=' : '=', value });
  }
  return out;
}

export function matchFields(sel: FieldRequirement[], get: (field: string) => string): boolean {
  for (const r of sel) {
    const v = get(r.field);
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}

/** The value an exact-match requirement pins a field to (e.g. spec.nodeName for the per-node pod index). */
export function exactField(sel: FieldRequirement[], field: string): string | undefined {
  for (const r of sel) if (r.field === field && r.op === '=') return r.value;
  return undefined;
}
