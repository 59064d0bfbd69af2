/**
 * SelfSubjectAccessReview, so the product's permission preflight can run against the simulator. The answer
 * follows the simulator's own authorizer: the admin token may do everything, the viewer only get/list/watch.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, failure } from '../status.js';
import type { SimUser } from './impersonation.js';

const PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
const READ_VERBS = new Set(['get', 'list', 'watch']);
const MAX_BODY = 64 * 1024;

export const isAccessReviewPath = (pathname: string): boolean => pathname.replace(/\/+$/, '') === PATH;

interface ReviewSpec {
  resourceAttributes?: { verb?: string; resource?: string; subresource?: string; group?: string };
  nonResourceAttributes?: { verb?: string; path?: string };
}

export async function answerAccessReview(
  req: IncomingMessage,
  res: ServerResponse,
  user: SimUser | null,
): Promise<void> {
  if ((req.method ?? 'GET').toUpperCase() !== 'POST')
    throw failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw failure(413, 'RequestEntityTooLarge', 'Request entity too large');
    chunks.push(c as Buffer);
  }
  let body: { spec?: ReviewSpec };
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { spec?: ReviewSpec };
  } catch (e) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
  const spec = body?.spec ?? {};
  const attrs = spec.resourceAttributes ?? spec.nonResourceAttributes;
  if (!attrs)
    throw failure(
      422,
      'Invalid',
      'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
  const verb = String(attrs.verb ?? '');
  const r = spec.resourceAttributes;
  const resource = r ? `${r.resource ?? ''}${r.subresource ? `/${r.subresource}` : ''}` : '';
  const allowed =
    !!user && (user.allows ? !r || user.allows(verb, resource) : user.admin || READ_VERBS.has(verb));
  const review = {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status: allowed ? { allowed: true, reason: 'simulator' } : { allowed: false },
  };
  res.writeHead(201, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(review));
}
