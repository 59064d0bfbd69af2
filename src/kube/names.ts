/**
 * Kubernetes' naming rules (k8s.io/apimachinery/pkg/util/validation) for what this product checks before it
 * talks to a cluster: DNS subdomains (node names, key prefixes), qualified names (label and taint keys) and
 * label values (label and taint values). One implementation, so a key refused by an operation's parameters
 * and by a node filter is refused for the same reason in the same words.
 *
 * Each function returns the first problem as a phrase that completes "invalid … "x": ", or undefined.
 * The wording follows the API server's, without its regex dumps.
 */

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);
const QUALIFIED_NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

const DNS1123_SUBDOMAIN_MAX = 253;
const QUALIFIED_NAME_MAX = 63;
const LABEL_VALUE_MAX = 63;

const DNS1123_SUBDOMAIN_CHARS =
  "must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const QUALIFIED_NAME_CHARS =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_CHARS =
  "must be empty or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

const tooLong = (max: number) => `must be no more than ${max} characters`;

/** validation.IsDNS1123Subdomain: node names and the prefix of a qualified name. */
export function dns1123SubdomainProblem(v: string): string | undefined {
  if (v.length === 0) return 'must be non-empty';
  if (v.length > DNS1123_SUBDOMAIN_MAX) return tooLong(DNS1123_SUBDOMAIN_MAX);
  if (!DNS1123_SUBDOMAIN_RE.test(v)) return DNS1123_SUBDOMAIN_CHARS;
  return undefined;
}

/** validation.IsQualifiedName: label keys, taint keys, annotation keys — `[prefix/]name`. */
export function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) {
    return "must be a name with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName'); it has more than one '/'";
  }
  const name = parts[parts.length - 1]!;
  if (parts.length === 2) {
    const p = dns1123SubdomainProblem(parts[0]!);
    if (p) return `prefix part ${p}`;
  }
  if (name.length === 0) return 'name part must be non-empty';
  if (name.length > QUALIFIED_NAME_MAX) return `name part ${tooLong(QUALIFIED_NAME_MAX)}`;
  if (!QUALIFIED_NAME_RE.test(name)) return `name part ${QUALIFIED_NAME_CHARS}`;
  return undefined;
}

/** validation.IsValidLabelValue: label values and taint values; empty is allowed. */
export function labelValueProblem(v: string): string | undefined {
  if (v.length === 0) return undefined;
  if (v.length > LABEL_VALUE_MAX) return tooLong(LABEL_VALUE_MAX);
  if (!QUALIFIED_NAME_RE.test(v)) return LABEL_VALUE_CHARS;
  return undefined;
}
