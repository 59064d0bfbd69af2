/**
 * Defaults kube-apiserver fills into apps/v1 workloads on create, so a client reading back what it created sees
 * the same fields from the simulator as from a real server.
 */
import { isObject, type KObject } from '../types.js';

export function applyWorkloadDefaults(resource: string, obj: KObject): void {
  const spec = (obj.spec ??= {}) as Record<string, unknown>;
  spec.replicas ??= 1;
  if (resource === 'deployments') {
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
    spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
  } else if (resource === 'statefulsets') {
    spec.revisionHistoryLimit ??= 10;
    spec.podManagementPolicy ??= 'OrderedReady';
    spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
    spec.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: 'Retain', whenScaled: 'Retain' };
  }
  const template = isObject(spec.template) ? spec.template : undefined;
  const podSpec = template && isObject(template.spec) ? template.spec : undefined;
  if (podSpec) {
    podSpec.restartPolicy ??= 'Always';
    podSpec.terminationGracePeriodSeconds ??= 30;
    podSpec.dnsPolicy ??= 'ClusterFirst';
    podSpec.schedulerName ??= 'default-scheduler';
    podSpec.securityContext ??= {};
  }
}
