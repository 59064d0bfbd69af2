/**
 * Client-side matching for the node filters that the server also accepts: Kubernetes label selectors
 * (k8s.io/apimachinery labels.Parse syntax) and the taint filter (`key`, `key=value`, `key:Effect`,
 * `key=value:Effect`, comma-separated, `!` for "without"). The table filters the live cache locally so rows
 * enter and leave as they change; parsing and matching are the server's own code (src/kube/selector.ts,
 * src/cache/taint-filter.ts, both free of Node APIs), so the console accepts, rejects and matches exactly what
 * the API does.
 */
import {
  matchLabels,
  parseLabelSelector,
  SelectorError,
  type LabelSelector,
} from '../../../src/kube/selector';
import {
  matchTaints,
  parseTaintFilter,
  TaintFilterError,
  type TaintFilter,
} from '../../../src/cache/taint-filter';
import type { Taint } from '../api/types';

export { SelectorError, TaintFilterError };
export type Requirement = LabelSelector[number];

export function parseSelector(text: string): LabelSelector {
  return parseLabelSelector(text);
}

export function matchesSelector(labels: Record<string, string>, reqs: LabelSelector): boolean {
  return matchLabels(reqs, labels);
}

/** The taint filter, or null when it is empty. */
export function parseTaintQuery(text: string): TaintFilter[] | null {
  const filters = parseTaintFilter(text);
  return filters.length ? filters : null;
}

export function matchesTaint(taints: Taint[], q: TaintFilter[]): boolean {
  return matchTaints(q, taints);
}
