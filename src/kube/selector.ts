/**
 * Kubernetes label selectors (k8s.io/apimachinery labels.Parse): one parser and matcher for the whole
 * product — node queries, batch targets and the simulator should all use this one. Errors are a neutral
 * SelectorError; each caller maps it to its own answer (400 with a field, or a Status).
 *
 * Grammar: requirements separated by commas; `key`, `!key`, `key=v`, `key==v`, `key!=v`, `key in (a,b)`,
 * `key notin (a,b)`, `key>n`, `key<n`. `!=` and `notin` also match objects without the key.
 */
import { labelValueProblem, qualifiedNameProblem } from './names.js';

export type LabelOp = 'exists' | '!' | '=' | '!=' | 'in' | 'notin' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  op: LabelOp;
  values: string[];
}

export type LabelSelector = LabelRequirement[];

export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

const MAX_SELECTOR = 4096;

interface Tok {
  t: 'id' | 'op' | '(' | ')' | ',' | 'end';
  v: string;
}

const SPECIAL = new Set(['!', '=', '(', ')', ',', '<', '>']);
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

function lex(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (isSpace(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      out.push({ t: c, v: c });
      i++;
    } else if (c === '!' || c === '=' || c === '<' || c === '>') {
      const two = s.slice(i, i + 2);
      const op = two === '!=' || two === '==' ? two : c;
      out.push({ t: 'op', v: op });
      i += op.length;
    } else {
      let j = i;
      while (j < s.length && !SPECIAL.has(s[j]!) && !isSpace(s[j]!)) j++;
      out.push({ t: 'id', v: s.slice(i, j) });
      i = j;
    }
  }
  out.push({ t: 'end', v: '' });
  return out;
}

function fail(msg: string): never {
  throw new SelectorError(msg);
}

function checkKey(key: string): string {
  const p = qualifiedNameProblem(key);
  if (p) fail(`invalid label key "${key}": ${p}`);
  return key;
}

function checkValue(key: string, v: string): string {
  const p = labelValueProblem(v);
  if (p) fail(`invalid value "${v}" for label "${key}": ${p}`);
  return v;
}

/** Parse selector text; throws SelectorError with a human-readable reason. Empty text selects everything. */
export function parseLabelSelector(input: string | undefined | null): LabelSelector {
  if (!input || !input.trim()) return [];
  if (input.length > MAX_SELECTOR) fail(`label selector is longer than ${MAX_SELECTOR} characters`);
  const toks = lex(input);
  let p = 0;
  const peek = (): Tok => toks[p]!;
  const next = (): Tok => toks[p++]!;
  const reqs: LabelRequirement[] = [];
  for (;;) {
    const tok = next();
    if (tok.t === 'op' && tok.v === '!') {
      const k = next();
      if (k.t !== 'id') fail(`found '${k.v}', expected: identifier after '!'`);
      reqs.push({ key: checkKey(k.v), op: '!', values: [] });
    } else if (tok.t === 'id') {
      const key = checkKey(tok.v);
      const after = peek();
      if (after.t === ',' || after.t === 'end') {
        reqs.push({ key, op: 'exists', values: [] });
      } else if (after.t === 'id' && (after.v === 'in' || after.v === 'notin')) {
        next();
        if (next().t !== '(') fail(`expected '(' after '${after.v}'`);
        const values: string[] = [];
        let expectValue = true;
        for (;;) {
          const v = next();
          if (v.t === ')') {
            if (expectValue && values.length > 0) values.push('');
            break;
          }
          if (v.t === ',') {
            if (expectValue) values.push('');
            expectValue = true;
            continue;
          }
          if (v.t !== 'id' || !expectValue)
            fail(`found '${v.v || 'end of string'}', expected: ',', ')' or a value`);
          values.push(checkValue(key, v.v));
          expectValue = false;
        }
        if (values.length === 0) fail(`for 'in', 'notin' operators, values set can't be empty`);
        reqs.push({ key, op: after.v, values });
      } else if (after.t === 'op') {
        next();
        let value = '';
        const vt = peek();
        if (vt.t === 'id') value = next().v;
        else if (vt.t !== ',' && vt.t !== 'end') fail(`found '${vt.v}', expected: a value`);
        if (after.v === '>' || after.v === '<') {
          if (!/^-?\d+$/.test(value)) fail(`for '>' and '<' the value must be an integer`);
          reqs.push({ key, op: after.v === '>' ? 'gt' : 'lt', values: [value] });
        } else if (after.v === '=' || after.v === '==' || after.v === '!=') {
          reqs.push({ key, op: after.v === '!=' ? '!=' : '=', values: [checkValue(key, value)] });
        } else {
          fail(`found '${after.v}', expected: '=', '!=', '==', 'in', 'notin'`);
        }
      } else {
        fail(`found '${after.v}' after "${key}", expected: '=', '!=', '==', 'in', 'notin', ',' or end`);
      }
    } else {
      fail(`found '${tok.v || 'end of string'}', expected: '!' or a label key`);
    }
    const sep = next();
    if (sep.t === 'end') break;
    if (sep.t !== ',') fail(`found '${sep.v}', expected: ',' or end of string`);
  }
  return reqs;
}

export function matchLabels(
  sel: LabelSelector,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  for (const r of sel) {
    const v =
      labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key) ? labels[r.key] : undefined;
    switch (r.op) {
      case 'exists':
        if (v === undefined) return false;
        break;
      case '!':
        if (v !== undefined) return false;
        break;
      case '=':
        if (v !== r.values[0]) return false;
        break;
      case 'in':
        if (v === undefined || !r.values.includes(v)) return false;
        break;
      case '!=':
      case 'notin':
        if (v !== undefined && r.values.includes(v)) return false;
        break;
      case 'gt':
      case 'lt': {
        if (v === undefined || !/^-?\d+$/.test(v)) return false;
        const n = Number(v);
        const lim = Number(r.values[0]);
        if (r.op === 'gt' ? !(n > lim) : !(n < lim)) return false;
        break;
      }
    }
  }
  return true;
}
