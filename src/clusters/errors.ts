// The distinct, stable errors of cluster registration. Each tells the admin what to fix; none carries a
// credential. Credential problems reported by the cluster (401, 403) answer 400, not 401/403: the admin's own
// session and role are fine, the submitted credentials are not — a console must not read them as "log in again".
import { ApiError } from '../errors.js';

export const invalidName = (name: string) =>
  new ApiError(
    400,
    'InvalidName',
    `cluster name "${name.slice(0, 80)}" is not valid: use at most 63 lower-case letters, digits and '-', ` +
      'starting and ending with a letter or digit',
    'name',
  );

export const alreadyExists = (name: string) =>
  new ApiError(409, 'AlreadyExists', `a cluster named "${name}" already exists`, 'name');

export const clusterNotFound = (name: string) => new ApiError(404, 'NotFound', `cluster "${name}" not found`);

export const clusterUnavailable = (name: string, why: string) =>
  new ApiError(503, 'ClusterUnavailable', `cluster "${name}" is registered but cannot be used: ${why}`);

export const invalidKubeconfig = (message: string, field = 'kubeconfig') =>
  new ApiError(400, 'InvalidKubeconfig', message, field);

export const unknownContext = (context: string | undefined, known: string[], where: string) =>
  new ApiError(
    400,
    'UnknownContext',
    context
      ? `context "${context}" not found in ${where} (known contexts: ${known.join(', ') || 'none'})`
      : `${where} has no current context; choose one of: ${known.join(', ') || 'none'}`,
    'context',
    { contexts: known },
  );

export const noServerKubeconfig = (looked: string[]) =>
  new ApiError(
    400,
    'NoServerKubeconfig',
    `the server has no kubeconfig (looked at ${looked.join(', ') || 'nothing'}); set KNM_KUBECONFIG or KUBECONFIG`,
    'source',
  );

export const notInCluster = (why: string) =>
  new ApiError(400, 'NotInCluster', `the server is not running inside a Kubernetes pod: ${why}`, 'source');

export const unreachable = (server: string, why: string) =>
  new ApiError(502, 'Unreachable', `cannot reach the API server at ${server}: ${why}`);

export const tlsError = (server: string, why: string) =>
  new ApiError(
    502,
    'TLSError',
    `TLS verification of ${server} failed: ${why} (check certificate-authority-data and the server name)`,
  );

export const unauthorized = (server: string, why: string) =>
  new ApiError(400, 'Unauthorized', `the API server at ${server} rejected the credentials (401): ${why}`);

export const clusterForbidden = (server: string, why: string) =>
  new ApiError(400, 'Forbidden', `can reach the server at ${server} but may not list nodes: ${why}`);

export const clusterError = (server: string, why: string) =>
  new ApiError(502, 'ClusterError', `the API server at ${server} answered unexpectedly: ${why}`);
