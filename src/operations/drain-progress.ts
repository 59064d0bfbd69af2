/**
 * What a drain reports while it runs and when it is cancelled, as message codes (src/messages) with their
 * English text. Evicted, terminating, gone and blocked are told apart: an eviction the API accepted is a pod
 * on its way out even while it still terminates, and a cancel does not call it back, so it counts as removed.
 */
import type { CodedMessage } from '../messages/codes.js';
import { englishText } from '../messages/english.js';
import type { DrainProgress } from './drain-types.js';

export function drainProgressMessage(p: DrainProgress): CodedMessage {
  return {
    code: 'drain.progress',
    params: {
      evicted: p.evicted,
      total: p.total,
      terminating: p.terminating,
      gone: p.gone,
      blocked: p.waitingForBudget,
      failed: p.failed,
    },
  };
}

export function drainProgressText(p: DrainProgress): string {
  return englishText(drainProgressMessage(p));
}

export function drainCancelledMessage(p: DrainProgress): CodedMessage {
  const removed = p.gone + p.terminating;
  return {
    code: 'drain.cancelled',
    params: {
      removed,
      total: p.total,
      gone: p.gone,
      terminating: p.terminating,
      left: Math.max(0, p.total - removed - p.failed),
    },
  };
}

export function drainCancelledText(p: DrainProgress): string {
  return englishText(drainCancelledMessage(p));
}
