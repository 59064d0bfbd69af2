/**
 * What kubelets (or kwok) do to the API objects: start pods bound to a node (Running, Ready) and complete
 * graceful deletion once the grace period — scaled by `gracePeriodScale` — has passed.
 */
import { resourceDef } from './resources.js';
import type { SimState } from './state.js';
import type { Condition, NodeObject, PodObject } from './types.js';
import { deleteObject } from './writes.js';

export class KubeletSim {
  private podIpSeq = 0;

  constructor(private readonly state: SimState) {}

  private scaled(seconds: number): number {
    return seconds * 1000 * this.state.opts.gracePeriodScale;
  }

  /** A pod created through the API and bound to an existing node starts shortly after. */
  podCreated(pod: PodObject): void {
    if (!this.state.opts.simulateKubelet || !pod.spec.nodeName) return;
    const { name, namespace, uid } = pod.metadata;
    this.state.timers.after(this.scaled(0.1), () => {
      const cur = this.state.raw('pods', name, namespace) as PodObject | undefined;
      if (
        !cur ||
        cur.metadata.uid !== uid ||
        cur.metadata.deletionTimestamp ||
        cur.status?.phase !== 'Pending'
      )
        return;
      const node = this.state.raw('nodes', cur.spec.nodeName!) as NodeObject | undefined;
      if (!node) return;
      this.state.commit(
        resourceDef('pods'),
        'MODIFIED',
        { ...cur, status: this.runningStatus(cur, node) },
        cur,
      );
    });
  }

  /** A pod the simulated scheduler just bound starts, Running and Ready, `delayMs` later on the sim's clock. */
  startPod(pod: PodObject, delayMs: number): void {
    const { name, namespace, uid } = pod.metadata;
    this.state.timers.after(delayMs, () => {
      const cur = this.state.raw('pods', name, namespace) as PodObject | undefined;
      if (
        !cur ||
        cur.metadata.uid !== uid ||
        cur.metadata.deletionTimestamp ||
        cur.status?.phase === 'Running'
      )
        return;
      const node = this.state.raw('nodes', cur.spec.nodeName ?? '') as NodeObject | undefined;
      if (!node) return;
      const status = this.runningStatus(cur, node);
      // The scheduler's PodScheduled condition keeps its time, as a kubelet leaves it.
      const scheduled = cur.status?.conditions?.find((c) => c.type === 'PodScheduled');
      if (scheduled && status.conditions)
        status.conditions = status.conditions.map((c) => (c.type === 'PodScheduled' ? scheduled : c));
      this.state.commit(resourceDef('pods'), 'MODIFIED', { ...cur, status }, cur);
    });
  }

  runningStatus(pod: PodObject, node: NodeObject): PodObject['status'] {
    const now = this.state.now();
    const hostIP = node.status.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '10.0.0.1';
    this.podIpSeq++;
    const podIP = `10.244.${(this.podIpSeq >> 8) & 255}.${this.podIpSeq & 255}`;
    const cond = (type: string): Condition => ({
      type,
      status: 'True',
      lastProbeTime: null,
      lastTransitionTime: now,
    });
    const containers = Array.isArray(pod.spec.containers)
      ? (pod.spec.containers as { name?: string; image?: string }[])
      : [];
    return {
      phase: 'Running',
      conditions: [
        cond('PodReadyToStartContainers'),
        cond('Initialized'),
        cond('Ready'),
        cond('ContainersReady'),
        cond('PodScheduled'),
      ],
      hostIP,
      hostIPs: [{ ip: hostIP }],
      podIP,
      podIPs: [{ ip: podIP }],
      startTime: now,
      containerStatuses: containers.map((c) => ({
        name: c.name ?? 'main',
        state: { running: { startedAt: now } },
        lastState: {},
        ready: true,
        restartCount: 0,
        image: c.image ?? '',
        imageID: '',
        containerID: `containerd://${this.state.rng.hex(64)}`,
        started: true,
      })),
      qosClass: (pod.status?.qosClass as string | undefined) ?? 'BestEffort',
    };
  }

  /**
   * Finish a graceful deletion after the (scaled) grace period, unless the pod changed identity meanwhile —
   * as a kubelet does, with a zero-grace delete (MODIFIED, then DELETED).
   */
  scheduleRemoval(pod: PodObject, graceSeconds: number): void {
    const { name, namespace, uid } = pod.metadata;
    this.state.timers.after(this.scaled(graceSeconds), () => {
      const cur = this.state.raw('pods', name, namespace);
      if (cur && cur.metadata.uid === uid && cur.metadata.deletionTimestamp)
        deleteObject(this.state, resourceDef('pods'), namespace, name, { gracePeriodSeconds: 0 });
    });
  }
}
