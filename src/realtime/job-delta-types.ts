// Job progress on the WebSocket as deltas (docs/API.md "Realtime"). Types only: the console imports them.
import type { Job, JobNode } from '../operations/job-types.js';

/** The job without its per-node list; `params` and `targets` only in a stream's first message. */
export type JobHeader = Omit<Job, 'nodes' | 'params' | 'targets'> & Partial<Pick<Job, 'params' | 'targets'>>;

export interface JobDeltaMessage {
  type: 'job.delta';
  /** Names the sequence `seq` counts in; a new stream (another replica, a restart) starts again at 1. */
  stream: string;
  /** 1, 2, 3… per job and stream: a number skipped means a message was lost and the job should be read again. */
  seq: number;
  job: JobHeader;
  /** Nodes whose status or message changed since the previous message (in the first: every started node). */
  nodes: JobNode[];
}

/** The job subscription is in place: a job read after this cannot miss a change. */
export interface JobsSubscribedMessage {
  type: 'jobs.subscribed';
}

/** Deltas of these jobs were not sent (the client was behind): read them again. */
export interface JobGapMessage {
  type: 'job.gap';
  ids: string[];
}
