/**
 * Write semantics shared by the HTTP API and the test helpers: create, update (PUT), patch, delete — with the
 * real server's strategies (status vs main resource), optimistic concurrency, no-op detection (an unchanged
 * object keeps its resourceVersion and emits nothing), validation, and graceful pod deletion completed later
 * by a simulated kubelet.
 */
import { rfc3339 } from './clock.js';
import { resourceDef, storageKey, storagePrefix, type ResourceDef } from './resources.js';
import type { SimState } from './state.js';
import {
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  invalid,
  notFound,
  preconditionConflict,
  type FieldError,
  type GroupResource,
  type StatusError,
} from './status.js';
import { cloneJson, isObject, type KObject, type ObjectMeta, type PodObject } from './types.js';
import { dns1123SubdomainErrors, validateMeta, validateNode } from './validation.js';
import { applyJsonPatch, decodeJsonPatch, PatchApplyError, PatchDecodeError } from './patch/json-patch.js';
import { applyMergePatch } from './patch/merge-patch.js';
import { applyStrategicMergePatch, StrategicPatchError } from './patch/strategic-merge.js';
import { unprocessablePatch } from './status.js';
import { applyWorkloadDefaults } from './workloads/defaults.js';

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  dryRun?: boolean;
}

export interface DeleteResult {
  /** What the API returns for kinds that answer with the object (pods, namespaces). */
  object?: KObject;
  /** The Success Status for kinds that answer with one. */
  status?: Record<string, unknown>;
  /** True when the object is gone now (not merely marked for deletion). */
  deleted: boolean;
}

export type WriteMode = 'main' | 'status' | 'direct';

export const gr = (def: ResourceDef): GroupResource => ({ group: def.group, resource: def.resource });

const STATUS_LESS = new Set(['events']);

function keyOf(def: ResourceDef, ns: string | undefined, name: string): string {
  return storagePrefix(def) + storageKey(def, ns, name);
}

export function requireObject(
  state: SimState,
  def: ResourceDef,
  ns: string | undefined,
  name: string,
): KObject {
  const cur = state.raw(def.resource, name, def.namespaced ? ns : undefined);
  if (!cur) throw notFound(gr(def), name);
  return cur;
}

function stripTypeMeta(o: KObject): KObject {
  const { kind: _k, apiVersion: _a, ...rest } = o;
  return rest as KObject;
}

function nameErrors(def: ResourceDef, name: string): FieldError[] {
  const msgs = dns1123SubdomainErrors(name);
  return msgs.map((m) => ({
    type: 'FieldValueInvalid',
    field: 'metadata.name',
    body: `Invalid value: ${JSON.stringify(name)}: ${m}`,
  }));
}

function validate(def: ResourceDef, obj: KObject): void {
  const errs = def.resource === 'nodes' ? validateNode(obj) : validateMeta(obj);
  if (errs.length) throw invalid(def.kind, def.group, obj.metadata.name, errs);
}

// ---- create ----

/** NamespaceLifecycle admission's refusal, with the cause kubectl drain looks for. */
export function namespaceTerminating(what: GroupResource, name: string, namespace: string): StatusError {
  const err = forbidden(
    what,
    name,
    `unable to create new content in namespace ${namespace} because it is being terminated`,
  );
  err.status.details = {
    ...err.status.details,
    causes: [
      {
        reason: 'NamespaceTerminating',
        message: `namespace ${namespace} is being terminated`,
        field: 'metadata.namespace',
      },
    ],
  };
  return err;
}

