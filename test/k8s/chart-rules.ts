// The chart's ClusterRole, as rendered into the committed plain manifests: what the least-privilege suites bind
// their ServiceAccount to.
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import type { KubeObject } from './http.js';

export const MANIFEST = path.resolve('deploy/manifests/sqlite.yaml');

export interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** The ClusterRole's rules; undefined when the manifests are not rendered (node deploy/render-manifests.mjs). */
export function chartRules(): Rule[] | undefined {
  if (!fs.existsSync(MANIFEST)) return undefined;
  const docs = yaml.loadAll(fs.readFileSync(MANIFEST, 'utf8')) as KubeObject[];
  return (docs.find((d) => d?.kind === 'ClusterRole') as { rules?: Rule[] } | undefined)?.rules;
}
