import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextTick, ref } from 'vue';
import type { NodeRow } from '../api/types';
import { NodeStore } from './nodeStore';
import { snapshotsArrive, socketOpens } from './firstLoad';
import type { LiveSocket } from './socket';

afterEach(() => vi.useRealTimers());

const row = (cluster: string, name: string) => ({ cluster, name }) as unknown as NodeRow;

function store() {
  return new NodeStore({ schedule: () => undefined, now: () => 0 });
}

describe('rows from the live socket on first load', () => {
  it('waits for the socket to open, and gives up (full HTTP list) when it does not', async () => {
    vi.useFakeTimers();
    const socket = { status: ref('connecting') } as unknown as LiveSocket;
    const opened = socketOpens(socket);
    (socket.status as { value: string }).value = 'open';
    await nextTick();
    expect(await opened).toBe(true);

    (socket.status as { value: string }).value = 'connecting';
    const never = socketOpens(socket, 2000);
    vi.advanceTimersByTime(2000);
    expect(await never).toBe(false);
    (socket.status as { value: string }).value = 'closed';
    expect(await socketOpens(socket)).toBe(false);
  });

  it('knows when every cluster in scope has its snapshot, so the list is not read twice', async () => {
    vi.useFakeTimers();
    const s = store();
    const arrived = snapshotsArrive(s, ['a', 'b']);
    s.enqueue({ type: 'snapshot', cluster: 'a', version: 1, items: [row('a', 'n1')] });
    s.flush();
    s.enqueue({ type: 'snapshot', cluster: 'b', version: 1, items: [row('b', 'm1')] });
    s.flush();
    expect(await arrived).toBe(true);
    expect(s.rows.size).toBe(2);

    const missing = snapshotsArrive(s, ['a', 'c'], 5000);
    vi.advanceTimersByTime(5000);
    expect(await missing).toBe(false);
  });
});
