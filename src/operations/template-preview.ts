/**
 * What applying a template would change, node by node, read fresh from each node's API server: labels added,
 * changed and removed, taints added, changed and removed. Nothing is written. Computed with the same rules
 * the write uses (intent.ts), so the preview and the change cannot disagree about kubectl's taint semantics.
 */
import { badRequest } from '../errors.js';
import type { Taint } from '../kube/types.js';
import { applyTaintChanges } from './intent.js';
import type { JobTarget } from './job-types.js';
import type { NodeChangePreview, TaintView, TemplatePreview } from './template-preview-types.js';
import type { Actor } from './actor.js';
import type { TemplateContent } from './intent.js';
import { mapNodeError, type NodeOperations } from './node-operations.js';
import { readNode } from './write.js';

/** Every node is read from its API server; a preview wider than this is refused (apply it in parts). */
export const MAX_PREVIEW_NODES = 1000;
const READ_CONCURRENCY = 10;

export type { NodeChangePreview, TemplatePreview };

const view = (t: Taint): TaintView => ({
  key: t.key,
  ...(t.value ? { value: t.value } : {}),
  effect: t.effect,
});
const taintId = (t: { key: string; effect: string }) => `${t.key}\u0000${t.effect}`;

export function diffNode(
  labels: Readonly<Record<string, string>>,
  taints: readonly Taint[],
  tpl: TemplateContent,
): Omit<NodeChangePreview, 'cluster' | 'name'> {
  const out: Omit<NodeChangePreview, 'cluster' | 'name'> = {
    changed: false,
    labels: { added: {}, changed: {}, removed: {} },
    taints: { added: [], changed: [], removed: [] },
  };
  for (const [k, v] of Object.entries(tpl.labels?.set ?? {})) {
    if (!Object.hasOwn(labels, k)) out.labels.added[k] = v;
    else if (labels[k] !== v) out.labels.changed[k] = { from: labels[k]!, to: v };
  }
  for (const k of tpl.labels?.remove ?? []) if (Object.hasOwn(labels, k)) out.labels.removed[k] = labels[k]!;
  if (tpl.taints) {
    const before = new Map(taints.map((t) => [taintId(t), t]));
    const after = new Map(
      applyTaintChanges([...taints], tpl.taints, new Date(0)).map((t) => [taintId(t), t]),
    );
    for (const [id, t] of after) {
      const was = before.get(id);
      if (!was) out.taints.added.push(view(t));
      else if ((was.value ?? '') !== (t.value ?? ''))
        out.taints.changed.push({ from: view(was), to: view(t) });
    }
    for (const [id, t] of before) if (!after.has(id)) out.taints.removed.push(view(t));
  }
  out.changed =
    Object.keys(out.labels.added).length +
      Object.keys(out.labels.changed).length +
      Object.keys(out.labels.removed).length +
      out.taints.added.length +
      out.taints.changed.length +
      out.taints.removed.length >
    0;
  return out;
}

/** Resolves targets like a job does (names must exist, selectors must match) and reads each node. */
export async function previewTemplate(
  ops: NodeOperations,
  template: { id: string; name: string } & TemplateContent,
  targets: JobTarget[],
  signal?: AbortSignal,
  actor?: Actor,
): Promise<TemplatePreview> {
  const wanted: { cluster: string; name: string }[] = [];
  const seen = new Set<string>();
  for (const [i, t] of targets.entries()) {
    const names = t.nodes ?? (await ops.nodes.resolveSelector(t.cluster, t.selector!));
    if (names.length === 0)
      throw badRequest(
        `selector "${t.selector}" matches no node in cluster "${t.cluster}"`,
        `targets[${i}].selector`,
      );
    for (const name of names) {
      const k = `${t.cluster}/${name}`;
      if (!seen.has(k)) wanted.push({ cluster: t.cluster, name });
      seen.add(k);
    }
  }
  if (wanted.length > MAX_PREVIEW_NODES)
    throw badRequest(
      `the targets resolve to ${wanted.length} nodes; a preview reads each one and takes at most ${MAX_PREVIEW_NODES}`,
      'targets',
    );
  const nodes: NodeChangePreview[] = new Array(wanted.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < wanted.length; i = next++) {
      const { cluster, name } = wanted[i]!;
      try {
        const node = await readNode(ops.client(cluster, actor), name, signal);
        nodes[i] = {
          cluster,
          name,
          ...diffNode(node.metadata.labels ?? {}, node.spec?.taints ?? [], template),
        };
      } catch (e) {
        nodes[i] = {
          cluster,
          name,
          changed: false,
          labels: { added: {}, changed: {}, removed: {} },
          taints: { added: [], changed: [], removed: [] },
          error: (mapNodeError(e, cluster, name) as Error).message,
        };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, wanted.length) }, worker));
  return {
    template: { id: template.id, name: template.name },
    nodes,
    changing: nodes.filter((n) => n.changed).length,
  };
}
