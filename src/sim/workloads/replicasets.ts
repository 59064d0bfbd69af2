/**
 * The ReplicaSet and Deployment controllers, reduced to what recovery after a drain needs: a ReplicaSet keeps
 * spec.replicas pods (replacing evicted or deleted ones at once, as the real controller does for a pod that is
 * terminating) and reports replicas/readyReplicas/availableReplicas; a Deployment owns one ReplicaSet per pod
 * template (named <deployment>-<pod-template-hash>), scales it, and sums its status. A template change scales
 * the old ReplicaSet to 0 and the new one up at once (no surge/unavailability pacing).
 */
import { lowerBound } from '../sorted-keys.js';
import { resourceDef } from '../resources.js';
import type { SimState } from '../state.js';
import { cloneJson, type Condition, type KObject, type PodObject } from '../types.js';
import { createObject, deleteObject, finalizeUpdate } from '../writes.js';
import type { OwnerIndex } from './owner-index.js';
import { isActive, isRunningAndReady, podFromTemplate, templateHash } from './pod-template.js';

/** Pods one sync creates at most; the next sync continues (bounds one pass on a huge scale-up). */
export const MAX_CREATES_PER_SYNC = 500;

type Status = Record<string, unknown>;

const replicasOf = (o: KObject): number => Number((o.spec as { replicas?: number }).replicas ?? 1);

/** Status fields the real server omits when zero (omitempty). */
function dropZeros(s: Status, keep: string[]): Status {
  const out: Status = {};
  for (const [k, v] of Object.entries(s)) if (v !== 0 || keep.includes(k)) out[k] = v;
  return out;
}

export function writeStatus(state: SimState, resource: string, cur: KObject, status: Status): KObject {
  if (JSON.stringify(status) === JSON.stringify(cur.status ?? {})) return cur;
  return state.commit(resourceDef(resource), 'MODIFIED', { ...cur, status }, cur);
}

export function ownedPods(state: SimState, index: OwnerIndex, owner: KObject): PodObject[] {
  const store = state.store('pods');
  const out: PodObject[] = [];
  for (const k of index.keys(owner.metadata.uid!)) {
    const p = store.items.get(k) as PodObject | undefined;
    if (p) out.push(p);
  }
  return out;
}

export function syncReplicaSet(state: SimState, index: OwnerIndex, rs: KObject): void {
  const ns = rs.metadata.namespace!;
  const pods = ownedPods(state, index, rs);
  const active = pods.filter(isActive);
  const want = replicasOf(rs);
  const podsDef = resourceDef('pods');
  if (active.length < want) {
    const n = Math.min(want - active.length, MAX_CREATES_PER_SYNC);
    for (let i = 0; i < n; i++) {
      try {
        const created = createObject(
          state,
          podsDef,
          ns,
          podFromTemplate(rs, 'ReplicaSet', { generateName: `${rs.metadata.name}-` }),
          { api: true },
        );
        active.push(created as PodObject);
      } catch {
        // A rejected create (namespace terminating, a name collision) is retried on the next sync.
        break;
      }
    }
  } else if (active.length > want) {
    // Like the real controller: pods not yet on a node, then not ready, then the newest go first.
    const rank = (p: PodObject): number => (!p.spec.nodeName ? 0 : isRunningAndReady(p) ? 2 : 1);
    const victims = [...active]
      .sort(
        (a, b) =>
          rank(a) - rank(b) ||
          String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)),
      )
      .slice(0, active.length - want);
    for (const v of victims) {
      deleteObject(state, podsDef, ns, v.metadata.name, {});
      active.splice(active.indexOf(v), 1);
    }
  }
  const ready = active.filter(isRunningAndReady).length;
  const cur = state.raw('replicasets', rs.metadata.name, ns);
  if (!cur || cur.metadata.uid !== rs.metadata.uid) return;
  writeStatus(
    state,
    'replicasets',
    cur,
    dropZeros(
      {
        replicas: active.length,
        fullyLabeledReplicas: active.length,
        readyReplicas: ready,
        availableReplicas: ready,
        observedGeneration: cur.metadata.generation ?? 1,
      },
      ['replicas'],
    ),
  );
}

function ownedReplicaSets(state: SimState, d: KObject): KObject[] {
  const store = state.store('replicasets');
  const keys = store.keys.get();
  const prefix = `${d.metadata.namespace}/`;
  const out: KObject[] = [];
  for (let i = lowerBound(keys, prefix); i < keys.length && keys[i]!.startsWith(prefix); i++) {
    const rs = store.items.get(keys[i]!)!;
    if (rs.metadata.ownerReferences?.some((r) => r.controller && r.uid === d.metadata.uid)) out.push(rs);
  }
  return out;
}

