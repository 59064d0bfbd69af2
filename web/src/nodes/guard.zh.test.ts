/**
 * Refusals in Chinese: the guard's refusal as the server sends it (numbers and a message code) is explained in
 * Chinese, also by a server that sends the code without the numbers; a coded conflict reads in Chinese too.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/http';
import { i18n } from '../i18n';
import { session } from '../session';
import { codedError } from '../../../src/errors';

const box = vi.hoisted(() => ({ alert: vi.fn(), confirm: vi.fn() }));
vi.mock('element-plus', () => ({ ElMessageBox: box, ElMessage: { success: vi.fn(), info: vi.fn() } }));

const { withGuard } = await import('./guard');
const { errorMessage } = await import('./operations');

const params = {
  operation: 'drain',
  cluster: 'prod',
  schedulableAfter: 5,
  schedulableNow: 8,
  readyNodes: 10,
  minimumPercent: 70,
};
/** The server's refusal, rebuilt the way the console's HTTP client rebuilds it from the answer. */
function fromServer(withNumbers: boolean): ApiError {
  const e = codedError(
    409,
    'GuardRefused',
    { code: 'guard.refused', params },
    withNumbers
      ? {
          cluster: 'prod',
          readyNodes: 10,
          schedulableNow: 8,
          schedulableAfter: 5,
          minimumShare: 0.7,
          takenOut: 3,
        }
      : undefined,
  );
  return new ApiError(e.status, e.code, e.message, e.field, e.details, e.coded);
}

afterEach(() => {
  i18n.global.locale.value = 'en';
});

describe('refusals in Chinese', () => {
  it('explains a guard refusal in Chinese, with or without its numbers', async () => {
    i18n.global.locale.value = 'zh-CN';
    session.user = {
      id: '1',
      username: 'u',
      role: 'operator',
      clusters: null,
      canOverrideGuard: false,
      canOverrideSystemLabels: false,
    };
    box.alert.mockResolvedValue(undefined);
    for (const withNumbers of [true, false]) {
      box.alert.mockClear();
      await withGuard(async () => {
        throw fromServer(withNumbers);
      });
      const [message, title] = box.alert.mock.calls[0]! as [string, string];
      expect(title).toBe(i18n.global.t('guard.title'));
      expect(message).not.toMatch(/refused|Ready nodes|override/);
      expect(message).toContain(
        withNumbers
          ? '此操作将使集群 prod 的 10 个就绪节点中只剩 5 个可调度，低于最低比例 70%。'
          : '驱逐被拒绝：集群“prod”的 10 个就绪节点中将只剩 5 个可调度（当前 8 个），低于最低 70%',
      );
    }
  });

  it('shows a coded conflict in Chinese and an uncoded one as the server wrote it', () => {
    i18n.global.locale.value = 'zh-CN';
    const busy = codedError(409, 'Conflict', {
      code: 'job.nodeDraining',
      params: { cluster: 'prod', node: 'node-a', job: 'j-1' },
    });
    expect(errorMessage(new ApiError(409, 'Conflict', busy.message, undefined, undefined, busy.coded))).toBe(
      '集群“prod”中的节点“node-a”正在被任务 j-1 驱逐',
    );
    expect(errorMessage(new ApiError(400, 'BadRequest', 'reason is too long', 'reason'))).toBe(
      'reason is too long (reason)',
    );
  });
});
