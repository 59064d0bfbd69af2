// What applying a template would change (POST /templates/{id}/preview, docs/API.md). Types only, so the console
// shares them without bundling server code.
import type { Taint } from '../kube/types.js';

export type TaintView = Omit<Taint, 'timeAdded'>;

export interface NodeChangePreview {
  cluster: string;
  name: string;
  /** False when the node already looks like the template says. */
  changed: boolean;
  labels: {
    added: Record<string, string>;
    changed: Record<string, { from: string; to: string }>;
    removed: Record<string, string>;
  };
  taints: { added: TaintView[]; changed: { from: TaintView; to: TaintView }[]; removed: TaintView[] };
  /** The node could not be read (it is gone, or the cluster refused); nothing is known about its change. */
  error?: string;
}

export interface TemplatePreview {
  template: { id: string; name: string };
  nodes: NodeChangePreview[];
  /** Nodes whose change is not empty. */
  changing: number;
}