function setReplicas(state: SimState, rs: KObject, replicas: number): KObject {
  if (replicasOf(rs) === replicas) return rs;
  const next = cloneJson(rs);
  (next.spec as { replicas: number }).replicas = replicas;
  next.metadata.annotations = {
    ...(next.metadata.annotations ?? {}),
    'deployment.kubernetes.io/desired-replicas': String(replicas),
  };
  return finalizeUpdate(state, resourceDef('replicasets'), rs, next, 'direct');
}

function condition(
  prev: Condition[] | undefined,
  type: string,
  status: string,
  reason: string,
  message: string,
  now: string,
): Condition {
  const old = prev?.find((c) => c.type === type);
  const same = old && old.status === status && old.reason === reason;
  return {
    type,
    status,
    lastUpdateTime: same ? old.lastUpdateTime : now,
    lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now,
    reason,
    message,
  };
}

export function syncDeployment(state: SimState, d: KObject): void {
  const ns = d.metadata.namespace!;
  const spec = d.spec as {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    template?: { metadata?: KObject['metadata']; spec?: unknown };
    strategy?: { rollingUpdate?: { maxUnavailable?: number | string } };
  };
  const want = replicasOf(d);
  const hash = templateHash(spec.template);
  const owned = ownedReplicaSets(state, d);
  let current = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
  const revision = String(
    Math.max(
      0,
      ...owned.map((rs) => Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0)),
    ) + (current ? 0 : 1),
  );
  if (!current) {
    const template = cloneJson(spec.template ?? {}) as { metadata?: KObject['metadata'] };
    template.metadata = {
      ...(template.metadata ?? ({} as KObject['metadata'])),
      labels: { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash },
    };
    try {
      current = createObject(
        state,
        resourceDef('replicasets'),
        ns,
        {
          metadata: {
            name: `${d.metadata.name}-${hash}`,
            namespace: ns,
            labels: { ...(spec.template?.metadata?.labels ?? {}), 'pod-template-hash': hash },
            annotations: {
              'deployment.kubernetes.io/desired-replicas': String(want),
              'deployment.kubernetes.io/max-replicas': String(want + Math.ceil(want / 4)),
              'deployment.kubernetes.io/revision': revision,
            },
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'Deployment',
                name: d.metadata.name,
                uid: d.metadata.uid!,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          },
          spec: {
            replicas: want,
            selector: {
              ...(spec.selector ?? {}),
              matchLabels: { ...(spec.selector?.matchLabels ?? {}), 'pod-template-hash': hash },
            },
            template,
          },
        },
        { api: true },
      );
    } catch {
      return;
    }
  } else current = setReplicas(state, current, want);
  for (const rs of owned) if (rs.metadata.uid !== current.metadata.uid) setReplicas(state, rs, 0);

  const all = ownedReplicaSets(state, d);
  const st = (rs: KObject, f: string): number => Number((rs.status as Status | undefined)?.[f] ?? 0);
  const replicas = all.reduce((s, rs) => s + st(rs, 'replicas'), 0);
  const ready = all.reduce((s, rs) => s + st(rs, 'readyReplicas'), 0);
  const available = all.reduce((s, rs) => s + st(rs, 'availableReplicas'), 0);
  const latest = all.find((rs) => rs.metadata.uid === current!.metadata.uid) ?? current;
  const mu = spec.strategy?.rollingUpdate?.maxUnavailable ?? '25%';
  const maxUnavailable =
    typeof mu === 'number' ? mu : Math.floor((Number(String(mu).replace('%', '')) * want) / 100);
  const now = state.now();
  const cur = state.raw('deployments', d.metadata.name, ns);
  if (!cur || cur.metadata.uid !== d.metadata.uid) return;
  const prevConds = (cur.status as { conditions?: Condition[] } | undefined)?.conditions;
  const availableOk = available >= want - maxUnavailable;
  writeStatus(state, 'deployments', cur, {
    ...dropZeros(
      {
        observedGeneration: cur.metadata.generation ?? 1,
        replicas,
        updatedReplicas: st(latest, 'replicas'),
        readyReplicas: ready,
        availableReplicas: available,
        unavailableReplicas: Math.max(0, want - available),
      },
      [],
    ),
    conditions: [
      condition(
        prevConds,
        'Available',
        availableOk ? 'True' : 'False',
        availableOk ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
        availableOk
          ? 'Deployment has minimum availability.'
          : 'Deployment does not have minimum availability.',
        now,
      ),
      condition(
        prevConds,
        'Progressing',
        'True',
        'NewReplicaSetAvailable',
        `ReplicaSet "${latest.metadata.name}" has successfully progressed.`,
        now,
      ),
    ],
  });
}
