/**
 * The request pipeline of the simulated API server: route → count → authenticate → authorize → injected
 * failures → the verb's handler. Every failure leaves as a Kubernetes Status body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import yaml from 'js-yaml';
import { randomUUID } from 'node:crypto';
import { apiGroup, apiGroupList, apiVersions, resourceList, SIM_VERSION } from '../discovery.js';
import { evictPod } from '../disruption.js';
import {
  listObjects,
  parseRv,
  tooLargeRv,
  tooOldRv,
  TOO_LARGE_RV_WAIT_MS,
  type ListParams,
} from '../list.js';
import { apiVersionOf, storageKey, type ResourceDef } from '../resources.js';
import { parseFieldSelector, parseLabelSelector, type FieldRequirement } from '../selectors.js';
import { LineCache, serializeObject, type SimState } from '../state.js';
import {
  badRequest,
  failure,
  forbidden,
  invalid,
  methodNotSupported,
  PATCH_TYPES,
  resourceNotFound,
  StatusError,
  unauthorized,
  unsupportedMediaType,
} from '../status.js';
import { toTable, wantsTable } from '../table.js';
import { isObject, type KObject } from '../types.js';
import {
  createObject,
  deleteObject,
  patchObject,
  updateObject,
  type DeleteOptions,
  type PatchKind,
} from '../writes.js';
import { FaultInjector, RequestCounter, type RequestInfo } from './faults.js';
import { answerAccessReview, isAccessReviewPath } from './access-review.js';
import { parseRoute, verbOf, type Route } from './routes.js';
import { WatchStream } from './watch-stream.js';
import { impersonatedUser, type SimRbacRule, type SimUser } from './impersonation.js';
import type { SimMetrics } from '../metrics.js';

export interface HandlerDeps {
  state(): SimState;
  adminToken: string;
  viewerToken: string;
  viewerUser: string;
  anonymousAuth: boolean;
  serverAddress(): string;
  faults: FaultInjector;
  counter: RequestCounter;
  watches: Set<WatchStream>;
  /** Default watch duration when the client sets no timeoutSeconds. */
  watchTimeoutMs(): number;
  /** What impersonated users may do (Impersonate-User/Group); absent = everything. */
  rbac?(): readonly SimRbacRule[] | undefined;
  /** metrics.k8s.io (absent: the group is never served). */
  metrics?: SimMetrics;
}

type User = SimUser | null;

const MAX_BODY = 3 * 1024 * 1024;
const PUBLIC_PATHS = new Set(['/version', '/version/', '/healthz', '/livez', '/readyz']);
const READ_VERBS = new Set(['get', 'list', 'watch']);
const PATCH_KINDS: Record<string, PatchKind> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
};

function baseHeaders(): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Audit-Id': randomUUID(),
    'X-Kubernetes-Pf-Flowschema-Uid': '',
    'X-Kubernetes-Pf-Prioritylevel-Uid': '',
  };
}

