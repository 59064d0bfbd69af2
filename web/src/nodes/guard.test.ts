import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/http';
import { session } from '../session';

const box = vi.hoisted(() => ({ alert: vi.fn(), confirm: vi.fn() }));
vi.mock('element-plus', () => ({ ElMessageBox: box }));

const { withGuard } = await import('./guard');

const refusal = () =>
  new ApiError(
    409,
    'GuardRefused',
    'cordon refused: it would leave 5 of 10 Ready nodes schedulable',
    undefined,
    {
      cluster: 'prod',
      readyNodes: 10,
      schedulableAfter: 5,
      minimumShare: 0.7,
    },
  );

function as(role: 'viewer' | 'operator' | 'admin', canOverrideGuard = false) {
  session.user = {
    id: '1',
    username: 'u',
    role,
    clusters: null,
    canOverrideGuard,
    canOverrideSystemLabels: false,
  };
}

describe('safety guard refusals', () => {
  beforeEach(() => {
    box.alert.mockReset().mockResolvedValue(undefined);
    box.confirm.mockReset().mockResolvedValue(undefined);
  });

  it('explains the refusal to an operator without the grant and does not retry', async () => {
    as('operator');
    const calls: boolean[] = [];
    const r = await withGuard(async (override) => {
      calls.push(override);
      throw refusal();
    });
    expect(r).toBeUndefined();
    expect(calls).toEqual([false]);
    const message = box.alert.mock.calls[0]![0] as string;
    expect(message).toContain('5 of 10 Ready nodes');
    expect(message).toContain('70%');
    expect(box.confirm).not.toHaveBeenCalled();
  });

  it('offers the override to an operator with the grant and resends with override', async () => {
    as('operator', true);
    const calls: boolean[] = [];
    const r = await withGuard(async (override) => {
      calls.push(override);
      if (!override) throw refusal();
      return 'done';
    });
    expect(r).toBe('done');
    expect(calls).toEqual([false, true]);
    expect(box.confirm).toHaveBeenCalledOnce();
  });

  it('does nothing more when an admin declines the override', async () => {
    as('admin');
    box.confirm.mockRejectedValue('cancel');
    const calls: boolean[] = [];
    expect(
      await withGuard(async (override) => {
        calls.push(override);
        throw refusal();
      }),
    ).toBeUndefined();
    expect(calls).toEqual([false]);
  });

  it('labels the nodes of this request, those running jobs still take out, and the minimum share apart, without API advice', async () => {
    as('operator', true);
    box.confirm.mockRejectedValue('cancel');
    await withGuard(async () => {
      throw new ApiError(
        409,
        'GuardRefused',
        'cordon refused: it would leave 5 of 10 Ready nodes in cluster "prod" schedulable (9 now), below the minimum of 70%. Resend with "override": true if this is intended (needs admin or the guard-override grant).',
        undefined,
        {
          cluster: 'prod',
          readyNodes: 10,
          schedulableNow: 9,
          schedulableAfter: 5,
          minimumShare: 0.7,
          takenOut: 1,
          reservedByJobs: 3,
        },
      );
    });
    const [message, , opts] = box.confirm.mock.calls[0]! as [string, string, { confirmButtonText: string }];
    expect(message.split('\n')).toEqual([
      'This would leave 5 of 10 Ready nodes in cluster prod schedulable, below the minimum of 70%.',
      '',
      'Nodes this request takes out: 1',
      'Still to be taken out by running jobs: 3',
      'Schedulable now: 9 / 10',
      'Schedulable after the change: 5 / 10',
      'Minimum schedulable share: 70% (7 nodes)',
      '',
      'You hold the guard-override grant. Override the guard and proceed?',
    ]);
    expect(message).not.toContain('Resend');
    expect(opts.confirmButtonText).toBe('Override');
  });

  it('passes other errors through', async () => {
    as('admin');
    await expect(
      withGuard(async () => {
        throw new ApiError(403, 'Forbidden', 'no');
      }),
    ).rejects.toThrow('no');
  });
});
