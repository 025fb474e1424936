/**
 * The nodes of a run: SEED.md's five pipeline templates (T1 Flow 1, T2 Flow 1, T1 Flow 2, T2 Flow
 * 2 PROD, T2 Flow 2 UAT merged) word for word in Traditional Chinese, their English, and the
 * other things a run announces (held release, failed deploy, failed, interrupted, missed or
 * skipped runs, frozen modules). Pure.
 */
import { bugLines, bulletList, MAX_LISTED, message, shortCommit, type ApprovalButton, type BugLine, type ItemReader } from './message-format.ts';
import type { Template, TemplateInput } from './template-types.ts';

/** Per-bug buttons are capped (Telegram allows 100 per message); the batch button covers all. */
const MAX_BUG_BUTTONS = 20;

function approvalButtons(bugs: readonly BugLine[], approval: ApprovalButton['approval'], zh: boolean): ApprovalButton[][] {
  const label =
    approval === 'approve_prod' ? (zh ? '批准推 PROD' : 'Approve PROD Deploy') : zh ? '批准 Merge UAT' : 'Approve Merge UAT';
  const rows: ApprovalButton[][] = bugs.slice(0, MAX_BUG_BUTTONS).map((b) => [{ label: `${label} #${b.id}`, approval, bugIds: [b.id] }]);
  if (bugs.length > 1) {
    rows.push([{ label: zh ? `${label}(全部 ${bugs.length} 個)` : `${label} (all ${bugs.length})`, approval, bugIds: bugs.map((b) => b.id) }]);
  }
  return rows;
}

/** The steps an interrupted run had done: the last few are what matters (the rest: tonic runs show). */
const RECENT_DONE = 6;

/**
 * The checks each bug's analysis proposes, after the message (a channel's `validationSteps`): SEED's
 * text stays as it is above them. Nothing when the channel does not ask or no bug has steps.
 */
function validationSection(input: TemplateInput, bugs: readonly BugLine[]): string[] {
  if (!input.ctx.validationSteps) return [];
  const { p, zh } = input;
  const perBug = p
    .list('bugs', (item) => item.optionalList('validationSteps', (s) => ({ env: s.text('env').toUpperCase(), check: s.text('check') })))
    .map((steps, i) => ({ bug: bugs[i]!, steps }))
    .filter((b) => b.steps.length > 0);
  if (perBug.length === 0) return [];
  return [
    '',
    zh ? '驗收步驟:' : 'Validation steps:',
    ...perBug.slice(0, MAX_LISTED).flatMap(({ bug, steps }) => [`#${bug.id} ${bug.title}`, ...steps.map((s, i) => `  ${i + 1}. [${s.env}] ${s.check}`)]),
  ];
}

export function slotName(slot: string): string {
  return slot.toUpperCase();
}

const onSystem = (input: TemplateInput) => (input.ctx.system ? ` — ${input.ctx.system}` : '');

