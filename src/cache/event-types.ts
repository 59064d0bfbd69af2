// A node's event as GET /nodes/{name}/events answers it (docs/API.md). Types only, so the console shares it
// without bundling server code.

export interface EventSummary {
  type: string;
  reason: string;
  message: string;
  count: number;
  firstTimestamp?: string;
  /** The latest time the event was seen (series, lastTimestamp, eventTime or creation, whichever is set). */
  lastTimestamp?: string;
  source?: string;
  namespace?: string;
}
