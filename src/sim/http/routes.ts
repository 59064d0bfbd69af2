/** URL → what is being asked: discovery, a non-resource path, or a resource request with its verb. */
import { findResource, type ResourceDef } from '../resources.js';

export type Route =
  | { type: 'nonresource'; path: string }
  | {
      type: 'resource';
      def: ResourceDef;
      namespace?: string;
      name?: string;
      sub?: string;
      /** Legacy `/api/v1/watch/...` form. */
      watchPath: boolean;
    }
  | { type: 'unknown' };

export function parseRoute(pathname: string): Route {
  const segs = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 2) {
    group = '';
    version = segs[1]!;
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 3) {
    group = segs[1]!;
    version = segs[2]!;
    rest = segs.slice(3);
  } else return { type: 'nonresource', path: pathname };
  if (rest.length === 0) return { type: 'nonresource', path: pathname };
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  // `/namespaces/{ns}/{resource}...` unless it is a namespace's own subresource (`/namespaces/{ns}/status`).
  if (rest[0] === 'namespaces' && rest.length >= 3 && findResource(group, version, rest[2]!)) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  const [resource, name, sub, extra] = rest;
  if (!resource || extra !== undefined) return { type: 'unknown' };
  const def = findResource(group, version, resource);
  if (!def) return { type: 'unknown' };
  if (namespace !== undefined && !def.namespaced) return { type: 'unknown' };
  // A namespaced object can only be addressed inside its namespace.
  if (namespace === undefined && def.namespaced && name !== undefined) return { type: 'unknown' };
  if (sub !== undefined && !def.subresources.some((s) => s.name === sub)) return { type: 'unknown' };
  return { type: 'resource', def, namespace, name, sub, watchPath };
}

export function verbOf(method: string, route: Route, query: URLSearchParams): string {
  if (route.type !== 'resource') return method === 'GET' || method === 'HEAD' ? 'get' : method.toLowerCase();
  const w = query.get('watch');
  const watching = route.watchPath || w === 'true' || w === '1';
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (route.name === undefined) return watching ? 'watch' : 'list';
      return route.watchPath ? 'watch' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return route.name === undefined ? 'deletecollection' : 'delete';
    default:
      return method.toLowerCase();
  }
}
