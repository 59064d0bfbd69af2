/** The app-wide node store, fed by the shared socket and applied once per animation frame. */
import { nodeKey } from '../nodes/format';
import { perf } from '../perf';
import { nextTask } from './nextTask';
import { NodeStore } from './nodeStore';
import { noteRefusal } from './refusals';
import { liveSocket } from './socket';

function nextFrame(fn: () => void): void {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    fn();
  };
  requestAnimationFrame(run);
  // Background tabs get no frames; still apply within a fraction of a second so state stays current.
  window.setTimeout(run, 100);
}

const socket = liveSocket();

export const nodeStore = new NodeStore({
  schedule: nextFrame,
  now: () => Date.now(),
  onVersion: (cluster, version) => socket.noteVersion(cluster, version),
  slice: nextTask,
});

const hooks = perf;
if (hooks) {
  // Where a first load's time goes (scripts/bench/web-network.ts prints these): the snapshot's arrival on the
  // page, and the moment the store has taken in the last of its rows.
  nodeStore.onChange(() => {
    if (hooks.marks.snapshotReceived !== undefined && hooks.marks.snapshotApplied === undefined)
      hooks.mark('snapshotApplied');
  });
}

socket.on((m) => {
  noteRefusal(m);
  switch (m.type) {
    case 'snapshot':
    case 'node.added':
    case 'node.updated':
    case 'node.deleted':
    case 'node.podCount':
    case 'nodes.resources':
      if (perf && m.type === 'snapshot' && perf.marks.snapshotReceived === undefined)
        perf.mark('snapshotReceived');
      if (perf && m.type !== 'snapshot' && m.type !== 'node.podCount' && m.type !== 'nodes.resources')
        perf.messages.set(nodeKey(m.cluster, m.name), performance.now());
      nodeStore.enqueue(m);
      break;
    case 'error':
      if (m.cluster) nodeStore.enqueue(m);
      break;
    default:
      break;
  }
});