export const PIPELINE_TEMPLATES = {
  // SEED.md "T1 Complete — Flow 1 (UAT deployed)"
  't1.flow1.deployed_uat': (input) => {
    const { p, zh } = input;
    const bugs = p.bugs('bugs');
    const release = p.text('release');
    const uatUrl = p.text('uatUrl');
    const t2 = p.instant('t2At');
    const buttons = approvalButtons(bugs, 'approve_prod', zh);
    return zh
      ? message(
          ['🔧 Bug Fix Pipeline — Flow 1 已部署 UAT', '', ...bugLines(bugs), '', `📦 Release: ${release}`, '', `✅ 請驗收 UAT:${uatUrl}`, '確認後請點「批准推 PROD」。', `下次 T2 時間:${t2}`, ...validationSection(input, bugs)],
          buttons,
        )
      : message(
          [
            '🔧 Bug Fix Pipeline — Flow 1 deployed to UAT',
            '',
            ...bugLines(bugs),
            '',
            `📦 Release: ${release}`,
            '',
            `✅ Please validate UAT: ${uatUrl}`,
            'When it works, press "Approve PROD Deploy".',
            `Next T2: ${t2}`,
            ...validationSection(input, bugs),
          ],
          buttons,
        );
  },

  // SEED.md "T2 Complete — Flow 1 (PROD deployed)"
  't2.flow1.deployed_prod': ({ p, zh }) => {
    const bugs = p.bugs('bugs');
    const release = p.optional('release');
    return zh
      ? message(['🚀 Bug Fix Pipeline — Flow 1 已部署 PROD', '', ...bugLines(bugs), '', '✅ Flow 1 完成。UAT 與 PROD 版本已對齊。'])
      : message(['🚀 Bug Fix Pipeline — Flow 1 deployed to PROD', '', ...bugLines(bugs), '', `✅ Flow 1 complete. UAT and PROD run the same version${release ? ` (${release})` : ''}.`]);
  },

  // SEED.md "T1 Complete — Flow 2 (PROD queued)"
  't1.flow2.queued_prod': ({ p, zh }) => {
    const bugs = p.bugs('bugs');
    const t2 = p.instant('t2At');
    return zh
      ? message(['🔧 Bug Fix Pipeline — Flow 2 已排隊部署 PROD', '', ...bugLines(bugs), '', `⏳ 今晚 T2(${t2})自動部署至 PROD。`, '部署後請驗收,確認後點「批准 Merge UAT」。'])
      : message([
          '🔧 Bug Fix Pipeline — Flow 2 queued for PROD',
          '',
          ...bugLines(bugs),
          '',
          `⏳ T2 (${t2}) deploys it to PROD automatically.`,
          'After the deploy, validate PROD, then press "Approve Merge UAT".',
        ]);
  },

  // SEED.md "T2 Complete — Flow 2 (PROD deployed, UAT pending)"
  't2.flow2.deployed_prod': (input) => {
    const { p, zh } = input;
    const bugs = p.bugs('bugs');
    const t2 = p.instant('t2At');
    const buttons = approvalButtons(bugs, 'approve_uat_merge', zh);
    return zh
      ? message(['🚀 Bug Fix Pipeline — Flow 2 已部署 PROD', '', ...bugLines(bugs), '', '⚠️ 請登入 PROD 驗收。', '確認正常後點「批准 Merge UAT」。', `下次 T2 時間:${t2}`, ...validationSection(input, bugs)], buttons)
      : message(
          [
            '🚀 Bug Fix Pipeline — Flow 2 deployed to PROD',
            '',
            ...bugLines(bugs),
            '',
            '⚠️ Please log in to PROD and validate.',
            'When it works, press "Approve Merge UAT".',
            `Next T2: ${t2}`,
            ...validationSection(input, bugs),
          ],
          buttons,
        );
  },

  // SEED.md "T2 Complete — Flow 2 (UAT merged)"
  't2.flow2.uat_merged': ({ p, zh }) => {
    const bugs = p.bugs('bugs');
    return zh
      ? message(['✅ Bug Fix Pipeline — Flow 2 完成', '', ...bugLines(bugs), '', '🎉 Fix 已同步至 UAT。Flow 2 全流程完成。'])
      : message(['✅ Bug Fix Pipeline — Flow 2 complete', '', ...bugLines(bugs), '', '🎉 The fix is merged into UAT. Flow 2 is complete.']);
  },

  'release.held': (input) => {
    const { p, zh } = input;
    const release = p.text('release');
    const waiting = p.list('waiting', (item) => ({ ...item.bug(''), reason: item.text('reason') }));
    const ready = p.bugs('ready');
    const t2 = p.instant('t2At');
    return zh
      ? message([
          `⏸ Release ${release} 暫緩部署 PROD${onSystem(input)}`,
          '',
          '等待批准:',
          ...bugLines(waiting, (_, i) => ` — ${waiting[i]!.reason}`),
          ready.length > 0 && '',
          ready.length > 0 && '已批准,一同等待:',
          ...bugLines(ready),
          '',
          'PROD 只部署 UAT 驗收過的整個 Release:請批准以上 Bug,或由管理員將其移出 Release(tonic bugs drop ID)。',
          `下次 T2 時間:${t2}`,
        ])
      : message([
          `⏸ Release ${release} held back from PROD${onSystem(input)}`,
          '',
          'Waiting for approval:',
          ...bugLines(waiting, (_, i) => ` — ${waiting[i]!.reason}`),
          ready.length > 0 && '',
          ready.length > 0 && 'Approved, waiting with it:',
          ...bugLines(ready),
          '',
          'PROD gets the whole release UAT validated: approve the bugs above, or an admin drops them from the release (tonic bugs drop ID).',
          `Next T2: ${t2}`,
        ]);
  },

  'deploy.failed': (input) => {
    const { p, zh } = input;
    const env = p.text('env').toUpperCase();
    const release = p.text('release');
    const deployment = p.number('deploymentId');
    const run = p.optional('runId');
    const error = p.text('error');
    // Multi-service systems: the service that failed, and what was undone, in the order it was.
    const service = p.optional('service');
    const back = p.optionalList('rolledBack', (r) => ({ service: r.text('service'), ok: r.flag('ok') }));
    const to = p.optional('previousVersion');
    const undone = (ok: string, notOk: string) => back.map((r) => `${r.service} ${r.ok ? ok : notOk}`);
    return zh
      ? message([
          `🛑 部署失敗 — ${release} 至 ${env}${onSystem(input)}`,
          '',
          `錯誤:${error}`,
          service && `失敗的服務:${service}`,
          back.length > 0 && `已回滾(依序):${undone('✓', '✗ 未能回滾').join('、')}${to ? ` — 回到 ${to}` : ''}`,
          `部署記錄:${deployment}${run ? `(Run ${run})` : ''}`,
          '',
          `相關 Bug 維持原狀態。詳情:tonic deployments show ${deployment}`,
        ])
      : message([
          `🛑 Deploy failed — ${release} to ${env}${onSystem(input)}`,
          '',
          `Error: ${error}`,
          service && `Failed service: ${service}`,
          back.length > 0 && `Rolled back (in order): ${undone('✓', '✗ not rolled back').join(', ')}${to ? ` — back on ${to}` : ''}`,
          `Deployment: ${deployment}${run ? ` (run ${run})` : ''}`,
          '',
          `The bugs stay where they were. Details: tonic deployments show ${deployment}`,
        ]);
  },

  'run.failed': (input) => {
    const { p, zh } = input;
    const slot = slotName(p.text('slot'));
    const run = p.number('runId');
    const error = p.text('error');
    const steps = p.list('steps', (s) => s.text('message')).slice(-5);
    return zh
      ? message([`🛑 ${slot} 執行失敗${onSystem(input)}`, '', `Run:${run}`, `錯誤:${error}`, steps.length > 0 && '', steps.length > 0 && '最後步驟:', ...steps.map((s) => `  ${s}`), '', `詳情:tonic runs show ${run}`])
      : message([`🛑 ${slot} run failed${onSystem(input)}`, '', `Run: ${run}`, `Error: ${error}`, steps.length > 0 && '', steps.length > 0 && 'Last steps:', ...steps.map((s) => `  ${s}`), '', `Details: tonic runs show ${run}`]);
  },

  'run.interrupted': (input) => {
    const { p, zh } = input;
    const slot = slotName(p.text('slot'));
    const run = p.number('runId');
    const scheduled = p.instant('scheduledFor');
    const reason = p.text('reason');
    const deployments = p.strings('deployments');
    const unknown = deployments.length > 0 ? deployments.join(', ') : null;
    // What the run had done and had not when it stopped (when the emitter knew: a shutdown knows
    // its run's steps; a lease sweep knows what the database shows).
    const done = bulletList(p.optionalStrings('done'), RECENT_DONE, true, zh ? (n) => `  … 之前另有 ${n} 步` : (n) => `  … and ${n} earlier step(s)`);
    const notDone = bulletList(p.optionalStrings('notDone'), MAX_LISTED, false, zh ? (n) => `  … 另有 ${n} 項` : (n) => `  … and ${n} more`);
    return zh
      ? message([
          `⚠️ ${slot} 中斷${onSystem(input)}`,
          '',
          `Run ${run},排程 ${scheduled}`,
          `原因:${reason}`,
          unknown && `狀態不明的部署:${unknown}`,
          ...(done.length > 0 ? ['', '中斷前已完成:', ...done] : []),
          ...(notDone.length > 0 ? ['', '未完成:', ...notDone] : []),
          '',
          '系統不會自動重新部署:請檢查環境,然後記錄其實際版本(tonic env record)。',
          `詳情:tonic runs show ${run}`,
        ])
      : message([
          `⚠️ ${slot} run interrupted${onSystem(input)}`,
          '',
          `Run ${run}, slot ${scheduled}`,
          `Why: ${reason}`,
          unknown && `Deployments in an unknown state: ${unknown}`,
          ...(done.length > 0 ? ['', 'Done before it stopped:', ...done] : []),
          ...(notDone.length > 0 ? ['', 'Not done:', ...notDone] : []),
          '',
          'Nothing is re-deployed on its own: check the environments, then record what they run (tonic env record).',
          `Details: tonic runs show ${run}`,
        ]);
  },

  'run.missed': (input) => {
    const { p, zh } = input;
    const slotKey = p.text('slot');
    const slot = slotName(slotKey);
    const scheduled = p.instant('scheduledFor');
    const late = p.number('lateMinutes');
    const grace = p.number('graceMinutes');
    const system = input.ctx.system ? ` --system ${input.ctx.system}` : '';
    return zh
      ? message([
          `⏭ 錯過 ${slot}${onSystem(input)}`,
          '',
          `排程:${scheduled}`,
          `伺服器當時停止運作:遲了 ${late} 分鐘才發現(寬限 ${grace} 分鐘),因此沒有執行。`,
          `如仍需要,請立即執行:tonic run ${slotKey}${system}`,
        ])
      : message([
          `⏭ ${slot} missed${onSystem(input)}`,
          '',
          `Slot: ${scheduled}`,
          `The server was down: it found the slot ${late} minutes late (grace ${grace} minutes), so it did not run.`,
          `If it is still wanted, run it now: tonic run ${slotKey}${system}`,
        ]);
  },

  'run.skipped': (input) => {
    const { p, zh } = input;
    const slot = slotName(p.text('slot'));
    const reason = p.text('reason');
    const detail = p.text('detail');
    if (reason === 'checklist') {
      const items = p.list('checklist', checklistItem);
      return zh
        ? message([`📋 ${slot} 已略過:部署前檢查未通過${onSystem(input)}`, '', detail, items.length > 0 && '', ...items.map((i) => checklistLine(i, true)), '', '修正以上項目後,下一個時段會再檢查。'])
        : message([`📋 ${slot} skipped: pre-deploy checklist failed${onSystem(input)}`, '', detail, items.length > 0 && '', ...items.map((i) => checklistLine(i, false)), '', 'Fix the items above; the next slot checks again.']);
    }
    const freezes = p.list('freezes', freezeItem);
    return zh
      ? message([
          `🧊 ${slot} 已略過:部署凍結中${onSystem(input)}`,
          '',
          detail,
          freezes.length > 0 && '',
          ...freezes.map((f) => `• ${f.label}(${f.scope === 'modules' ? `模組:${f.modules}` : '整個系統'})${f.until ? `,至 ${f.until}` : ''}`),
          '',
          '緊急修復仍可經升級審批部署。',
        ])
      : message([
          `🧊 ${slot} skipped: change freeze${onSystem(input)}`,
          '',
          detail,
          freezes.length > 0 && '',
          ...freezes.map((f) => `• ${f.label} (${f.scope === 'modules' ? `modules: ${f.modules}` : 'whole system'})${f.until ? `, until ${f.until}` : ''}`),
          '',
          'Emergency hotfixes can still go, with escalated approval.',
        ]);
  },

  'run.modules_frozen': (input) => {
    const { p, zh } = input;
    const slot = slotName(p.text('slot'));
    const modules = p.strings('modules').join(', ');
    const bugs = p.list('bugs', (item) => ({ ...item.bug(''), module: item.optional('module') }));
    const detail = p.text('detail');
    return zh
      ? message([`🧊 ${slot}:凍結模組的 Bug 已略過${onSystem(input)}`, '', `凍結模組:${modules}`, detail, '', '凍結結束後處理:', ...bugLines(bugs, (_, i) => (bugs[i]!.module ? `(${bugs[i]!.module})` : '')), '', '其他模組照常進行。'])
      : message([`🧊 ${slot}: bugs of frozen modules skipped${onSystem(input)}`, '', `Frozen modules: ${modules}`, detail, '', 'Left for after the freeze:', ...bugLines(bugs, (_, i) => (bugs[i]!.module ? ` (${bugs[i]!.module})` : '')), '', 'Other modules go on as usual.']);
  },
} satisfies Record<string, Template>;