export function createObject(
  state: SimState,
  def: ResourceDef,
  urlNamespace: string | undefined,
  body: unknown,
  opts: { api: boolean; dryRun?: boolean },
): KObject {
  if (!isObject(body)) throw badRequest('the body of the request was empty or not a JSON object');
  const obj = normalizeTimes(stripTypeMeta(cloneJson(body) as KObject)) as KObject;
  const meta: ObjectMeta = isObject(obj.metadata)
    ? (obj.metadata as ObjectMeta)
    : ({ name: '' } as ObjectMeta);
  obj.metadata = meta;
  if (def.namespaced) {
    if (urlNamespace !== undefined && meta.namespace && meta.namespace !== urlNamespace)
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    meta.namespace = urlNamespace ?? meta.namespace ?? 'default';
    const ns = state.raw('namespaces', meta.namespace);
    if (!ns) throw notFound({ group: '', resource: 'namespaces' }, meta.namespace);
    if (ns.metadata.deletionTimestamp) throw namespaceTerminating(gr(def), meta.name ?? '', meta.namespace);
  } else delete meta.namespace;
  if (!meta.name && meta.generateName) meta.name = meta.generateName + state.rng.suffix(5);
  if (!meta.name)
    throw invalid(def.kind, def.group, '', [
      {
        type: 'FieldValueRequired',
        field: 'metadata.name',
        body: 'Required value: name or generateName is required',
      },
    ]);
  const nameErrs = nameErrors(def, meta.name);
  if (nameErrs.length) throw invalid(def.kind, def.group, meta.name, nameErrs);
  if (state.raw(def.resource, meta.name, meta.namespace)) throw alreadyExists(gr(def), meta.name);

  delete meta.resourceVersion;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.selfLink;
  meta.uid = state.rng.uuid();
  meta.creationTimestamp = opts.api || !meta.creationTimestamp ? state.now() : meta.creationTimestamp;
  if (def.generation) meta.generation = 1;
  else delete meta.generation;
  applyCreateDefaults(state, def, obj, opts.api);
  validate(def, obj);
  if (opts.dryRun)
    return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(state.resourceVersion) } };
  const stored = state.commit(def, 'ADDED', obj);
  if (def.resource === 'pods' && opts.api) state.kubelet.podCreated(stored as PodObject);
  return stored;
}

function applyCreateDefaults(state: SimState, def: ResourceDef, obj: KObject, api: boolean): void {
  switch (def.resource) {
    case 'pods': {
      const spec = (obj.spec ??= {}) as PodObject['spec'];
      spec.restartPolicy ??= 'Always';
      spec.terminationGracePeriodSeconds ??= 30;
      spec.dnsPolicy ??= 'ClusterFirst';
      spec.schedulerName ??= 'default-scheduler';
      spec.securityContext ??= {};
      spec.enableServiceLinks ??= true;
      spec.preemptionPolicy ??= 'PreemptLowerPriority';
      spec.priority ??= 0;
      if (Array.isArray(spec.containers)) {
        spec.containers = spec.containers.map((c) => {
          if (!isObject(c)) return c;
          const image = typeof c.image === 'string' ? c.image : '';
          return {
            ...c,
            resources: c.resources ?? {},
            terminationMessagePath: c.terminationMessagePath ?? '/dev/termination-log',
            terminationMessagePolicy: c.terminationMessagePolicy ?? 'File',
            imagePullPolicy:
              c.imagePullPolicy ??
              (image.endsWith(':latest') || !image.includes(':') ? 'Always' : 'IfNotPresent'),
          };
        });
      }
      if (api || !isObject(obj.status)) obj.status = { phase: 'Pending', qosClass: 'BestEffort' };
      break;
    }
    case 'namespaces': {
      obj.metadata.labels = {
        ...(obj.metadata.labels ?? {}),
        'kubernetes.io/metadata.name': obj.metadata.name,
      };
      obj.spec = { finalizers: ['kubernetes'], ...(isObject(obj.spec) ? obj.spec : {}) };
      obj.status = { phase: 'Active' };
      break;
    }
    case 'poddisruptionbudgets':
    case 'daemonsets':
      if (api || !isObject(obj.status)) obj.status = {};
      break;
    case 'replicasets':
    case 'deployments':
    case 'statefulsets':
      applyWorkloadDefaults(def.resource, obj);
      if (api || !isObject(obj.status))
        obj.status =
          def.resource === 'statefulsets'
            ? { replicas: 0, availableReplicas: 0 }
            : def.resource === 'replicasets'
              ? { replicas: 0 }
              : {};
      break;
    case 'nodes':
      obj.spec ??= {};
      obj.status ??= {};
      break;
    default:
      void state;
  }
}

// ---- update ----

const TIME_KEYS = new Set([
  'creationTimestamp',
  'deletionTimestamp',
  'lastHeartbeatTime',
  'lastTransitionTime',
  'lastProbeTime',
  'timeAdded',
  'startTime',
  'startedAt',
  'finishedAt',
  'firstTimestamp',
  'lastTimestamp',
  'time',
]);
const FRACTIONAL_RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/**
 * metav1.Time fields are stored with second precision in UTC, whatever the client sent (client-node, for one,
 * sends "….000Z"); normalising keeps a re-sent unchanged object a no-op, as on the real server.
 */
export function normalizeTimes(v: unknown, key = ''): unknown {
  if (typeof v === 'string') {
    if (!TIME_KEYS.has(key)) return v;
    const m = FRACTIONAL_RFC3339.exec(v);
    if (!m || (m[2] === undefined && m[3] === 'Z')) return v;
    const t = Date.parse(v);
    return Number.isNaN(t) ? v : new Date(t).toISOString().slice(0, 19) + 'Z';
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = normalizeTimes(v[i], key);
    return v;
  }
  if (isObject(v)) {
    for (const k of Object.keys(v)) v[k] = normalizeTimes(v[k], key === 'disruptedPods' ? 'time' : k);
    return v;
  }
  return v;
}

