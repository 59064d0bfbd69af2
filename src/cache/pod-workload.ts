/**
 * The workload behind a pod's controller, when the controller is itself owned by one that users think in: a
 * ReplicaSet's Deployment. Told from the pod alone, without reading the ReplicaSet: the Deployment controller
 * names its ReplicaSets `<deployment>-<pod-template-hash>` and stamps that hash on every pod, so a pod whose
 * label matches its ReplicaSet's name suffix belongs to that Deployment. A ReplicaSet made by hand carries no
 * such pair, and then nothing is claimed.
 */
export interface PodWorkload {
  kind: 'Deployment';
  name: string;
}

export function workloadOf(
  owner: { kind: string; name: string } | undefined,
  labels: Readonly<Record<string, string>> | undefined,
): PodWorkload | undefined {
  if (owner?.kind !== 'ReplicaSet') return undefined;
  const hash = labels?.['pod-template-hash'];
  if (!hash || !owner.name.endsWith(`-${hash}`)) return undefined;
  const name = owner.name.slice(0, -(hash.length + 1));
  return name ? { kind: 'Deployment', name } : undefined;
}
