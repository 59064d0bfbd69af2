/**
 * Measurement hooks for scripts/bench/web.ts. They exist only when the page is opened with `?perf=1`, so
 * normal use pays nothing and exposes nothing on window.
 */

export interface PerfHooks {
  marks: Record<string, number>;
  /** performance.now() when a node added/updated/deleted message for `cluster/name` arrived, latest only. */
  messages: Map<string, number>;
  /** Keys of the node rows on screen when the table became usable, top to bottom. */
  firstScreen?: string[];
  mark(name: string): void;
}

function create(): PerfHooks | null {
  if (typeof window === 'undefined') return null;
  if (new URLSearchParams(window.location.search).get('perf') !== '1') return null;
  const hooks: PerfHooks = {
    marks: {},
    messages: new Map(),
    mark(name) {
      this.marks[name] = performance.now();
    },
  };
  (window as unknown as { __knmPerf: PerfHooks }).__knmPerf = hooks;
  return hooks;
}

export const perf = create();