/** JSON equality that ignores key order and absent-vs-undefined, as comparing decoded Go structs does. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => sameJson(a[k], b[k]));
  }
  return false;
}

/** Whether an update changes anything but the resourceVersion (no-op writes keep the version and emit nothing). */
const unchanged = (next: KObject, cur: KObject): boolean =>
  sameJson(
    { ...next, metadata: { ...next.metadata, resourceVersion: '' } },
    { ...cur, metadata: { ...cur.metadata, resourceVersion: '' } },
  );

const POD_UPDATABLE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function podSpecChangeForbidden(cur: KObject, next: KObject): boolean {
  const munge = (spec: unknown): string => {
    const s = { ...(isObject(spec) ? spec : {}) } as Record<string, unknown>;
    delete s.activeDeadlineSeconds;
    delete s.tolerations;
    delete s.terminationGracePeriodSeconds;
    for (const f of ['containers', 'initContainers'])
      if (Array.isArray(s[f])) s[f] = (s[f] as unknown[]).map((c) => (isObject(c) ? { ...c, image: '' } : c));
    return JSON.stringify(s);
  };
  return munge(cur.spec) !== munge(next.spec);
}

/**
 * Turns a proposed new object into the stored one: immutable metadata from the current object, the status
 * or main-resource strategy, validation, generation, and the no-op check. Returns the stored object (the
 * current one, unchanged, when the update changes nothing).
 */
export function finalizeUpdate(
  state: SimState,
  def: ResourceDef,
  cur: KObject,
  proposed: KObject,
  mode: WriteMode,
  dryRun = false,
): KObject {
  const next = normalizeTimes(stripTypeMeta(proposed)) as KObject;
  const m: ObjectMeta = { ...(isObject(next.metadata) ? (next.metadata as ObjectMeta) : ({} as ObjectMeta)) };
  const cm = cur.metadata;
  m.name = cm.name;
  if (cm.namespace !== undefined) m.namespace = cm.namespace;
  else delete m.namespace;
  m.uid = cm.uid;
  m.creationTimestamp = cm.creationTimestamp;
  if (cm.deletionTimestamp) {
    m.deletionTimestamp = cm.deletionTimestamp;
    m.deletionGracePeriodSeconds = cm.deletionGracePeriodSeconds;
  } else {
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
  }
  if (cm.generation !== undefined) m.generation = cm.generation;
  else delete m.generation;
  if (cm.managedFields) m.managedFields = cm.managedFields;
  delete m.selfLink;
  next.metadata = m;
  const statusful = !STATUS_LESS.has(def.resource);
  if (mode === 'status') {
    next.spec = cur.spec;
    if (def.resource !== 'nodes') {
      for (const f of ['labels', 'annotations', 'ownerReferences', 'finalizers'] as const) {
        if (cm[f] !== undefined) (m as Record<string, unknown>)[f] = cm[f];
        else delete m[f];
      }
    }
  } else if (mode === 'main' && statusful && cur.status !== undefined) {
    next.status = cur.status;
  }
  if (def.resource === 'pods' && mode === 'main' && podSpecChangeForbidden(cur, next)) {
    throw invalid(def.kind, def.group, m.name, [
      { type: 'FieldValueForbidden', field: 'spec', body: `Forbidden: ${POD_UPDATABLE}` },
    ]);
  }
  validate(def, next);
  if (unchanged(next, cur)) return cur;
  if (def.generation && !sameJson(next.spec, cur.spec)) m.generation = (cm.generation ?? 0) + 1;
  if (dryRun) return { ...next, metadata: { ...m, resourceVersion: cm.resourceVersion } };
  return state.commit(def, 'MODIFIED', next, cur);
}

function checkIdentity(def: ResourceDef, cur: KObject, proposedMeta: unknown, urlName: string): void {
  const pm = isObject(proposedMeta) ? proposedMeta : {};
  if (typeof pm.name === 'string' && pm.name !== '' && pm.name !== urlName)
    throw badRequest(`the name of the object (${pm.name}) does not match the name on the URL (${urlName})`);
  if (
    def.namespaced &&
    typeof pm.namespace === 'string' &&
    pm.namespace !== '' &&
    pm.namespace !== cur.metadata.namespace
  )
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  if (typeof pm.uid === 'string' && pm.uid !== '' && pm.uid !== cur.metadata.uid)
    throw preconditionConflict(
      gr(def),
      urlName,
      keyOf(def, cur.metadata.namespace, urlName),
      `Precondition failed: UID in precondition: ${pm.uid}, UID in object meta: ${cur.metadata.uid}`,
    );
  const rv = pm.resourceVersion;
  if (typeof rv === 'string' && rv !== '' && rv !== cur.metadata.resourceVersion)
    throw conflict(gr(def), urlName);
}

