/**
 * Around a deploy and outside the schedule: the pre-deploy checklist and on-call check, smoke
 * tests and monitoring, rollbacks (SEED.md's "Rollback" template word for word), change freezes,
 * and emergency hotfixes (SEED.md's "Emergency Hotfix" template word for word). Pure.
 */
import { bulletList, MAX_LISTED, message } from './message-format.ts';
import { checklistItem, checklistLine, releaseAndCommit } from './pipeline-templates.ts';
import type { Template, TemplateInput } from './template-types.ts';

const onSystem = (input: TemplateInput) => (input.ctx.system ? ` — ${input.ctx.system}` : '');

function scopeText(scope: string, modules: string[], zh: boolean): string {
  if (scope === 'modules') return zh ? `模組 ${modules.join(', ')}` : `modules ${modules.join(', ')}`;
  return zh ? '整個系統' : 'the whole system';
}

export const OPERATIONS_TEMPLATES = {
  'checklist.failed': (input) => {
    const { p, zh } = input;
    const env = p.text('env').toUpperCase();
    const run = p.optional('runId');
    const items = p.list('items', checklistItem);
    return zh
      ? message([`📋 部署前檢查未通過 — ${env}${onSystem(input)}`, '', run && `Run:${run}`, ...items.map((i) => checklistLine(i, true)), '', '有「阻止部署」的項目未通過時不會部署;修正後下一個時段會再檢查。'])
      : message([`📋 Pre-deploy checklist failed — ${env}${onSystem(input)}`, '', run && `Run: ${run}`, ...items.map((i) => checklistLine(i, false)), '', 'Nothing deploys while a "block" item fails; the next slot checks again.']);
  },

  'oncall.ack_requested': (input) => {
    const { p, zh } = input;
    const person = p.text('person');
    const t1 = p.instant('t1At');
    const deadline = p.instant('deadline');
    const checklist = p.text('checklistId');
    return zh
      ? message([`📟 值班確認${onSystem(input)}`, '', `${person}:請確認今晚部署時可於 15 分鐘內回應。`, `T1:${t1}`, `請於 ${deadline} 前確認(檢查清單 ${checklist})。`])
      : message([`📟 On-call check${onSystem(input)}`, '', `${person}: please confirm you can respond within 15 minutes during tonight's deploy.`, `T1: ${t1}`, `Confirm by ${deadline} (checklist ${checklist}).`]);
  },

  'oncall.acknowledged': (input) => {
    const { p, zh } = input;
    const person = p.text('person');
    const t1 = p.instant('t1At');
    return zh
      ? message([`📟 值班已確認${onSystem(input)}`, '', `${person} 已確認今晚部署(T1:${t1})時可回應。`])
      : message([`📟 On-call confirmed${onSystem(input)}`, '', `${person} confirmed they can respond during tonight's deploy (T1: ${t1}).`]);
  },

  'monitoring.unavailable': (input) => {
    const { p, zh } = input;
    const env = p.text('env').toUpperCase();
    const release = p.text('release');
    const reason = p.text('reason');
    const source = p.text('source');
    return zh
      ? message([`📉 無法監控 — ${release} 於 ${env}${onSystem(input)}`, '', `來源:${source}`, `原因:${reason}`, '', '部署後的指標未被檢查,請人手確認。'])
      : message([`📉 Monitoring unavailable — ${release} on ${env}${onSystem(input)}`, '', `Source: ${source}`, `Why: ${reason}`, '', 'The metrics after this deploy were not checked: watch it by hand.']);
  },

  'monitoring.interrupted': (input) => {
    const { p, zh } = input;
    const env = p.text('env').toUpperCase();
    const release = p.text('release');
    const deployment = p.number('deploymentId');
    const samples = p.number('samples');
    const expected = p.number('expectedSamples');
    const reason = p.text('reason');
    const outcome = p.text('outcome');
    const check = `tonic deployments show ${deployment}`;
    const verdict: Record<string, [string, string]> = {
      interrupted: ['結論:無 — 部分監控時段未有監察', 'Verdict: none — part of the window was never watched'],
      clean: ['按已記錄樣本判斷:正常(已監控整個時段)', 'Verdict from the samples recorded: clean (the window was watched to its end)'],
      alert: ['按已記錄樣本判斷:有警報(已監控整個時段)', 'Verdict from the samples recorded: alerts (the window was watched to its end)'],
      rollback: ['按已記錄樣本判斷:應回滾 — 但未有回滾:Tonic 已先停止', 'Verdict from the samples recorded: roll back — NOT rolled back: Tonic stopped first'],
      unavailable: ['結論:無法監控 — 未能量度指標', 'Verdict: unavailable — monitoring could not measure'],
    };
    const next: Record<string, [string, string]> = {
      interrupted: [`請立即人手監察 ${env}:其指標及部署記錄(${check})。`, `Watch ${env} by hand now: its metrics, and the deployment (${check}).`],
      unavailable: [`請立即人手監察 ${env}:其指標及部署記錄(${check})。`, `Watch ${env} by hand now: its metrics, and the deployment (${check}).`],
      rollback: [
        `請立即檢查 ${env};如仍超出門檻,請回滾:tonic rollback --env ${env.toLowerCase()} --impact regression --reason …`,
        `Check ${env} now; if it still breaches, roll back: tonic rollback --env ${env.toLowerCase()} --impact regression --reason …`,
      ],
      clean: [`沒有程序按此結論處理:請檢查部署記錄(${check})。`, `Nothing acted on this verdict: check the deployment (${check}).`],
      alert: [`沒有程序按此結論處理:請檢查部署記錄(${check})。`, `Nothing acted on this verdict: check the deployment (${check}).`],
    };
    const [verdictZh, verdictEn] = verdict[outcome] ?? [`結論:${outcome}`, `Verdict: ${outcome}`];
    const [nextZh, nextEn] = next[outcome] ?? next.interrupted!;
    return zh
      ? message([`📉 監控中斷 — ${release} 於 ${env}${onSystem(input)}`, '', `樣本:${samples} / ${expected}`, verdictZh, `詳情:${reason}`, '', nextZh])
      : message([`📉 Monitoring cut short — ${release} on ${env}${onSystem(input)}`, '', `Samples: ${samples} of ${expected}`, verdictEn, `Detail: ${reason}`, '', nextEn]);
  },

  'deploy.lock_expired': (input) => {
    const { p, zh } = input;
    const holder = p.text('holder');
    const purpose = p.text('purpose');
    const since = p.instant('acquiredAt');
    return zh
      ? message([`🔓 部署鎖已釋放${onSystem(input)}`, '', `${holder} 自 ${since} 進行中的「${purpose}」已停止回應。`, '該環境可能只更新了一半:請檢查環境目前運行的版本。'])
      : message([`🔓 Deploy lock released${onSystem(input)}`, '', `${holder} stopped answering while doing "${purpose}" (since ${since}).`, 'The environment may be half-changed: check what it runs now.']);
  },

  'smoke.failed': (input) => {
    const { p, zh } = input;
    const env = p.text('env').toUpperCase();
    const release = p.text('release');
    const step = p.text('step');
    const expected = p.text('expected');
    const actual = p.text('actual');
    const deployment = p.number('deploymentId');
    return zh
      ? message([`🔥 Smoke test 失敗 — ${release} 於 ${env}${onSystem(input)}`, '', `步驟:${step}`, `預期:${expected}`, `實際:${actual}`, '', `部署 ${deployment} 即時回滾。`])
      : message([`🔥 Smoke test failed — ${release} on ${env}${onSystem(input)}`, '', `Step: ${step}`, `Expected: ${expected}`, `Got: ${actual}`, '', `Deployment ${deployment} is rolled back at once.`]);
  },

  'monitoring.breach': (input) => {
    const { p, zh } = input;
    const env = p.text('env').toUpperCase();
    const release = p.text('release');
    const metric = p.text('metric');
    const value = p.text('value');
    const threshold = p.text('threshold');
    const action = p.text('action');
    const rollback = action === 'rollback';
    return zh
      ? message([
          `📈 監控指標超標 — ${release} 於 ${env}${onSystem(input)}`,
          '',
          `指標:${metric}`,
          `數值:${value}(門檻 ${threshold})`,
          rollback ? '處理:即時回滾。' : '處理:警報,請立即調查。',
        ])
      : message([
          `📈 Monitoring threshold breached — ${release} on ${env}${onSystem(input)}`,
          '',
          `Metric: ${metric}`,
          `Value: ${value} (threshold ${threshold})`,
          rollback ? 'Action: rolling back now.' : 'Action: alert, investigate now.',
        ]);
  },

  // SEED.md "Rollback"
  'rollback.executed': ({ p, zh }) => {
    const env = p.text('env').toUpperCase();
    const reason = p.text('reason');
    const to = releaseAndCommit(p.optional('toVersion'), p.text('toCommit'));
    const at = p.instant('at');
    const by = p.text('by');
    const next = p.text('nextStep');
    // Multi-service systems: the services that went back, in the order they did (SEED.md's text otherwise).
    const services = p.optionalStrings('services').join(' → ');
    return zh
      ? message([`⚠️ Rollback 執行 — ${env}`, '', `原因:${reason}`, `回滾至:${to}`, services ? `服務(依序):${services}` : null, `時間:${at}`, `執行人:${by}`, '', '狀態:已回滾,正在監控', `下一步:${next}`])
      : message([`⚠️ Rollback executed — ${env}`, '', `Reason: ${reason}`, `Rolled back to: ${to}`, services ? `Services (in order): ${services}` : null, `Time: ${at}`, `By: ${by}`, '', 'Status: rolled back, monitoring', `Next step: ${next}`]);
  },

  'rollback.escalated': (input) => {
    const { p, zh } = input;
    const env = p.text('env').toUpperCase();
    const reason = p.text('reason');
    const detail = p.text('detail');
    const dba = p.optional('dbaContact');
    // A rollback cut short by its process stopping says what it had done and had not, and what next.
    const done = bulletList(p.optionalStrings('done'), MAX_LISTED, false, zh ? (n) => `  … 另有 ${n} 項` : (n) => `  … and ${n} more`);
    const notDone = bulletList(p.optionalStrings('notDone'), MAX_LISTED, false, zh ? (n) => `  … 另有 ${n} 項` : (n) => `  … and ${n} more`);
    const next = p.optional('nextStep');
    return zh
      ? message([
          `🆘 Rollback 已升級處理 — ${env}${onSystem(input)}`,
          '',
          `原因:${reason}`,
          detail,
          dba && `DBA 聯絡人:${dba}`,
          ...(done.length > 0 ? ['', '中斷前已完成:', ...done] : []),
          ...(notDone.length > 0 ? ['', '未完成:', ...notDone] : []),
          ...(next ? ['', `下一步:${next}`] : []),
          '',
          '需要人手即時處理。',
        ])
      : message([
          `🆘 Rollback escalated — ${env}${onSystem(input)}`,
          '',
          `Reason: ${reason}`,
          detail,
          dba && `DBA contact: ${dba}`,
          ...(done.length > 0 ? ['', 'Done before it stopped:', ...done] : []),
          ...(notDone.length > 0 ? ['', 'Not done:', ...notDone] : []),
          ...(next ? ['', `Next: ${next}`] : []),
          '',
          'People are needed now.',
        ]);
  },

  'rollback.followup': (input) => {
    const { p, zh } = input;
    const env = p.text('env').toUpperCase();
    const reason = p.text('reason');
    const by = p.text('by');
    return zh
      ? message([`📝 輕微問題,不回滾 — ${env}${onSystem(input)}`, '', `問題:${reason}`, `記錄人:${by}`, '', '持續監控;修正會排入下一次 pipeline。'])
      : message([`📝 Minor issue, no rollback — ${env}${onSystem(input)}`, '', `Issue: ${reason}`, `Noted by: ${by}`, '', 'Monitoring; a fix goes into the next pipeline.']);
  },

  'freeze.declared': (input) => {
    const { p, zh } = input;
    const start = p.instant('start');
    const end = p.optionalInstant('end');
    const scope = scopeText(p.text('scope'), p.text('scope') === 'modules' ? p.strings('modules') : [], zh);
    const reason = p.text('reason');
    const by = p.text('by');
    return zh
      ? message([`🧊 宣佈部署凍結${onSystem(input)}`, '', `由:${start}`, `至:${end ?? '另行通知'}`, `範圍:${scope}`, `原因:${reason}`, `宣佈人:${by}`, '', '期間暫停 T1/T2 部署;緊急修復需兩人批准。'])
      : message([`🧊 Change freeze declared${onSystem(input)}`, '', `From: ${start}`, `Until: ${end ?? 'further notice'}`, `Scope: ${scope}`, `Reason: ${reason}`, `Declared by: ${by}`, '', 'T1/T2 deploys are suspended meanwhile; an emergency hotfix needs two people to approve.']);
  },

  'freeze.lifted': (input) => {
    const { p, zh } = input;
    const start = p.instant('start');
    const end = p.optionalInstant('end');
    const scope = scopeText(p.text('scope'), p.text('scope') === 'modules' ? p.strings('modules') : [], zh);
    const reason = p.text('reason');
    const by = p.text('by');
    return zh
      ? message([`🌤 部署凍結已解除${onSystem(input)}`, '', `凍結:${start} 至 ${end ?? '另行通知'}(${scope})`, `原因:${reason}`, `解除人:${by}`, '', 'T1/T2 由下一個時段起恢復。'])
      : message([`🌤 Change freeze lifted${onSystem(input)}`, '', `Freeze: ${start} to ${end ?? 'further notice'} (${scope})`, `Reason: ${reason}`, `Lifted by: ${by}`, '', 'T1/T2 run again from the next slot.']);
  },

  'hotfix.opened': (input) => {
    const { p, zh } = input;
    const bug = { id: p.number('bugId'), severity: p.text('severity'), title: p.text('title') };
    const priority = p.text('priority');
    const env = p.text('env').toUpperCase();
    const due = p.instant('slaDueAt');
    const incident = p.number('incidentId');
    return zh
      ? message([`🚨 緊急修復開始 — ${priority}${onSystem(input)}`, '', `Bug: #${bug.id} [${bug.severity}] ${bug.title}`, `環境:${env}`, `SLA:須於 ${due} 前修正並驗收`, `事件:${incident}`])
      : message([`🚨 Emergency hotfix opened — ${priority}${onSystem(input)}`, '', `Bug: #${bug.id} [${bug.severity}] ${bug.title}`, `Environment: ${env}`, `SLA: fixed and validated by ${due}`, `Incident: ${incident}`]);
  },

  'hotfix.team_notified': (input) => {
    const { p, zh } = input;
    const bug = { id: p.number('bugId'), severity: p.text('severity'), title: p.text('title') };
    const people = p.strings('people').join(', ');
    const incident = p.number('incidentId');
    return zh
      ? message([`📣 緊急修復進行中${onSystem(input)}`, '', `Bug: #${bug.id} [${bug.severity}] ${bug.title}`, `已通知:${people}`, '', `事件 ${incident}:將在排程以外部署。`])
      : message([`📣 Emergency hotfix in progress${onSystem(input)}`, '', `Bug: #${bug.id} [${bug.severity}] ${bug.title}`, `Notified: ${people}`, '', `Incident ${incident}: a deploy outside the schedule is coming.`]);
  },

  // SEED.md "Emergency Hotfix"
  'hotfix.deployed': ({ p, zh }) => {
    const env = p.text('env').toUpperCase();
    const bug = { id: p.number('bugId'), severity: p.text('severity'), title: p.text('title') };
    const at = p.instant('at');
    const by = p.text('by');
    const followUp = p.flag('uatFollowUpNeeded');
    return zh
      ? message([`🚨 Emergency Hotfix — ${env}`, '', `Bug: #${bug.id} [${bug.severity}] ${bug.title}`, `時間:${at}`, `部署人:${by}`, '', '狀態:已部署,請立即驗收', `需要跟進:${followUp ? '是 — 需要 cherry-pick 至 UAT' : '否'}`])
      : message([`🚨 Emergency Hotfix — ${env}`, '', `Bug: #${bug.id} [${bug.severity}] ${bug.title}`, `Time: ${at}`, `Deployed by: ${by}`, '', 'Status: deployed, validate now', `Follow-up needed: ${followUp ? 'yes — UAT cherry-pick needed' : 'no'}`]);
  },

  'hotfix.interrupted': (input) => {
    const { p, zh } = input;
    const bug = { id: p.number('bugId'), severity: p.text('severity'), title: p.text('title') };
    const priority = p.text('priority');
    const incident = p.number('incidentId');
    const reason = p.text('reason');
    const deployments = p.strings('deployments');
    const unknown = deployments.length > 0 ? deployments.join(', ') : null;
    const followUp = p.text('step') === 'uat_follow_up';
    return zh
      ? message([
          `🚨 緊急修復中斷 — ${priority}${onSystem(input)}`,
          '',
          `Bug: #${bug.id} [${bug.severity}] ${bug.title}`,
          `步驟:${followUp ? 'UAT 跟進' : '部署至 PROD'}(事件 ${incident})`,
          `原因:${reason}`,
          unknown && `狀態不明的部署:${unknown}`,
          '',
          followUp
            ? `請先檢查 UAT 目前運行的版本;跟進可再次執行(tonic hotfix uat-follow-up ${incident}),或記錄人手完成的更新(--commit SHA)。`
            : `事件已重新開放:請先檢查 PROD 目前運行的版本,然後重新部署(tonic hotfix deploy ${incident})或記錄人手完成的部署(tonic hotfix deploy ${incident} --commit SHA)。`,
        ])
      : message([
          `🚨 Emergency hotfix interrupted — ${priority}${onSystem(input)}`,
          '',
          `Bug: #${bug.id} [${bug.severity}] ${bug.title}`,
          `Step: ${followUp ? 'the UAT follow-up' : 'the deploy to PROD'} (incident ${incident})`,
          `Why: ${reason}`,
          unknown && `Deployments in an unknown state: ${unknown}`,
          '',
          followUp
            ? `Check what UAT runs first; the follow-up can run again (tonic hotfix uat-follow-up ${incident}), or record UAT updated by hand (--commit SHA).`
            : `The incident is open again: check what PROD runs, then deploy again (tonic hotfix deploy ${incident}) or record the deploy done by hand (tonic hotfix deploy ${incident} --commit SHA).`,
        ]);
  },

  'hotfix.sla_warning': (input) => {
    const { p, zh } = input;
    const bug = { id: p.number('bugId'), title: p.text('title') };
    const priority = p.text('priority');
    const percent = p.number('percent');
    const due = p.instant('slaDueAt');
    const incident = p.number('incidentId');
    const breached = percent >= 100;
    return zh
      ? message([
          `${breached ? '⏰ 緊急修復已超出 SLA' : `⏱ 緊急修復 SLA 已過 ${percent}%`} — ${priority}${onSystem(input)}`,
          '',
          `Bug: #${bug.id} ${bug.title}`,
          `期限:${due}`,
          `事件:${incident}`,
        ])
      : message([`${breached ? '⏰ Hotfix SLA breached' : `⏱ Hotfix SLA ${percent}% used`} — ${priority}${onSystem(input)}`, '', `Bug: #${bug.id} ${bug.title}`, `Due: ${due}`, `Incident: ${incident}`]);
  },

  'hotfix.review_due': (input) => {
    const { p, zh } = input;
    const bug = { id: p.number('bugId'), title: p.text('title') };
    const due = p.instant('reviewDueAt');
    const incident = p.number('incidentId');
    return zh
      ? message([`🗓 事故檢討到期${onSystem(input)}`, '', `Bug: #${bug.id} ${bug.title}`, `請於 ${due} 前完成檢討(事件 ${incident}):記錄根本原因及修正摘要。`])
      : message([`🗓 Incident review due${onSystem(input)}`, '', `Bug: #${bug.id} ${bug.title}`, `Review by ${due} (incident ${incident}): record the root cause and the fix summary.`]);
  },
} satisfies Record<string, Template>;