function sendRaw(res: ServerResponse, code: number, body: string, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(code, { ...baseHeaders(), ...extra, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  sendRaw(res, code, JSON.stringify(body));
}

function sendStatus(res: ServerResponse, err: StatusError): void {
  const extra: Record<string, string> = {};
  const ra = err.status.details?.retryAfterSeconds;
  if (ra) extra['Retry-After'] = String(ra);
  sendRaw(res, err.status.code, JSON.stringify(err.status), extra);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    const b = c as Buffer;
    size += b.length;
    if (size > MAX_BODY)
      throw failure(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJsonBody(text: string, what: 'object' | 'patch', contentType = ''): unknown {
  if (!text.trim()) {
    if (what === 'patch') throw badRequest('the body of the request was empty');
    return undefined;
  }
  try {
    // Like the real server, object bodies may also be YAML.
    if (what === 'object' && /^application\/(yaml|x-yaml)\b/.test(contentType)) return yaml.load(text);
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(
      what === 'patch'
        ? `error decoding patch: ${(e as Error).message}`
        : `couldn't get version/kind; json parse error: ${(e as Error).message}`,
    );
  }
}

function authenticate(deps: HandlerDeps, req: IncomingMessage): User {
  const h = req.headers.authorization;
  if (!h) {
    if (!deps.anonymousAuth) throw unauthorized();
    return null;
  }
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  if (!m) throw unauthorized();
  const token = m[1]!.trim();
  if (token === deps.adminToken) return { name: 'sim-admin', admin: true };
  if (token === deps.viewerToken) return { name: deps.viewerUser, admin: false };
  throw unauthorized();
}

function authorize(user: User, route: Route, info: RequestInfo, path: string): void {
  if (user?.allows) {
    if (route.type !== 'resource' || user.allows(info.verb, info.resource)) return;
  } else if (user?.admin) return;
  const who = user ? user.name : 'system:anonymous';
  if (route.type !== 'resource') {
    if (
      user ||
      PUBLIC_PATHS.has(path) ||
      path.startsWith('/healthz/') ||
      path.startsWith('/livez/') ||
      path.startsWith('/readyz/')
    )
      return;
    throw forbidden(undefined, '', `User "${who}" cannot ${info.verb} path "${path}"`);
  }
  if (user && !user.allows && READ_VERBS.has(info.verb)) return;
  const def = route.def;
  const scope = info.namespace ? `in the namespace "${info.namespace}"` : 'at the cluster scope';
  throw forbidden(
    { group: def.group, resource: def.resource },
    info.name ?? '',
    `User "${who}" cannot ${info.verb} resource "${info.resource}" in API group "${def.group}" ${scope}`,
  );
}

export function createRequestHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((err: unknown) => {
      if (err instanceof StatusError) sendStatus(res, err);
      else
        sendStatus(
          res,
          failure(500, 'InternalError', `Internal error occurred: ${(err as Error)?.message ?? String(err)}`),
        );
    });
  };
}

async function handle(deps: HandlerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sim.local');
  const method = (req.method ?? 'GET').toUpperCase();
  const route = parseRoute(url.pathname);
  const verb = verbOf(method, route, url.searchParams);
  const metricsPath = deps.metrics?.handles(url.pathname) ?? false;
  const info: RequestInfo = {
    verb,
    method,
    resource:
      route.type === 'resource'
        ? route.def.resource + (route.sub ? `/${route.sub}` : '')
        : metricsPath
          ? 'metrics.k8s.io'
          : '',
    name: route.type === 'resource' ? route.name : undefined,
    namespace: route.type === 'resource' ? route.namespace : undefined,
  };
  deps.counter.record(info);
  const user = impersonatedUser(req, authenticate(deps, req), deps.rbac?.());
  authorize(user, route, info, url.pathname);
  const fault = deps.faults.take(info);
  if (fault) {
    if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    throw fault.error;
  }
  if (isAccessReviewPath(url.pathname)) return answerAccessReview(req, res, user);
  if (metricsPath) {
    const a = deps.metrics!.answer(url.pathname, method);
    return sendJson(res, a.code, a.body);
  }
  if (route.type === 'nonresource') return handleNonResource(deps, res, url.pathname);
  if (route.type === 'unknown') throw resourceNotFound();
  const state = deps.state();
  const { def } = route;
  const q = url.searchParams;
  const dryRun = q.getAll('dryRun').includes('All');
  if ((verb === 'update' || verb === 'patch') && route.name === undefined)
    throw failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  switch (verb) {
    case 'get':
      return handleGet(state, res, route, q, wantsTable(req.headers.accept));
    case 'list':
      return handleList(state, res, route, q, wantsTable(req.headers.accept));
    case 'watch':
      return handleWatch(
        deps,
        state,
        res,
        route,
        q,
        wantsTable(req.headers.accept) && route.sub === undefined,
      );
    case 'create': {
      const body = parseJsonBody(await readBody(req), 'object', req.headers['content-type']);
      if (route.sub === 'eviction') {
        const ans = evictPod(state, route.namespace!, route.name!, body, dryRun);
        return sendJson(res, ans.code, ans.body);
      }
      if (route.sub !== undefined || route.name !== undefined)
        throw methodNotSupported({ group: def.group, resource: info.resource }, 'create');
      if (def.namespaced && route.namespace === undefined)
        throw methodNotSupported({ group: def.group, resource: def.resource }, 'create');
      const obj = createObject(state, def, route.namespace, body, { api: true, dryRun });
      return sendRaw(res, 201, serializeObject(def, obj));
    }
    case 'update': {
      if (route.sub === 'eviction')
        throw methodNotSupported({ group: def.group, resource: info.resource }, 'update');
      const body = parseJsonBody(await readBody(req), 'object', req.headers['content-type']);
      const obj = updateObject(
        state,
        def,
        route.namespace,
        route.name!,
        body,
        route.sub === 'status' ? 'status' : 'main',
        dryRun,
      );
      return sendRaw(res, 200, serializeObject(def, obj));
    }
    case 'patch': {
      if (route.sub === 'eviction')
        throw methodNotSupported({ group: def.group, resource: info.resource }, 'patch');
      const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const kind = PATCH_KINDS[ct];
      if (!kind) {
        await readBody(req);
        throw unsupportedMediaType(PATCH_TYPES);
      }
      const patch = parseJsonBody(await readBody(req), 'patch');
      const obj = patchObject(
        state,
        def,
        route.namespace,
        route.name!,
        kind,
        patch,
        route.sub === 'status' ? 'status' : 'main',
        dryRun,
      );
      return sendRaw(res, 200, serializeObject(def, obj));
    }
    case 'delete': {
      if (route.sub !== undefined)
        throw methodNotSupported({ group: def.group, resource: info.resource }, 'delete');
      const opts = deleteOptions(
        parseJsonBody(await readBody(req), 'object', req.headers['content-type']),
        q,
      );
      const r = deleteObject(state, def, route.namespace, route.name!, {
        ...opts,
        dryRun: dryRun || opts.dryRun,
      });
      if (r.object) return sendRaw(res, 200, serializeObject(def, r.object));
      return sendJson(res, 200, r.status);
    }
    case 'deletecollection':
      return handleDeleteCollection(state, req, res, route, q);
    default:
      throw failure(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
      );
  }
}

function handleNonResource(deps: HandlerDeps, res: ServerResponse, path: string): void {
  const p = path.replace(/\/+$/, '') || '/';
  if (p === '/healthz' || p === '/livez' || p === '/readyz') {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end('ok');
    return;
  }
  let doc: unknown;
  if (p === '/version') doc = SIM_VERSION;
  else if (p === '/api') doc = apiVersions(deps.serverAddress());
  else if (p === '/apis') doc = apiGroupList(deps.metrics?.group());
  else if (p === '/api/v1') doc = resourceList('v1');
  else if (p.startsWith('/apis/')) {
    const parts = p.split('/').filter(Boolean);
    if (parts.length === 2) doc = apiGroup(parts[1]!);
    else if (parts.length === 3) doc = resourceList(`${parts[1]}/${parts[2]}`);
  }
  if (doc === undefined) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end('404 page not found\n');
    return;
  }
  sendJson(res, 200, doc);
}

function routeObject(state: SimState, route: Extract<Route, { type: 'resource' }>): KObject | undefined {
  return state.store(route.def.resource).items.get(storageKey(route.def, route.namespace, route.name!));
}

function handleGet(
  state: SimState,
  res: ServerResponse,
  route: Extract<Route, { type: 'resource' }>,
  q: URLSearchParams,
  table = false,
): void {
  const { def } = route;
  if (route.sub === 'eviction')
    throw methodNotSupported({ group: def.group, resource: `${def.resource}/eviction` }, 'get');
  if (def.resource === 'poddisruptionbudgets') state.disruption.flush();
  const obj = routeObject(state, route);
  if (!obj)
    throw failure(
      404,
      'NotFound',
      `${def.group ? `${def.resource}.${def.group}` : def.resource} "${route.name}" not found`,
      {
        name: route.name,
        ...(def.group ? { group: def.group } : {}),
        kind: def.resource,
      },
    );
  if (table && route.sub === undefined)
    return sendJson(
      res,
      200,
      toTable(
        def,
        [obj],
        { resourceVersion: obj.metadata.resourceVersion },
        state.clock.now(),
        includeObject(q),
      ),
    );
  sendRaw(res, 200, serializeObject(def, obj));
}

/** Field selectors are checked against the labels the real server supports for the kind. */
function fieldSelectorFor(def: ResourceDef, raw: string | null): FieldRequirement[] {
  const reqs = parseFieldSelector(raw);
  return reqs.map((r) => {
    const field = def.resource === 'pods' && r.field === 'spec.host' ? 'spec.nodeName' : r.field;
    if (!def.fields[field]) throw badRequest(`field label not supported: ${r.field}`);
    return { ...r, field };
  });
}

function listParams(
  def: ResourceDef,
  route: Extract<Route, { type: 'resource' }>,
  q: URLSearchParams,
): ListParams {
  const limitRaw = q.get('limit');
  let limit = 0;
  if (limitRaw) {
    limit = Number(limitRaw);
    if (!Number.isInteger(limit))
      throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(limitRaw)}: invalid syntax`);
  }
  return {
    namespace: route.namespace,
    labelSelector: parseLabelSelector(q.get('labelSelector')),
    fieldSelector: fieldSelectorFor(def, q.get('fieldSelector')),
    limit,
    continueToken: q.get('continue') ?? undefined,
    resourceVersion: q.get('resourceVersion') ?? undefined,
    resourceVersionMatch: q.get('resourceVersionMatch') ?? undefined,
  };
}

async function writeList(
  res: ServerResponse,
  def: ResourceDef,
  items: KObject[],
  meta: Record<string, unknown>,
): Promise<void> {
  res.writeHead(200, baseHeaders());
  let chunk = `{"kind":"${def.listKind}","apiVersion":"${apiVersionOf(def)}","metadata":${JSON.stringify(meta)},"items":[`;
  for (let i = 0; i < items.length; i++) {
    chunk += (i ? ',' : '') + JSON.stringify(items[i]);
    if (chunk.length > 256 * 1024) {
      if (!res.write(chunk)) await once(res, 'drain');
      chunk = '';
    }
  }
  res.end(chunk + ']}');
}

async function handleList(
  state: SimState,
  res: ServerResponse,
  route: Extract<Route, { type: 'resource' }>,
  q: URLSearchParams,
  table = false,
): Promise<void> {
  const { def } = route;
  if (def.resource === 'poddisruptionbudgets') state.disruption.flush();
  const p = listParams(def, route, q);
  const r = await listObjects(
    {
      store: state.store(def.resource),
      currentRv: () => state.resourceVersion,
      waitForRv: (rv, t) => state.waitForRv(rv, t),
    },
    p,
  );
  const meta: Record<string, unknown> = { resourceVersion: String(r.resourceVersion) };
  if (r.continue) meta.continue = r.continue;
  if (r.remainingItemCount !== undefined) meta.remainingItemCount = r.remainingItemCount;
  if (table) return sendJson(res, 200, toTable(def, r.items, meta, state.clock.now(), includeObject(q)));
  await writeList(res, def, r.items, meta);
}

function includeObject(q: URLSearchParams): 'None' | 'Metadata' | 'Object' {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function watchValidation(q: URLSearchParams): void {
  const match = q.get('resourceVersionMatch');
  const sie = q.get('sendInitialEvents');
  if (sie !== null && match !== 'NotOlderThan')
    throw invalid('ListOptions', 'meta.k8s.io', '', [
      {
        type: 'FieldValueForbidden',
        field: 'resourceVersionMatch',
        body: 'Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
      },
    ]);
  if (match && sie === null)
    throw invalid('ListOptions', 'meta.k8s.io', '', [
      {
        type: 'FieldValueForbidden',
        field: 'resourceVersionMatch',
        body: 'Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
      },
    ]);
}

async function handleWatch(
  deps: HandlerDeps,
  state: SimState,
  res: ServerResponse,
  route: Extract<Route, { type: 'resource' }>,
  q: URLSearchParams,
  table = false,
): Promise<void> {
  const { def } = route;
  watchValidation(q);
  const labelSelector = parseLabelSelector(q.get('labelSelector'));
  const fieldSelector = fieldSelectorFor(def, q.get('fieldSelector'));
  if (route.name !== undefined) fieldSelector.push({ field: 'metadata.name', op: '=', value: route.name });
  const flag = (k: string): boolean => q.get(k) === 'true' || q.get(k) === '1';
  const sendInitial = q.get('sendInitialEvents') === 'true';
  const timeoutSeconds = Number(q.get('timeoutSeconds') ?? 0);
  const timeoutMs = timeoutSeconds > 0 ? timeoutSeconds * 1000 : deps.watchTimeoutMs();
  const rvRaw = q.get('resourceVersion') ?? '';
  const store = state.store(def.resource);

  let fromRv: number | undefined;
  if (rvRaw !== '' && rvRaw !== '0') fromRv = parseRv(rvRaw);
  let errorStatus: unknown;
  if (fromRv !== undefined && !sendInitial) {
    if (fromRv > state.resourceVersion && !(await state.waitForRv(fromRv, TOO_LARGE_RV_WAIT_MS))) {
      errorStatus = tooLargeRv(fromRv, state.resourceVersion).status;
    } else if (fromRv < store.compactedRv) {
      errorStatus = tooOldRv(fromRv, store.compactedRv).status;
    }
  }
  res.writeHead(200, { ...baseHeaders(), 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const w = new WatchStream(res, {
    def,
    store,
    namespace: route.namespace,
    labelSelector,
    fieldSelector,
    allowBookmarks: flag('allowWatchBookmarks'),
    timeoutMs,
    timers: state.timers,
    startRv: fromRv !== undefined && !sendInitial ? fromRv : state.resourceVersion,
    latestRv: () => store.latestRv,
    onClose: (x) => deps.watches.delete(x),
    ...(table
      ? {
          table: (o: KObject, headers: boolean) =>
            toTable(
              def,
              [o],
              { resourceVersion: o.metadata.resourceVersion },
              state.clock.now(),
              includeObject(q),
              headers,
            ),
        }
      : {}),
  });
  deps.watches.add(w);
  if (errorStatus) {
    w.error(errorStatus);
    return;
  }
  if (fromRv === undefined || sendInitial) {
    const snap: KObject[] = [];
    const keys = store.keys.get();
    for (const k of keys) {
      const o = store.items.get(k)!;
      if (w.matches(o)) snap.push(o);
    }
    w.setSnapshot(snap);
    if (sendInitial) w.bookmark(state.resourceVersion, { 'k8s.io/initial-events-end': 'true' });
  } else {
    for (const ev of store.eventsSince(fromRv) ?? []) w.offer(ev, new LineCache(def));
  }
  store.watchers.add(w);
}

function deleteOptions(body: unknown, q: URLSearchParams): DeleteOptions {
  const o: DeleteOptions = {};
  const b = isObject(body) ? body : {};
  const g =
    b.gracePeriodSeconds ??
    (q.get('gracePeriodSeconds') !== null ? Number(q.get('gracePeriodSeconds')) : undefined);
  if (typeof g === 'number' && Number.isFinite(g)) o.gracePeriodSeconds = g;
  if (isObject(b.preconditions)) o.preconditions = b.preconditions as DeleteOptions['preconditions'];
  if (typeof b.propagationPolicy === 'string') o.propagationPolicy = b.propagationPolicy;
  if (Array.isArray(b.dryRun) && b.dryRun.includes('All')) o.dryRun = true;
  return o;
}

async function handleDeleteCollection(
  state: SimState,
  req: IncomingMessage,
  res: ServerResponse,
  route: Extract<Route, { type: 'resource' }>,
  q: URLSearchParams,
): Promise<void> {
  const { def } = route;
  if (def.resource === 'namespaces')
    throw methodNotSupported({ group: '', resource: 'namespaces' }, 'deletecollection');
  const opts = deleteOptions(parseJsonBody(await readBody(req), 'object', req.headers['content-type']), q);
  const p = listParams(def, route, q);
  const r = await listObjects(
    {
      store: state.store(def.resource),
      currentRv: () => state.resourceVersion,
      waitForRv: (rv, t) => state.waitForRv(rv, t),
    },
    { ...p, limit: 0, continueToken: undefined },
  );
  const out: KObject[] = [];
  for (const o of r.items) {
    const d = deleteObject(state, def, o.metadata.namespace, o.metadata.name, opts);
    out.push(d.object ?? o);
  }
  await writeList(res, def, out, { resourceVersion: String(state.resourceVersion) });
}
