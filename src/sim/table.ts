/**
 * Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), which `kubectl get` asks for:
 * the columns kubectl shows for nodes and pods, NAME and AGE for the rest.
 */
import type { ResourceDef } from './resources.js';
import type { Condition, KObject, NodeObject, PodObject } from './types.js';
import { humanAge } from '../kube/age.js';

interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

const col = (name: string, description: string, priority = 0, type = 'string', format = ''): Column => ({
  name,
  type,
  format,
  description,
  priority,
});

function age(o: KObject, nowMs: number): string {
  const t = o.metadata.creationTimestamp ? Date.parse(o.metadata.creationTimestamp) : NaN;
  return Number.isNaN(t) ? '<unknown>' : humanAge(nowMs - t);
}

function nodeRow(n: NodeObject, nowMs: number): unknown[] {
  const ready = n.status?.conditions?.find((c: Condition) => c.type === 'Ready')?.status;
  let status = ready === 'True' ? 'Ready' : ready === 'False' ? 'NotReady' : 'Unknown';
  if (n.spec?.unschedulable) status += ',SchedulingDisabled';
  const roles = Object.keys(n.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .sort();
  const addr = (t: string): string => n.status?.addresses?.find((a) => a.type === t)?.address ?? '<none>';
  const info = n.status?.nodeInfo ?? {};
  return [
    n.metadata.name,
    status,
    roles.length ? roles.join(',') : '<none>',
    age(n, nowMs),
    info.kubeletVersion ?? '',
    addr('InternalIP'),
    addr('ExternalIP'),
    info.osImage ?? '',
    info.kernelVersion ?? '',
    info.containerRuntimeVersion ?? '',
  ];
}

function podRow(p: PodObject, nowMs: number): unknown[] {
  const statuses =
    (p.status?.containerStatuses as { ready?: boolean; restartCount?: number }[] | undefined) ?? [];
  const total = Array.isArray(p.spec?.containers) ? p.spec.containers.length : statuses.length;
  const ready = statuses.filter((c) => c.ready).length;
  const restarts = statuses.reduce((s, c) => s + (c.restartCount ?? 0), 0);
  const status = p.metadata.deletionTimestamp ? 'Terminating' : (p.status?.phase ?? 'Unknown');
  return [
    p.metadata.name,
    `${ready}/${total}`,
    status === 'Succeeded' ? 'Completed' : status,
    restarts,
    age(p, nowMs),
    (p.status?.podIP as string | undefined) ?? '<none>',
    p.spec?.nodeName ?? '<none>',
    '<none>',
    '<none>',
  ];
}

function columns(def: ResourceDef): Column[] {
  const name = col('Name', 'Name must be unique within a namespace.', 0, 'string', 'name');
  const ageCol = col(
    'Age',
    'CreationTimestamp is a timestamp representing the server time when this object was created.',
  );
  if (def.resource === 'nodes')
    return [
      name,
      col('Status', 'The status of the node'),
      col('Roles', 'The roles of the node'),
      ageCol,
      col('Version', 'Kubelet Version reported by the node.'),
      col(
        'Internal-IP',
        'List of addresses reachable to the node. Queried from cloud provider, if available.',
        1,
      ),
      col(
        'External-IP',
        'List of addresses reachable to the node. Queried from cloud provider, if available.',
        1,
      ),
      col(
        'OS-Image',
        'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
        1,
      ),
      col(
        'Kernel-Version',
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
        1,
      ),
      col(
        'Container-Runtime',
        'Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
        1,
      ),
    ];
  if (def.resource === 'pods')
    return [
      name,
      col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'The aggregate status of the containers in this pod.'),
      col(
        'Restarts',
        'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
        0,
        'string',
      ),
      ageCol,
      col(
        'IP',
        'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
        1,
      ),
      col('Node', 'NodeName is a request to schedule this pod onto a specific node.', 1),
      col('Nominated Node', 'nominatedNodeName is set when this pod preempts other pods on the node.', 1),
      col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
    ];
  return [name, ageCol];
}

/** Whether the Accept header asks for a Table (kubectl get). */
export function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

export function toTable(
  def: ResourceDef,
  items: KObject[],
  listMeta: Record<string, unknown>,
  nowMs: number,
  withObject: 'None' | 'Metadata' | 'Object',
  /** False for a watch event after the first: the real server then leaves columnDefinitions out (null). */
  headers = true,
): unknown {
  const row = (o: KObject): unknown[] =>
    def.resource === 'nodes'
      ? nodeRow(o as NodeObject, nowMs)
      : def.resource === 'pods'
        ? podRow(o as PodObject, nowMs)
        : [o.metadata.name, age(o, nowMs)];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: headers ? columns(def) : null,
    rows: items.map((o) => ({
      cells: row(o),
      ...(withObject === 'None'
        ? {}
        : {
            object:
              withObject === 'Object'
                ? {
                    kind: def.kind,
                    apiVersion: def.group ? `${def.group}/${def.version}` : def.version,
                    ...o,
                  }
                : {
                    kind: 'PartialObjectMetadata',
                    apiVersion: 'meta.k8s.io/v1',
                    metadata: (({ managedFields: _m, ...rest }) => rest)(o.metadata),
                  },
          }),
    })),
  };
}