export function updateObject(
  state: SimState,
  def: ResourceDef,
  ns: string | undefined,
  name: string,
  body: unknown,
  mode: 'main' | 'status',
  dryRun = false,
): KObject {
  if (!isObject(body)) throw badRequest('the body of the request was empty or not a JSON object');
  const cur = requireObject(state, def, ns, name);
  checkIdentity(def, cur, body.metadata, name);
  return finalizeUpdate(state, def, cur, cloneJson(body) as KObject, mode, dryRun);
}

export type PatchKind = 'json' | 'merge' | 'strategic';

export function patchObject(
  state: SimState,
  def: ResourceDef,
  ns: string | undefined,
  name: string,
  kind: PatchKind,
  patch: unknown,
  mode: 'main' | 'status',
  dryRun = false,
): KObject {
  const cur = requireObject(state, def, ns, name);
  // Patches apply to the versioned object, which carries kind and apiVersion.
  const doc = {
    kind: def.kind,
    apiVersion: def.group ? `${def.group}/${def.version}` : def.version,
    ...cloneJson(cur),
  };
  let patched: unknown;
  try {
    if (kind === 'json') patched = applyJsonPatch(doc, decodeJsonPatch(patch));
    else if (kind === 'merge') {
      if (!isObject(patch)) throw badRequest('invalid JSON Patch');
      patched = applyMergePatch(doc, patch);
    } else patched = applyStrategicMergePatch(def.resource, doc, patch);
  } catch (e) {
    if (e instanceof PatchApplyError) throw unprocessablePatch();
    if (e instanceof PatchDecodeError || e instanceof StrategicPatchError) throw badRequest(e.message);
    throw e;
  }
  if (!isObject(patched)) throw badRequest('the patched object is not a JSON object');
  checkIdentity(def, cur, patched.metadata, name);
  return finalizeUpdate(state, def, cur, patched as KObject, mode, dryRun);
}

/** Test helper path: mutate a copy, keep what the mutator did to status too. */
export function mutateObject(
  state: SimState,
  def: ResourceDef,
  ns: string | undefined,
  name: string,
  mutator: (o: KObject) => void,
): KObject {
  const cur = requireObject(state, def, ns, name);
  const next = cloneJson(cur);
  mutator(next);
  const stored = finalizeUpdate(state, def, cur, next, 'direct');
  return stored;
}

// ---- delete ----

/**
 * Delete preconditions are checked before anything else (rest.BeforeDelete), which names the object by its
 * kind, not its resource: details.kind is "Node", the message says `on Node "x"`.
 */
function checkPreconditions(def: ResourceDef, cur: KObject, p: DeleteOptions['preconditions']): void {
  if (!p) return;
  const byKind = { group: def.group, resource: def.kind };
  if (p.uid && p.uid !== cur.metadata.uid)
    throw conflict(
      byKind,
      cur.metadata.name,
      `the UID in the precondition (${p.uid}) does not match the UID in record (${cur.metadata.uid}). The object might have been deleted and then recreated`,
    );
  if (p.resourceVersion && p.resourceVersion !== cur.metadata.resourceVersion)
    throw conflict(
      byKind,
      cur.metadata.name,
      `the ResourceVersion in the precondition (${p.resourceVersion}) does not match the ResourceVersion in record (${cur.metadata.resourceVersion}). The object might have been modified`,
    );
}

/** Remove an object now; the DELETED event (and the returned object) carry the deletion's resourceVersion. */
export function removeNow(state: SimState, def: ResourceDef, cur: KObject): KObject {
  return state.commit(def, 'DELETED', { ...cur, metadata: { ...cur.metadata } }, cur);
}

function successStatus(def: ResourceDef, cur: KObject): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: {
      name: cur.metadata.name,
      ...(def.group ? { group: def.group } : {}),
      kind: def.resource,
      uid: cur.metadata.uid,
    },
  };
}