// ---- shared by the checklist and freeze messages ------------------------------------------------

export type ChecklistItem = { probe: string; result: string; mode: string; evidence: string };

export function checklistItem(item: ItemReader): ChecklistItem {
  return { probe: item.text('probe'), result: item.text('result'), mode: item.text('mode'), evidence: item.text('evidence') };
}

const RESULT_ICON: Record<string, string> = { pass: '✅', warn: '⚠️', fail: '❌' };

/** "❌ backup: last backup 30 h ago (blocks the deploy)"; a passed item carries its evidence alone. */
export function checklistLine(item: ChecklistItem, zh: boolean): string {
  const effect = item.result === 'pass' ? '' : item.mode === 'block' ? (zh ? '(阻止部署)' : ' (blocks the deploy)') : zh ? '(僅警告)' : ' (warning only)';
  return `${RESULT_ICON[item.result] ?? '•'} ${item.probe}:${zh ? '' : ' '}${item.evidence}${effect}`;
}

function freezeItem(item: ItemReader) {
  const scope = item.text('scope');
  return { label: item.text('label'), scope, modules: scope === 'modules' ? item.strings('modules').join(', ') : '', until: item.optionalInstant('until') };
}

export function releaseAndCommit(version: string | null, commit: string | null): string {
  if (version && commit) return `${version} (${shortCommit(commit)})`;
  return version ?? (commit ? shortCommit(commit) : '');
}
