// Every server message code has an English and a Chinese console text, each using only the code's parameters;
// the maintenance executor's messages and the plan refusals render in both languages.
import { describe, expect, it } from 'vitest';
import type { CodedMessage, MessageCode } from '../../../src/messages/codes';
import { coded, englishText } from '../../../src/messages/english';
import * as consoleEn from './server-en';
import * as consoleZh from './server-zh-CN';
import { serverText } from './serverText';

/** One message of every code the maintenance executor and the plan refusals send. */
const MAINTENANCE_SAMPLES: CodedMessage[] = [
  { code: 'job.nodesInPlan', params: { job: 'p1', cluster: 'prod', nodes: 'n1, n2', count: 12, more: 10 } },
  { code: 'maintenance.overlap', params: { job: 'p1', cluster: 'prod', nodes: 'n3', count: 1, more: 0 } },
  { code: 'maintenance.planFailed', params: { detail: 'node n9 not found' } },
  { code: 'maintenance.node.at', params: { step: 'drain' } },
  { code: 'maintenance.node.cancelledBeforeStart', params: {} },
  { code: 'maintenance.node.waitingForJob', params: { job: 'j-1' } },
  { code: 'maintenance.node.cancelledAt', params: { step: 'gate' } },
  { code: 'maintenance.node.stoppedAt', params: { step: 'hold', detail: 'store closed' } },
  { code: 'maintenance.node.cordonFailed', params: { detail: 'conflict' } },
  { code: 'maintenance.node.readFailed', params: { detail: 'timeout' } },
  { code: 'maintenance.node.drainFailed', params: { detail: '1 of 3 pods were not removed' } },
  { code: 'maintenance.node.uncordonFailed', params: { detail: 'conflict' } },
  { code: 'maintenance.gate.waiting', params: { count: 1, waiting: 'Deployment shop/web 4/6 ready' } },
  { code: 'maintenance.gate.recovered', params: {} },
  { code: 'maintenance.hold.operator', params: {} },
  { code: 'maintenance.hold.reboot', params: {} },
  { code: 'maintenance.hold.until', params: { until: '2026-12-07T06:00:00.000Z' } },
  { code: 'maintenance.hold.rebooting', params: {} },
  { code: 'maintenance.node.done', params: { objects: 3 } },
  { code: 'maintenance.paused.operator', params: { user: 'alice' } },
  { code: 'maintenance.paused.failures', params: { failed: 2, limit: 2 } },
  {
    code: 'maintenance.paused.gateTimeout',
    params: { cluster: 'prod', node: 'n1', seconds: 600, waiting: 'PDB shop/web-pdb allows 0' },
  },
  {
    code: 'maintenance.paused.guard',
    params: {
      operation: 'maintenance cordon',
      cluster: 'prod',
      schedulableAfter: 4,
      schedulableNow: 5,
      readyNodes: 10,
      minimumPercent: 50,
    },
  },
  { code: 'maintenance.paused.refused', params: { detail: 'cluster "prod" refused: needs patch on nodes' } },
];

const placeholders = (template: string) => [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);

describe('message codes in both console languages', () => {
  it('every code has an English and a Chinese console text', () => {
    const en = Object.keys(consoleEn.texts).sort();
    expect(Object.keys(consoleZh.texts).sort()).toEqual(en);
    for (const code of en)
      expect(consoleZh.texts[code as MessageCode], code).not.toBe(consoleEn.texts[code as MessageCode]);
  });

  it.each(MAINTENANCE_SAMPLES.map((m) => [m.code, m] as const))(
    '%s: the server says it in English, each console text uses only its parameters',
    (_code, m) => {
      const text = englishText(m);
      expect(serverText(coded(m), 'en')).not.toMatch(/\{\w+\}/);
      expect(serverText(coded(m), 'zh-CN')).not.toMatch(/\{\w+\}/);
      expect(text).not.toMatch(/undefined|\[object/);
      const params = Object.keys(m.params);
      for (const lang of [consoleEn, consoleZh]) {
        expect(placeholders(lang.texts[m.code])).toSatisfy((names: string[]) =>
          names.every((n) => params.includes(n)),
        );
        for (const part of Object.values(lang.extras[m.code] ?? {}))
          expect(placeholders(part).every((n) => params.includes(n!))).toBe(true);
      }
    },
  );

  it('shows a maintenance step message and a pause reason in Chinese', () => {
    expect(
      serverText(coded({ code: 'maintenance.node.cancelledAt', params: { step: 'gate' } }), 'zh-CN'),
    ).toBe('在“恢复门禁”步骤被取消；节点保持禁止调度');
    expect(serverText(coded(MAINTENANCE_SAMPLES[0]!), 'zh-CN')).toBe(
      '维护计划 p1 正在处理集群“prod”中这些节点里的 12 个；在计划处理完它们（恢复调度，或标记完成后恢复调度）之前，' +
        '其他任务不能修改它们。请等待，或中止计划（暂停的计划仍占用这些节点）。节点：n1, n2 等，另有 10 个',
    );
  });
});