export function deleteObject(
  state: SimState,
  def: ResourceDef,
  ns: string | undefined,
  name: string,
  options: DeleteOptions,
): DeleteResult {
  const cur = requireObject(state, def, ns, name);
  checkPreconditions(def, cur, options.preconditions);
  if (def.resource === 'pods') return deletePod(state, def, cur as PodObject, options);
  if (def.resource === 'namespaces') return deleteNamespace(state, def, cur, options);
  if (!options.dryRun) removeNow(state, def, cur);
  return { status: successStatus(def, cur), deleted: true };
}

function podGracePeriod(pod: PodObject, requested: number | undefined): number {
  let period = requested ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  if (!pod.spec.nodeName) period = 0;
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') period = 0;
  if (period < 0) period = 1;
  return period;
}

/**
 * Pods are deleted in two steps, like the real registry: an update that stamps deletionTimestamp and
 * deletionGracePeriodSeconds (MODIFIED), then — only once the grace period is 0 — the removal (DELETED).
 * So even an immediate deletion emits MODIFIED then DELETED, and a kubelet finishing a graceful deletion
 * does so with a second, zero-grace delete.
 */
function deletePod(state: SimState, def: ResourceDef, pod: PodObject, options: DeleteOptions): DeleteResult {
  const grace = podGracePeriod(pod, options.gracePeriodSeconds);
  const m = pod.metadata;
  let next: PodObject;
  if (m.deletionTimestamp) {
    const existing = m.deletionGracePeriodSeconds ?? 0;
    // A zero grace period already stamped means an interrupted deletion: finish it.
    if (existing === 0) return { object: options.dryRun ? pod : removeNow(state, def, pod), deleted: true };
    // Already terminating: a delete may only shorten the grace period.
    if (options.gracePeriodSeconds === undefined || grace >= existing || options.dryRun)
      return { object: pod, deleted: false };
    const requestedAt = Date.parse(m.deletionTimestamp) - existing * 1000;
    next = {
      ...pod,
      metadata: {
        ...m,
        deletionTimestamp: rfc3339(requestedAt + grace * 1000),
        deletionGracePeriodSeconds: grace,
      },
    };
  } else {
    next = {
      ...pod,
      metadata: {
        ...m,
        deletionTimestamp: rfc3339(state.clock.now() + grace * 1000),
        deletionGracePeriodSeconds: grace,
        ...(m.generation !== undefined ? { generation: m.generation + 1 } : {}),
      },
    };
    if (options.dryRun) return { object: next, deleted: grace === 0 };
  }
  const stored = state.commit(def, 'MODIFIED', next, pod) as PodObject;
  if (grace === 0) {
    // The answer is the removed object at the deletion's resourceVersion, as the real storage returns it.
    return { object: removeNow(state, def, stored), deleted: true };
  }
  state.kubelet.scheduleRemoval(stored, grace);
  return { object: stored, deleted: false };
}

function deleteNamespace(
  state: SimState,
  def: ResourceDef,
  ns: KObject,
  options: DeleteOptions,
): DeleteResult {
  if (ns.metadata.deletionTimestamp || options.dryRun) return { object: ns, deleted: false };
  const next = {
    ...ns,
    metadata: { ...ns.metadata, deletionTimestamp: state.now() },
    status: { ...(ns.status ?? {}), phase: 'Terminating' },
  };
  const stored = state.commit(def, 'MODIFIED', next, ns);
  const name = ns.metadata.name;
  const contents = (): [ResourceDef, KObject][] => {
    const out: [ResourceDef, KObject][] = [];
    for (const store of state.allStores()) {
      if (!store.def.namespaced) continue;
      for (const o of store.items.values()) if (o.metadata.namespace === name) out.push([store.def, o]);
    }
    return out;
  };
  // The namespace controller deletes what the namespace holds — pods gracefully, so the namespace stays
  // Terminating (refusing new content, evictions included) until their kubelets are done — and removes the
  // namespace once it is empty.
  let stopWatching: (() => void) | undefined;
  const finishIfEmpty = (): void => {
    if (contents().length) return;
    stopWatching?.();
    const cur = state.raw('namespaces', name);
    if (cur && cur.metadata.uid === ns.metadata.uid) removeNow(state, resourceDef('namespaces'), cur);
  };
  state.timers.after(0, () => {
    for (const [d, o] of contents()) {
      if (d.resource === 'pods') deleteObject(state, d, name, o.metadata.name, {});
      else removeNow(state, d, o);
    }
    stopWatching = state.onChange((ev, d) => {
      if (ev.type === 'DELETED' && d.namespaced && ev.obj.metadata.namespace === name) finishIfEmpty();
    });
    finishIfEmpty();
  });
  return { object: stored, deleted: false };
}
