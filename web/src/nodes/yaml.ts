/** The node the drawer shows, as YAML: the detail the server serves, without how it was served. */
import { dump } from 'js-yaml';
import type { NodeDetailAnswer } from '../api/endpoints';

export function nodeYaml(detail: NodeDetailAnswer): string {
  // `source` and `degraded` describe the answer, not the node.
  const { source: _source, degraded: _degraded, ...node } = detail;
  // No line folding: a long annotation copied from here must paste back unchanged.
  return dump(node, { lineWidth: -1, noRefs: true });
}
