/** 服务端带代码的消息（src/messages/codes.ts）的简体中文。每个代码都必须在这里（类型会检查）。 */
import type { MessageCode } from '../../../src/messages/codes';

export const texts: Record<MessageCode, string> = {
  'drain.progress': '已驱逐 {evicted}/{total} · 终止中 {terminating} · 已消失 {gone}',
  'drain.done': '驱逐完成：{verb} {removed} 个 Pod',
  'drain.refused': '驱逐被拒绝，未驱逐任何 Pod：{detail}',
  'drain.cancelled':
    '已取消：{total} 个 Pod 中 {removed} 个已移除或正在退出（{gone} 个已消失，{terminating} 个驱逐后仍在终止），节点上还剩 {left} 个；节点保持禁止调度',
  'drain.failed': '{total} 个 Pod 中有 {failed} 个未能移除（{gone} 个已移除）：{detail}',
  'job.node.shutdown': '{detail}（服务器正在关闭）',
  'job.node.gone': '{detail}（节点已不存在）',
  'job.node.notStarted': '未开始：任务已取消',
  'job.node.notStartedShutdown': '未开始：服务器在处理此节点前停止了',
  'job.node.unknownOutcome': '服务器停止时正在处理，结果未知——请检查节点',
  'job.cancelled': '已取消',
  'job.cancelledBy': '已被 {user} 取消',
  'job.interrupted': '已中断：任务运行时服务器停止了；{total} 个节点中 {done} 个已完成',
  'guard.refused':
    '{operation}被拒绝：集群“{cluster}”的 {readyNodes} 个就绪节点中将只剩 {schedulableAfter} 个可调度（当前 {schedulableNow} 个），低于最低 {minimumPercent}%',
  'job.nodeDraining': '集群“{cluster}”中的节点“{node}”正在被任务 {job} 驱逐',
  'job.nodeInPlan':
    '集群“{cluster}”中的节点“{node}”属于维护计划 {job} 的当前批次；请等计划处理完该节点，或暂停、中止计划',
  'job.nodesInPlan':
    '维护计划 {job} 正在处理集群“{cluster}”中这些节点里的 {count} 个；在计划处理完它们（恢复调度，或标记完成后恢复调度）之前，其他任务不能修改它们。请等待，或中止计划（暂停的计划仍占用这些节点）。节点：{nodes}',
  'maintenance.overlap':
    '维护计划 {job} 尚未处理完集群“{cluster}”中这些节点里的 {count} 个；两个计划作用于同一节点会互相撤销对方的步骤。请等该计划完成，或中止它。节点：{nodes}',
  'maintenance.planFailed': '无法制定计划：{detail}',
  'maintenance.node.at': '进行到：{step}',
  'maintenance.node.cancelledBeforeStart': '开始前已取消',
  'maintenance.node.waitingForJob': '等待任务 {job} 处理完此节点后再禁止调度',
  'maintenance.node.cancelledAt': '在“{step}”步骤被取消；节点保持禁止调度',
  'maintenance.node.stoppedAt': '在“{step}”步骤停止：{detail}',
  'maintenance.node.cordonFailed': '禁止调度失败：{detail}',
  'maintenance.node.readFailed': '读取节点的 Pod 及其所属控制器失败：{detail}',
  'maintenance.node.drainFailed': '驱逐失败：{detail}',
  'maintenance.node.uncordonFailed': '恢复调度失败：{detail}',
  'maintenance.gate.waiting': '等待恢复：{waiting}',
  'maintenance.gate.recovered': '已恢复',
  'maintenance.hold.operator': '保持中，直到标记完成',
  'maintenance.hold.reboot': '保持中，直到节点重启',
  'maintenance.hold.until': '保持到 {until}',
  'maintenance.hold.rebooting': '重启中：节点报告了 NotReady',
  'maintenance.node.done': '完成；恢复门禁等待了 {objects} 个对象',
  'maintenance.paused.operator': '已被 {user} 暂停',
  'maintenance.paused.failures': '{failed} 个节点失败（达到 {limit} 个时计划暂停）',
  'maintenance.paused.gateTimeout':
    '节点 {cluster}/{node} 的恢复门禁在 {seconds} 秒后仍未打开：等待 {waiting}',
  'maintenance.paused.guard':
    '安全保护：{operation}被拒绝：集群“{cluster}”的 {readyNodes} 个就绪节点中将只剩 {schedulableAfter} 个可调度（当前 {schedulableNow} 个），低于最低 {minimumPercent}%',
  'maintenance.paused.refused': '被拒绝：{detail}',
  'job.notFound': '任务“{job}”不存在',
  'job.alreadyFinished': '任务 {job} 已结束（{status}）',
  'cluster.noAccess': '你无权访问集群“{cluster}”',
};

/** 参数不为零时追加的部分。 */
export const extras: Partial<Record<MessageCode, Record<string, string>>> = {
  'drain.progress': { blocked: ' · {blocked} 个被 PodDisruptionBudget 阻止', failed: ' · {failed} 个失败' },
  'drain.done': { skipped: '；跳过 {skipped} 个（{skippedDetail}）' },
  'job.nodesInPlan': { more: ' 等，另有 {more} 个' },
  'maintenance.overlap': { more: ' 等，另有 {more} 个' },
};

/** 作为参数值传来的词。 */
export const values: Record<string, string> = {
  evicted: '驱逐了',
  deleted: '删除了',
  cordon: '禁止调度',
  uncordon: '恢复调度',
  drain: '驱逐',
  succeeded: '成功',
  failed: '失败',
  partial: '部分成功',
  cancelled: '已取消',
  interrupted: '已中断',
  // Maintenance steps ('maintenance.node.*' {step}) and the plan's own cordon ('maintenance.paused.guard').
  pending: '等待中',
  gate: '恢复门禁',
  hold: '保持',
  'maintenance cordon': '维护禁止调度',
};
