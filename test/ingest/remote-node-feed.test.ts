// Node informers in ingest worker threads, against the simulator over real HTTP: the rows the request thread
// serves must be what the cluster holds, visible changes must arrive as change events, heartbeats must move
// only the resourceVersion, and a crashed worker's cluster must come back to the truth without losing reads.
import { describe, expect, it } from 'vitest';
import type { NodeChange } from '../../src/cache/events.js';
import { CacheManager } from '../../src/cache/manager.js';
import { HttpKubeClient, kubeConfigFromText } from '../../src/kube/client.js';
import { startSim, type SimServer } from '../../src/sim/index.js';
import { until } from '../support/until.js';
import { ingestSuite } from './suite.js';
import { remoteInformers } from '../../src/ingest/remote-informers.js';

const { log, cleanups, pool } = ingestSuite();

async function world(name: string): Promise<{ s: SimServer; cache: CacheManager; changes: NodeChange[] }> {
  const s = await startSim({ nodes: 15, podsPerNode: 2 });
  cleanups.push(() => s.close());
  const c = new HttpKubeClient(name, kubeConfigFromText(s.kubeconfig()));
  cleanups.push(() => c.close());
  const cache = new CacheManager({ log, podIndex: false, remote: remoteInformers(pool) });
  cleanups.push(() => cache.close());
  const changes: NodeChange[] = [];
  cache.on('change', (ch) => changes.push(ch));
  cache.startCluster(name, c);
  expect(await cache.waitForSync(name, 30_000)).toBe(true);
  return { s, cache, changes };
}

const simNodes = (s: SimServer) =>
  new Map(
    [...s.state.store('nodes').items.values()].map((n) => [
      n.metadata!.name!,
      { rv: n.metadata!.resourceVersion!, labels: n.metadata!.labels ?? {} },
    ]),
  );

/** Every node of the simulator is served with its labels and version, and no other. */
function sameAsSim(s: SimServer, cache: CacheManager, cluster: string): boolean {
  const want = simNodes(s);
  const rows = cache.rows(cluster) ?? [];
  return (
    rows.length === want.size &&
    rows.every(
      (r) =>
        want.get(r.name)?.rv === r.resourceVersion &&
        JSON.stringify(want.get(r.name)!.labels) === JSON.stringify(r.labels),
    )
  );
}

describe('node informers in an ingest worker', () => {
  it('serves the cluster’s nodes from the worker, with none of it decoded in this thread’s informers', async () => {
    const { s, cache } = await world('n1');
    expect(sameAsSim(s, cache, 'n1')).toBe(true);
    expect(cache.resources()).toMatchObject({ informers: 0, nodes: 15 });
    expect(cache.state('n1')).toBe('synced');
    expect(cache.informerStats('n1')?.nodes.hasSynced).toBe(true);
  });

  it('a visible change arrives as a change event; a heartbeat only moves the version', async () => {
    const { s, cache, changes } = await world('n2');
    const node = [...simNodes(s).keys()][3]!;
    s.state.updateNode(node, (n) => {
      n.metadata!.labels = { ...n.metadata!.labels, team: 'blue' };
    });
    await until('the label to reach the cache', () => cache.row('n2', node)?.labels.team === 'blue');
    expect(changes.some((c) => c.kind === 'updated' && c.name === node && c.changed.includes('labels'))).toBe(
      true,
    );

    const before = changes.length;
    const beat = s.state.updateNode(node, (n) => {
      for (const c of n.status?.conditions ?? [])
        c.lastHeartbeatTime = new Date(Date.now() + 60_000).toISOString();
    });
    await until(
      'the heartbeat’s version to reach the cache',
      () => cache.row('n2', node)?.resourceVersion === beat.metadata!.resourceVersion,
    );
    // Nothing a reader sees changed: no change event for it.
    expect(changes.slice(before).filter((c) => c.name === node)).toEqual([]);
  });

  it('a write’s answer is served at once and an older event from the worker does not take it back', async () => {
    const { s, cache } = await world('n3');
    const node = [...simNodes(s).keys()][5]!;
    const older = JSON.parse(JSON.stringify(s.state.raw('nodes', node))) as {
      metadata: { labels: Record<string, string>; resourceVersion: string };
    };
    const patched = s.state.updateNode(node, (n) => {
      n.metadata!.labels = { ...n.metadata!.labels, written: 'yes' };
    });
    cache.applyLocalWrite('n3', patched as never);
    expect(cache.row('n3', node)?.labels.written).toBe('yes');
    // The same write's watch event comes later and changes nothing; an older version is refused.
    older.metadata.labels = { ...older.metadata.labels, stale: 'yes' };
    cache.applyLocalWrite('n3', older as never);
    expect(cache.row('n3', node)?.labels.stale).toBeUndefined();
    await until('the worker to catch up', () => sameAsSim(s, cache, 'n3'));
  });

  it('a killed worker: nodes stay served meanwhile, and its LIST afterwards removes what went and adds what came', async () => {
    const { s, cache } = await world('crash');
    const names = [...simNodes(s).keys()];
    expect(await pool.killWorkerOf('crash')).toBe(true);
    // Served from memory while the worker restarts, as through any informer failure.
    expect(cache.rows('crash')?.length).toBe(15);
    s.state.deleteNode(names[0]!);
    s.state.updateNode(names[1]!, (n) => {
      n.metadata!.labels = { ...n.metadata!.labels, 'while-down': 'true' };
    });
    await until(
      'the cache to match the cluster after the restart',
      () => sameAsSim(s, cache, 'crash'),
      60_000,
    );
    expect(cache.row('crash', names[0]!)).toBeUndefined();
    await until('the cluster to be synced again', () => cache.state('crash') === 'synced');
  });

  it('stopping the cluster closes the worker’s node watch', async () => {
    const { s, cache } = await world('stop');
    await until('the node watch to be open', () => s.watchCount() === 1);
    await cache.stopCluster('stop');
    await until('the worker to close the node watch', () => s.watchCount() === 0);
  });
});
