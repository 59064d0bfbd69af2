/**
 * Jobs the user is watching. The server's record is the truth: the panel's job is read again once the job
 * subscription is acknowledged (so nothing can finish unseen between the POST answer and the socket), progress
 * arrives as numbered per-node deltas, and a skipped number, counts that do not match, or a `job.gap` makes the
 * store read the job again. While the socket is down the open job is polled.
 */
import { reactive, watch } from 'vue';
import { jobs as jobsApi } from '../api/endpoints';
import type { Job } from '../api/types';
import { liveSocket } from '../live/socket';
import { applyDelta, isFinished, looksStale, mergeRecord } from './jobMerge';

export { FINISHED, isFinished } from './jobMerge';

export const jobStore = reactive({
  byId: new Map<string, Job>(),
  /** The job shown in the side panel. */
  panelJobId: null as string | null,
});

/** Per job: the stream and number of the last delta applied. */
const seqs = new Map<string, { stream: string; seq: number }>();
/** Reads in flight, and those asked for while one was (one more read follows). */
const reading = new Set<string>();
const readAgain = new Set<string>();
/** Reads made because a finished record still had unfinished nodes; bounded so a quirk cannot loop. */
const staleReads = new Map<string, number>();
const STALE_READS_MAX = 3;
/** The server confirmed the job subscription on the current connection. */
let subscribed = false;

/** A record read from the server (POST answer, GET, job list), merged into what is known. */
export function upsertJob(job: Job): void {
  jobStore.byId.set(job.id, mergeRecord(jobStore.byId.get(job.id), job));
  checkStale(job.id);
}

/** Read a job again; one read at a time per job, with at most one more queued. */
export function refetchJob(id: string): void {
  if (reading.has(id)) {
    readAgain.add(id);
    return;
  }
  reading.add(id);
  void jobsApi
    .get(id)
    .then(upsertJob, () => undefined)
    .finally(() => {
      reading.delete(id);
      if (readAgain.delete(id)) refetchJob(id);
    });
}

function checkStale(id: string): void {
  const job = jobStore.byId.get(id);
  if (!job || !looksStale(job)) return;
  const n = staleReads.get(id) ?? 0;
  if (n >= STALE_READS_MAX) return;
  staleReads.set(id, n + 1);
  refetchJob(id);
}

/** Jobs shown that may still change: after a (re)subscription, what they missed is read. */
function followed(id: string): boolean {
  const job = jobStore.byId.get(id);
  return !!job && (id === jobStore.panelJobId || !isFinished(job));
}

export function watchJobs(): void {
  liveSocket().subscribeJobs();
}

export function openJobPanel(job: Job): void {
  upsertJob(job);
  watchJobs();
  jobStore.panelJobId = job.id;
  // Read now when the subscription is already in place; otherwise its acknowledgement triggers the read. Either
  // way the read follows the subscription, so a job that finished meanwhile shows its final state.
  if (subscribed || liveSocket().status.value !== 'open' || job.nodes === undefined) refetchJob(job.id);
}

export function closeJobPanel(): void {
  jobStore.panelJobId = null;
}

/** Forget everything (sign-out). */
export function resetJobs(): void {
  jobStore.byId.clear();
  seqs.clear();
  staleReads.clear();
}

liveSocket().on((m) => {
  switch (m.type) {
    case 'jobs.subscribed':
      subscribed = true;
      for (const id of jobStore.byId.keys()) if (followed(id)) refetchJob(id);
      return;
    case 'job.gap':
      for (const id of m.ids) if (jobStore.byId.has(id)) refetchJob(id);
      return;
    case 'job.delta': {
      const id = m.job.id;
      const prev = jobStore.byId.get(id);
      const last = seqs.get(id);
      const gap = !!last && (last.stream !== m.stream || m.seq !== last.seq + 1);
      seqs.set(id, { stream: m.stream, seq: m.seq });
      const { job, agrees } = applyDelta(prev, m);
      jobStore.byId.set(id, job);
      if ((gap || !agrees) && prev?.nodes) refetchJob(id);
      else checkStale(id);
      return;
    }
  }
});

watch(
  () => liveSocket().status.value,
  (s) => {
    // A new connection must be acknowledged again before reads can be trusted to follow it.
    if (s !== 'open') subscribed = false;
  },
);

// While the socket is down the panel still moves: poll the open job until it finishes.
let pollTimer: number | undefined;
watch(
  () => [jobStore.panelJobId, liveSocket().status.value] as const,
  ([id, status]) => {
    window.clearInterval(pollTimer);
    pollTimer = undefined;
    if (!id || status === 'open') return;
    pollTimer = window.setInterval(() => {
      const cur = jobStore.byId.get(id);
      if (cur && isFinished(cur) && !looksStale(cur)) return;
      refetchJob(id);
    }, 2000);
  },
);
