// Pod counts from a LIST (pod index off) run on the counter's own timer: reading counts never lists, and a
// wish for counts lists at most once per TTL.
import { afterEach, describe, expect, it } from 'vitest';
import { ListPodCounter } from '../../src/cache/list-pod-counter.js';
import { FakeClock, FakeKubeClient, waitFor } from '../informer/fake-client.js';
import { log } from './sim-helpers.js';

const counters: ListPodCounter[] = [];
afterEach(async () => {
  for (const c of counters.splice(0)) await c.stop();
});

function make() {
  const client = new FakeKubeClient();
  const clock = new FakeClock();
  const pod = (name: string, node: string, phase = 'Running') =>
    client.put(name, { spec: { nodeName: node }, status: { phase } });
  pod('p1', 'n1');
  pod('p2', 'n1');
  pod('p3', 'n2');
  pod('done', 'n2', 'Succeeded');
  const announced: [string, number][][] = [];
  const counter = new ListPodCounter({
    cluster: 'c1',
    client,
    clock,
    log,
    ttlMs: 30_000,
    onCounts: (before, now) =>
      announced.push([...now].filter(([n, c]) => before?.get(n) !== c).sort(([a], [b]) => (a < b ? -1 : 1))),
  });
  counters.push(counter);
  return { client, clock, counter, pod, announced };
}

describe('ListPodCounter', () => {
  it('reading counts never lists; wanting them lists once, on its own timer', async () => {
    const { client, clock, counter, announced } = make();
    for (let i = 0; i < 5; i++) expect(counter.count('n1')).toBeNull();
    expect(counter.source()).toBe('none');
    expect(counter.pendingTimers).toBe(0);
    counter.wanted();
    counter.wanted();
    // Nothing is asked inside the read; the LIST waits for the counter's timer.
    expect(client.requests).toHaveLength(0);
    expect(counter.pendingTimers).toBe(1);
    await clock.advance(0);
    await waitFor(() => counter.source() === 'list', 'counted');
    expect(client.requests).toHaveLength(1);
    expect([counter.count('n1'), counter.count('n2'), counter.count('n9')]).toEqual([2, 1, 0]);
    expect(announced).toEqual([
      [
        ['n1', 2],
        ['n2', 1],
      ],
    ]);
  });

  it('counts are reused for the TTL, then a wish recounts and only the moved nodes are announced', async () => {
    const { client, clock, counter, pod, announced } = make();
    counter.wanted();
    await clock.advance(0);
    await waitFor(() => counter.source() === 'list', 'counted');
    pod('p4', 'n2');
    await clock.advance(10_000);
    counter.wanted();
    expect(counter.pendingTimers).toBe(0);
    await clock.advance(20_000);
    expect(client.requests).toHaveLength(1);
    counter.wanted();
    await clock.advance(0);
    await waitFor(() => client.requests.length === 2 && counter.count('n2') === 2, 'recounted');
    expect(announced.at(-1)).toEqual([['n2', 2]]);
  });

  it('stopped, it forgets its counts and lists nothing more', async () => {
    const { client, clock, counter } = make();
    counter.wanted();
    await counter.stop();
    await clock.advance(60_000);
    expect(client.requests).toHaveLength(0);
    expect(counter.count('n1')).toBeNull();
    expect(counter.pendingTimers).toBe(0);
  });
});
