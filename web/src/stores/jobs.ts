/** Jobs the user is watching: progress arrives as `job.progress` messages, with polling while the socket is down. */
import { reactive, watch } from 'vue';
import { jobs as jobsApi } from '../api/endpoints';
import type { Job } from '../api/types';
import { liveSocket } from '../live/socket';

export const jobStore = reactive({
  byId: new Map<string, Job>(),
  /** The job shown in the side panel. */
  panelJobId: null as string | null,
});

export const FINISHED = new Set(['succeeded', 'failed', 'partial', 'cancelled', 'interrupted']);

export function isFinished(job: Job): boolean {
  return FINISHED.has(job.status);
}

/** Progress messages may arrive out of order; the one with more work done wins. */
export function upsertJob(job: Job): void {
  const prev = jobStore.byId.get(job.id);
  if (prev && isFinished(prev) && !isFinished(job)) return;
  if (prev && !isFinished(job) && prev.done > job.done) return;
  // Job lists leave out the per-node results; keep the ones already known.
  jobStore.byId.set(job.id, job.nodes === undefined && prev?.nodes ? { ...job, nodes: prev.nodes } : job);
}

export function watchJobs(): void {
  liveSocket().subscribeJobs();
}

export function openJobPanel(job: Job): void {
  upsertJob(job);
  watchJobs();
  jobStore.panelJobId = job.id;
  // A job from a list comes without its per-node results: read the whole job.
  if (job.nodes === undefined) void jobsApi.get(job.id).then(upsertJob, () => undefined);
}

export function closeJobPanel(): void {
  jobStore.panelJobId = null;
}

liveSocket().on((m) => {
  if (m.type === 'job.progress' && m.job) upsertJob(m.job);
});

// While the socket is down the panel still moves: poll the open job until it finishes.
let pollTimer: number | undefined;
watch(
  () => [jobStore.panelJobId, liveSocket().status.value] as const,
  ([id, status]) => {
    window.clearInterval(pollTimer);
    pollTimer = undefined;
    if (!id || status === 'open') return;
    pollTimer = window.setInterval(async () => {
      const cur = jobStore.byId.get(id);
      if (cur && isFinished(cur)) return;
      try {
        upsertJob(await jobsApi.get(id));
      } catch {
        /* keep the last known state; the next tick retries */
      }
    }, 2000);
  },
);
