/**
 * What the main routes answer, as zod schemas for the OpenAPI document. They describe, they do not check: a reply
 * is sent as its handler made it (validation.ts), so a field added to an answer before it is added here is still
 * sent. Objects are open (`looseObject`) for that reason; the fields listed are the ones clients rely on.
 * `documented` keeps them out of the handlers' types, so a route answering pre-serialised JSON text (the node
 * list) can describe the object that text holds.
 */
import type { FastifySchema } from 'fastify';
import { z } from 'zod';

/** A message's code and parameters next to its English text (src/messages/codes.ts). */
const messageCode = {
  messageCode: z
    .string()
    .optional()
    .describe('stable code of `message`, for translation (src/messages/codes.ts)'),
  messageParams: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
};

/** Response schemas by status code, for the document only (see the module comment). */
export function documented(responses: Record<number, z.ZodType>): FastifySchema['response'] {
  return responses;
}

export const errorResponse = z
  .object({
    error: z.looseObject({
      code: z.string().describe('stable, e.g. BadRequest, NotFound, GuardRefused'),
      message: z.string(),
      field: z.string().optional().describe('the offending field, e.g. add[0].effect or query.limit'),
      details: z.unknown().optional(),
      ...messageCode,
    }),
  })
  .describe('Every error has this shape.');

const taint = z.looseObject({ key: z.string(), value: z.string().optional(), effect: z.string() });
const condition = z.looseObject({ type: z.string(), status: z.string(), reason: z.string().optional() });
const resources = z.record(z.string(), z.string());

export const nodeRow = z.looseObject({
  cluster: z.string(),
  name: z.string(),
  uid: z.string(),
  resourceVersion: z.string(),
  status: z.enum(['Ready', 'NotReady', 'Unknown']),
  schedulable: z.boolean(),
  unschedulable: z.boolean(),
  cordon: z.looseObject({ reason: z.string().optional(), by: z.string().optional() }).optional(),
  roles: z.array(z.string()),
  internalIP: z.string().optional(),
  labels: z.record(z.string(), z.string()),
  taints: z.array(taint),
  capacity: resources,
  allocatable: resources,
  podCount: z.number().nullable(),
  kubeletVersion: z.string().optional(),
  createdAt: z.string(),
  conditions: z.array(condition),
});

export const nodeListResponse = z.looseObject({
  items: z.array(nodeRow),
  total: z.number(),
  continue: z.string().optional().describe('pass back as `continue` for the next page'),
  source: z.string().describe('cache, or direct while a cluster is degraded'),
  degraded: z.boolean(),
  clusters: z.record(z.string(), z.unknown()).describe('per cluster: its state and counts'),
  podCountSource: z.record(z.string(), z.string()),
  hiddenClusters: z.record(z.string(), z.unknown()).optional(),
});

export const nodeDetailResponse = nodeRow.extend({
  annotations: z.record(z.string(), z.string()),
  addresses: z.array(z.looseObject({ type: z.string(), address: z.string() })),
  systemInfo: z.record(z.string(), z.string()),
  source: z.string(),
  degraded: z.boolean(),
});

const jobNode = z.looseObject({
  cluster: z.string(),
  name: z.string(),
  status: z.string(),
  message: z.string().optional(),
  ...messageCode,
});

export const job = z.looseObject({
  id: z.string(),
  operation: z.string(),
  params: z.record(z.string(), z.unknown()),
  targets: z.array(z.looseObject({ cluster: z.string() })),
  concurrency: z.number(),
  status: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  message: z.string().optional(),
  ...messageCode,
  total: z.number(),
  done: z.number(),
  counts: z.record(z.string(), z.number()),
  nodes: z.array(jobNode),
});

export const jobResponse = z.object({ job });
export const jobPageResponse = z.object({ items: z.array(job), continue: z.string().optional() });

export const clusterInfo = z.looseObject({
  name: z.string(),
  source: z.string(),
  server: z.string(),
  context: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  state: z.string(),
  version: z.string().optional(),
  nodeCount: z.number(),
  readyNodeCount: z.number(),
  lastError: z.string().optional(),
  podIndex: z.boolean(),
  impersonate: z.boolean(),
});

export const clusterListResponse = z.looseObject({ items: z.array(clusterInfo) });

export const user = z.looseObject({
  id: z.string(),
  username: z.string(),
  role: z.enum(['viewer', 'operator', 'admin']),
  clusters: z.array(z.string()).nullable(),
  canOverrideGuard: z.boolean(),
  canOverrideSystemLabels: z.boolean(),
  canDisableEviction: z.boolean(),
  source: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const userResponse = z.object({ user });
export const userListResponse = z.object({ items: z.array(user) });

export const auditPageResponse = z.object({
  items: z.array(
    z.looseObject({
      id: z.string(),
      at: z.string(),
      user: z.string().nullable(),
      action: z.string(),
      cluster: z.string().nullable(),
      nodes: z.array(z.string()),
      params: z.record(z.string(), z.unknown()).nullable(),
      outcome: z.string(),
      status: z.number().nullable(),
      message: z.string().nullable(),
    }),
  ),
  nextCursor: z.string().optional().describe('pass back as `cursor` for the next (older) page'),
});

/** The usual error answers of a route, beside its own. */
export const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse };
