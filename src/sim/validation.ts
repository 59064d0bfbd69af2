/**
 * The validation the real API server applies to the node fields this product writes (labels, annotations,
 * taints), with the messages of k8s.io/apimachinery/pkg/util/validation, so 422 answers read the same.
 */
import type { FieldError } from './status.js';
import type { KObject, Taint } from './types.js';

const QNAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QNAME_RE = new RegExp(`^${QNAME_FMT}$`);
const QNAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_RE = new RegExp(`^(${QNAME_FMT})?$`);
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

// apimachinery's validation.RegexError, to the character: each example is followed by ", " and they are
// joined by " or ", so a message with several examples reads "'MyName',  or 'my.name',  or ..." (two blanks).
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (!examples.length) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

const maxLen = (n: number): string => `must be no more than ${n} characters`;

export function dns1123SubdomainErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLen(253));
  if (!DNS1123_SUBDOMAIN_RE.test(v))
    errs.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

/** validation.IsQualifiedName */
export function labelKeyErrors(key: string): string[] {
  const errs: string[] = [];
  const parts = key.split('/');
  let name: string;
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const m of dns1123SubdomainErrors(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [
      `a qualified name ${regexError(QNAME_MSG, QNAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLen(63)}`);
  if (!QNAME_RE.test(name))
    errs.push(`name part ${regexError(QNAME_MSG, QNAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** validation.IsValidLabelValue */
export function labelValueErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!LABEL_VALUE_RE.test(v))
    errs.push(regexError(LABEL_VALUE_MSG, `(${QNAME_FMT})?`, 'MyValue', 'my_value', '12345'));
  return errs;
}

const q = (s: string): string => JSON.stringify(s);

function invalidErr(field: string, value: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, body: `Invalid value: ${q(value)}: ${detail}` };
}

export function validateLabels(labels: Record<string, string> | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const m of labelKeyErrors(k)) errs.push(invalidErr(field, k, m));
    if (typeof v !== 'string')
      errs.push({
        type: 'FieldValueInvalid',
        field,
        body: `Invalid value: ${JSON.stringify(v)}: must be a string`,
      });
    else for (const m of labelValueErrors(v)) errs.push(invalidErr(field, v, m));
  }
  return errs;
}

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export function validateAnnotations(ann: Record<string, string> | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(ann ?? {})) {
    for (const m of labelKeyErrors(k.toLowerCase())) errs.push(invalidErr(field, k, m));
    total += k.length + String(v).length;
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
    errs.push({
      type: 'FieldValueInvalid',
      field,
      body: `Too long: may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`,
    });
  }
  return errs;
}

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function validateTaints(taints: Taint[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const unique = new Map<string, Set<string>>();
  (taints ?? []).forEach((t, i) => {
    const idx = `${field}[${i}]`;
    const key = typeof t?.key === 'string' ? t.key : '';
    for (const m of labelKeyErrors(key)) errs.push(invalidErr(`${idx}.key`, key, m));
    const value = typeof t?.value === 'string' ? t.value : '';
    const ve = labelValueErrors(value);
    if (ve.length) errs.push(invalidErr(`${idx}.value`, value, ve.join(';')));
    const effect = typeof t?.effect === 'string' ? t.effect : '';
    if (!effect) errs.push({ type: 'FieldValueRequired', field: `${idx}.effect`, body: 'Required value' });
    else if (!EFFECTS.includes(effect))
      errs.push({
        type: 'FieldValueNotSupported',
        field: `${idx}.effect`,
        body: `Unsupported value: ${q(effect)}: supported values: ${EFFECTS.map(q).join(', ')}`,
      });
    const seen = unique.get(effect);
    if (seen?.has(key)) {
      errs.push({
        type: 'FieldValueDuplicate',
        field: idx,
        body: `Duplicate value: ${JSON.stringify({ key, ...(value ? { value } : {}), effect })}: taints must be unique by key and effect pair`,
      });
      return;
    }
    if (!seen) unique.set(effect, new Set([key]));
    else seen.add(key);
  });
  return errs;
}

/** Object-meta checks common to every kind on create and update. */
export function validateMeta(obj: KObject): FieldError[] {
  return [
    ...validateLabels(obj.metadata.labels, 'metadata.labels'),
    ...validateAnnotations(obj.metadata.annotations, 'metadata.annotations'),
  ];
}

export function validateNode(obj: KObject): FieldError[] {
  const spec = (obj.spec ?? {}) as { taints?: Taint[] };
  // The real validation reports taint errors under metadata.taints, not spec.taints (a long-standing quirk
  // clients see in field causes).
  return [...validateMeta(obj), ...validateTaints(spec.taints, 'metadata.taints')];
}
