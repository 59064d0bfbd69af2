// A job's own link: #/jobs/<id> or ?job=<id> opens its panel once signed in, once per link.
import { describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import { navigate } from '../router';
import { session } from '../session';
import { followJobLinks, jobHref, jobIdFromRoute } from './jobLink';

describe('job links', () => {
  it('reads the job from #/jobs/<id> or from ?job= on any page', () => {
    expect(jobIdFromRoute({ path: '/jobs/abc-1', query: {} })).toBe('abc-1');
    expect(jobIdFromRoute({ path: '/nodes', query: { job: 'j2', status: 'Ready' } })).toBe('j2');
    expect(jobIdFromRoute({ path: '/jobs', query: {} })).toBeNull();
    expect(jobHref('a b')).toBe('#/jobs/a%20b');
    expect(jobIdFromRoute({ path: jobHref('a b').slice(1), query: {} })).toBe('a b');
  });

  it('opens a pasted link after sign-in, and each link only once', async () => {
    const open = vi.fn().mockResolvedValue(undefined);
    navigate('/jobs/j1');
    followJobLinks(open);
    await nextTick();
    expect(open).not.toHaveBeenCalled(); // not signed in yet

    session.user = { id: 'u1', username: 'alice', role: 'operator' } as typeof session.user;
    await nextTick();
    expect(open).toHaveBeenCalledWith('j1');

    navigate('/nodes', { job: 'j2', status: 'Ready' });
    await nextTick();
    expect(open).toHaveBeenLastCalledWith('j2');

    // Another filter on the same page keeps the same job link: the panel the user closed stays closed.
    navigate('/nodes', { job: 'j2', status: 'NotReady' });
    await nextTick();
    expect(open).toHaveBeenCalledTimes(2);

    navigate('/nodes');
    await nextTick();
    navigate('/jobs/j2');
    await nextTick();
    expect(open).toHaveBeenCalledTimes(3);
  });
});
