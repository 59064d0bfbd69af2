/** Discovery documents (/version, /api, /apis, group and version resource lists) built from the resource table. */
import { RESOURCES, type ResourceDef } from './resources.js';

export const SIM_VERSION = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.4',
  gitCommit: 'a78aa47129b8539636eb86a9d00e31b2720fe06b',
  gitTreeState: 'clean',
  buildDate: '2024-12-10T11:36:16Z',
  goVersion: 'go1.22.9',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const groups = (): Map<string, ResourceDef[]> => {
  const m = new Map<string, ResourceDef[]>();
  for (const r of RESOURCES) {
    const k = r.group ? `${r.group}/${r.version}` : r.version;
    m.set(k, [...(m.get(k) ?? []), r]);
  }
  return m;
};

export function apiVersions(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupDoc(group: string, version: string): unknown {
  const gv = { groupVersion: `${group}/${version}`, version };
  return { name: group, versions: [gv], preferredVersion: gv };
}

/** `extra`: groups served outside the resource table (an aggregated API such as metrics.k8s.io). */
export function apiGroupList(extra: unknown[] = []): unknown {
  const names = [...new Set(RESOURCES.filter((r) => r.group).map((r) => `${r.group}/${r.version}`))];
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [
      ...names.map((gv) => {
        const [g, v] = gv.split('/') as [string, string];
        return groupDoc(g, v);
      }),
      ...extra,
    ],
  };
}

export function apiGroup(group: string): unknown | undefined {
  const r = RESOURCES.find((x) => x.group === group);
  if (!r) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...(groupDoc(r.group, r.version) as object) };
}

export function resourceList(groupVersion: string): unknown | undefined {
  const defs = groups().get(groupVersion);
  if (!defs) return undefined;
  const resources: unknown[] = [];
  for (const d of [...defs].sort((a, b) => a.resource.localeCompare(b.resource))) {
    resources.push({
      name: d.resource,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: d.verbs,
      ...(d.shortNames ? { shortNames: d.shortNames } : {}),
      ...(d.categories ? { categories: d.categories } : {}),
      storageVersionHash: d.storageVersionHash,
    });
    for (const s of d.subresources) {
      resources.push({
        name: `${d.resource}/${s.name}`,
        singularName: '',
        namespaced: d.namespaced,
        ...(s.group !== undefined ? { group: s.group, version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}
