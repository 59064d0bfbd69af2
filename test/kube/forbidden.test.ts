import { describe, expect, it } from 'vitest';
import { KubeError, errorFromStatus } from '../../src/kube/errors.js';
import { describePermission, kubeErrorText, missingPermission } from '../../src/kube/forbidden.js';
import { toApiError } from '../../src/errors.js';

// Denials worded exactly as kube-apiserver's RBAC authorizer words them.
const denial = (message: string) =>
  errorFromStatus(403, { kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message });

const EVICT = denial(
  'pods "web-1" is forbidden: User "system:serviceaccount:knm:knm" cannot create resource "pods/eviction" ' +
    'in API group "" in the namespace "default"',
);
const DS = denial(
  'daemonsets.apps "agent" is forbidden: User "system:serviceaccount:knm:knm" cannot get resource ' +
    '"daemonsets" in API group "apps" in the namespace "kube-system"',
);
const NODES = denial(
  'nodes is forbidden: User "system:serviceaccount:knm:knm" cannot list resource "nodes" in API group "" at the cluster scope',
);

describe('a Forbidden answer names the permission that is missing', () => {
  it('reads verb, resource, subresource, group and namespace', () => {
    expect(missingPermission(EVICT)).toEqual({
      verb: 'create',
      resource: 'pods/eviction',
      group: '',
      namespace: 'default',
    });
    expect(missingPermission(DS)).toEqual({
      verb: 'get',
      resource: 'daemonsets',
      group: 'apps',
      namespace: 'kube-system',
    });
    expect(missingPermission(NODES)).toEqual({ verb: 'list', resource: 'nodes', group: '' });
  });

  it('words it the way kubectl auth can-i takes it', () => {
    expect(describePermission(missingPermission(EVICT)!)).toBe('create on pods/eviction');
    expect(describePermission(missingPermission(DS)!)).toBe('get on daemonsets.apps');
    expect(kubeErrorText(NODES)).toMatch(/^needs list on nodes \(the API server refused: nodes is forbidden/);
  });

  it('leaves other errors and unrecognised denials alone', () => {
    const other = new KubeError('Conflict', 'the object has been modified', 409);
    expect(kubeErrorText(other)).toBe('the object has been modified');
    const admission = denial('pods "x" is forbidden: unable to create new content in namespace gone');
    expect(missingPermission(admission)).toBeUndefined();
    expect(kubeErrorText(admission)).toBe(admission.message);
  });

  it('reaches the HTTP answer as KubeForbidden with the permission in details', () => {
    const e = toApiError(EVICT)!;
    expect(e.status).toBe(403);
    expect(e.code).toBe('KubeForbidden');
    expect(e.message).toMatch(/^needs create on pods\/eviction/);
    expect(e.details).toEqual({ missing: missingPermission(EVICT) });
  });
});
