/**
 * Every template, rendered from a payload shaped as its emitter writes it, compared with the exact
 * text in both languages; SEED.md's seven Telegram templates compared with SEED.md's own text,
 * placeholders filled. Pure: no database, no clock.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatInstant, MissingPlaceholderError, type Language } from '../../../src/features/notifications/templates/message-format.ts';
import { NOTIFIED_EVENTS, type NotifiedEvent } from '../../../src/features/notifications/templates/notified-events.ts';
import { renderMessage } from '../../../src/features/notifications/templates/render.ts';
import { OUTBOX_EVENTS } from '../../../src/features/outbox/outbox-store.ts';
import { SAMPLE_PAYLOADS } from './sample-payloads.ts';

const ctx = (language: Language, timeZone = 'Asia/Hong_Kong') => ({ language, timeZone, system: 'shop' });
const render = (event: NotifiedEvent, language: Language, payload: Record<string, unknown> = SAMPLE_PAYLOADS[event]) => renderMessage(event, [payload], ctx(language));

/** SEED.md "Telegram Notification Templates", as written there. */
const SEED: Partial<Record<NotifiedEvent, string>> = {
  't1.flow1.deployed_uat': `🔧 Bug Fix Pipeline — Flow 1 已部署 UAT

• #<id> [<severity>] <title>
• ...

📦 Release: <version>

✅ 請驗收 UAT:<UAT_URL>
確認後請點「批准推 PROD」。
下次 T2 時間:<T2_time>`,
  't2.flow1.deployed_prod': `🚀 Bug Fix Pipeline — Flow 1 已部署 PROD

• #<id> [<severity>] <title>

✅ Flow 1 完成。UAT 與 PROD 版本已對齊。`,
  't1.flow2.queued_prod': `🔧 Bug Fix Pipeline — Flow 2 已排隊部署 PROD

• #<id> [<severity>] <title>

⏳ 今晚 T2(<T2_time>)自動部署至 PROD。
部署後請驗收,確認後點「批准 Merge UAT」。`,
  't2.flow2.deployed_prod': `🚀 Bug Fix Pipeline — Flow 2 已部署 PROD

• #<id> [<severity>] <title>

⚠️ 請登入 PROD 驗收。
確認正常後點「批准 Merge UAT」。
下次 T2 時間:<T2_time>`,
  't2.flow2.uat_merged': `✅ Bug Fix Pipeline — Flow 2 完成

• #<id> [<severity>] <title>

🎉 Fix 已同步至 UAT。Flow 2 全流程完成。`,
  'hotfix.deployed': `🚨 Emergency Hotfix — <PROD/UAT>

Bug: #<id> [<severity>] <title>
時間:<datetime>
部署人:<admin>

狀態:已部署,請立即驗收
需要跟進:<yes/no — UAT cherry-pick needed>`,
  'rollback.executed': `⚠️ Rollback 執行 — <environment>

原因:<brief reason>
回滾至:<version/commit>
時間:<datetime>
執行人:<admin>

狀態:已回滾,正在監控
下一步:<scheduled fix / investigation>`,
};

/** SEED's text with its placeholders filled: the bug list ("• #<id> … / • ...") replaced by `bugs`. */
function fill(template: string, bugs: string[], values: Record<string, string>): string {
  let text = template.replace(/• #<id> \[<severity>\] <title>(\n• \.\.\.)?/, bugs.join('\n'));
  for (const [key, value] of Object.entries(values)) text = text.replaceAll(`<${key}>`, value);
  assert.doesNotMatch(text, /<[A-Za-z_ /]+>/, 'every placeholder filled');
  return text;
}

/** The exact text of every template for its sample payload, system "shop" in Asia/Hong_Kong. */
const EXPECTED: Record<NotifiedEvent, Record<Language, string[]>> = {
  'bug.reported': {
    'zh-Hant': [
      "🐞 新 Bug 待審核 — shop",
      "",
      "• #12 [medium] Checkout total wrong",
      "報告人:dev",
      "",
      "下一步:由管理員確認或拒絕。",
    ],
    'en': [
      "🐞 New bug awaiting review — shop",
      "",
      "• #12 [medium] Checkout total wrong",
      "Reported by: dev",
      "",
      "Next: a manager confirms or rejects it.",
    ],
  },
  'bug.confirmed': {
    'zh-Hant': [
      "✅ Bug 已確認 — shop",
      "",
      "• #12 [medium] Checkout total wrong",
      "流程:Flow 1(先 UAT 後 PROD)",
      "原因:UAT and PROD run the same commit (v1.0.0)",
      "確認人:bob",
      "",
      "下一步:附上修正後,由下一個 T1 處理。",
    ],
    'en': [
      "✅ Bug confirmed — shop",
      "",
      "• #12 [medium] Checkout total wrong",
      "Flow: Flow 1 (UAT first)",
      "Why: UAT and PROD run the same commit (v1.0.0)",
      "Confirmed by: bob",
      "",
      "Next: once a fix is attached, the next T1 takes it.",
    ],
  },
  'bug.rejected': {
    'zh-Hant': [
      "❌ Bug 已拒絕 — shop",
      "",
      "• #13 [low] Button colour",
      "原因:works as designed",
      "拒絕人:bob",
    ],
    'en': [
      "❌ Bug rejected — shop",
      "",
      "• #13 [low] Button colour",
      "Reason: works as designed",
      "Rejected by: bob",
    ],
  },
  'bug.approved_prod': {
    'zh-Hant': [
      "👍 已批准推 PROD — shop",
      "",
      "• #12 [medium] Checkout total wrong",
      "批准人:bob",
      "",
      "⏳ 已排隊,T2(2026-11-26 22:00 HKT)部署至 PROD。",
    ],
    'en': [
      "👍 Approved for PROD — shop",
      "",
      "• #12 [medium] Checkout total wrong",
      "Approved by: bob",
      "",
      "⏳ Queued for PROD at T2 (2026-11-26 22:00 HKT).",
    ],
  },
  'bug.approved_uat_merge': {
    'zh-Hant': [
      "👍 已批准 Merge UAT — shop",
      "",
      "• #14 [low] Invoice rounding",
      "批准人:bob",
      "",
      "⏳ UAT 合併已排隊,T2(2026-11-27 22:00 HKT)執行。",
    ],
    'en': [
      "👍 Approved to merge into UAT — shop",
      "",
      "• #14 [low] Invoice rounding",
      "Approved by: bob",
      "",
      "⏳ UAT merge queued for T2 (2026-11-27 22:00 HKT).",
    ],
  },
  'bug.closed': {
    'zh-Hant': [
      "🗂 Bug 已關閉 — shop",
      "",
      "• #15 [low] Typo on receipt",
      "原因:duplicate of #12",
      "關閉人:bob",
    ],
    'en': [
      "🗂 Bug closed — shop",
      "",
      "• #15 [low] Typo on receipt",
      "Reason: duplicate of #12",
      "Closed by: bob",
    ],
  },
  'bug.fix_attached': {
    'zh-Hant': [
      "🔗 已附上修正 — shop",
      "",
      "• #12 [medium] Checkout total wrong",
      "修正:分支 fix/checkout(0123456789)",
      "附上人:dev",
    ],
    'en': [
      "🔗 Fix attached — shop",
      "",
      "• #12 [medium] Checkout total wrong",
      "Fix: branch fix/checkout (0123456789)",
      "Attached by: dev",
    ],
  },
  'bug.dropped_from_release': {
    'zh-Hant': [
      "↩️ Bug 已移出 UAT Release — shop",
      "",
      "• #13 [medium] Unvalidated one",
      "原因:needs more work",
      "操作人:admin",
      "",
      "下一個 T1 會重新建立不含此 Bug 的 UAT Release。",
    ],
    'en': [
      "↩️ Bug dropped from its UAT release — shop",
      "",
      "• #13 [medium] Unvalidated one",
      "Reason: needs more work",
      "Dropped by: admin",
      "",
      "The next T1 rebuilds the UAT release without it.",
    ],
  },
  'bug.rerouted': {
    'zh-Hant': [
      "🔀 T1 已改變流程 — shop",
      "",
      "• #16 [medium] Re-route me (Flow 1 → Flow 2)",
      "",
      "原因:UAT (v1.1.0) is ahead of PROD (v1.0.0)",
    ],
    'en': [
      "🔀 Flow changed at T1 — shop",
      "",
      "• #16 [medium] Re-route me (Flow 1 → Flow 2)",
      "",
      "Why: UAT (v1.1.0) is ahead of PROD (v1.0.0)",
    ],
  },
  'bug.conflict': {
    'zh-Hant': [
      "⛔ Cherry-pick 衝突 — shop",
      "",
      "• #17 [low] Conflicting fix",
      "  v1.0.1:commit fedcba9876 於 app.txt 衝突",
      "",
      "以上 Bug 維持原狀態,其他 Bug 照常進行。請把修正 rebase 到目標版本後重新附上。",
    ],
    'en': [
      "⛔ Cherry-pick conflict — shop",
      "",
      "• #17 [low] Conflicting fix",
      "  v1.0.1: commit fedcba9876 conflicts in app.txt",
      "",
      "These bugs stay where they were; the others went on. Rebase each fix onto the target and attach it again.",
    ],
  },
  'bug.fix_missing': {
    'zh-Hant': [
      "🧩 未附修正,T1 已略過 — shop",
      "",
      "• #18 [low] No fix yet",
      "",
      "請在下一個 T1 前附上修正:tonic bugs attach-fix ID --branch NAME",
    ],
    'en': [
      "🧩 No fix attached: skipped at T1 — shop",
      "",
      "• #18 [low] No fix yet",
      "",
      "Attach a fix before the next T1: tonic bugs attach-fix ID --branch NAME",
    ],
  },
  'environment.recorded': {
    'zh-Hant': [
      "📝 已記錄 PROD 版本 — shop",
      "",
      "現在:v1.0.0 (0123456789)",
      "之前:未記錄",
      "記錄人:admin",
    ],
    'en': [
      "📝 PROD version recorded — shop",
      "",
      "Now: v1.0.0 (0123456789)",
      "Before: not recorded",
      "Recorded by: admin",
    ],
  },
  't1.flow1.deployed_uat': {
    'zh-Hant': [
      "🔧 Bug Fix Pipeline — Flow 1 已部署 UAT",
      "",
      "• #12 [medium] Checkout total wrong",
      "• #19 [low] Coupon ignored",
      "",
      "📦 Release: v1.0.1",
      "",
      "✅ 請驗收 UAT:https://uat.shop.example",
      "確認後請點「批准推 PROD」。",
      "下次 T2 時間:2026-11-26 22:00 HKT",
    ],
    'en': [
      "🔧 Bug Fix Pipeline — Flow 1 deployed to UAT",
      "",
      "• #12 [medium] Checkout total wrong",
      "• #19 [low] Coupon ignored",
      "",
      "📦 Release: v1.0.1",
      "",
      "✅ Please validate UAT: https://uat.shop.example",
      "When it works, press \"Approve PROD Deploy\".",
      "Next T2: 2026-11-26 22:00 HKT",
    ],
  },
  't1.flow2.queued_prod': {
    'zh-Hant': [
      "🔧 Bug Fix Pipeline — Flow 2 已排隊部署 PROD",
      "",
      "• #14 [low] Invoice rounding",
      "",
      "⏳ 今晚 T2(2026-11-26 22:00 HKT)自動部署至 PROD。",
      "部署後請驗收,確認後點「批准 Merge UAT」。",
    ],
    'en': [
      "🔧 Bug Fix Pipeline — Flow 2 queued for PROD",
      "",
      "• #14 [low] Invoice rounding",
      "",
      "⏳ T2 (2026-11-26 22:00 HKT) deploys it to PROD automatically.",
      "After the deploy, validate PROD, then press \"Approve Merge UAT\".",
    ],
  },
  't2.flow1.deployed_prod': {
    'zh-Hant': [
      "🚀 Bug Fix Pipeline — Flow 1 已部署 PROD",
      "",
      "• #12 [medium] Checkout total wrong",
      "• #19 [low] Coupon ignored",
      "",
      "✅ Flow 1 完成。UAT 與 PROD 版本已對齊。",
    ],
    'en': [
      "🚀 Bug Fix Pipeline — Flow 1 deployed to PROD",
      "",
      "• #12 [medium] Checkout total wrong",
      "• #19 [low] Coupon ignored",
      "",
      "✅ Flow 1 complete. UAT and PROD run the same version (v1.0.1).",
    ],
  },
  't2.flow2.deployed_prod': {
    'zh-Hant': [
      "🚀 Bug Fix Pipeline — Flow 2 已部署 PROD",
      "",
      "• #14 [low] Invoice rounding",
      "",
      "⚠️ 請登入 PROD 驗收。",
      "確認正常後點「批准 Merge UAT」。",
      "下次 T2 時間:2026-11-27 22:00 HKT",
    ],
    'en': [
      "🚀 Bug Fix Pipeline — Flow 2 deployed to PROD",
      "",
      "• #14 [low] Invoice rounding",
      "",
      "⚠️ Please log in to PROD and validate.",
      "When it works, press \"Approve Merge UAT\".",
      "Next T2: 2026-11-27 22:00 HKT",
    ],
  },
  't2.flow2.uat_merged': {
    'zh-Hant': [
      "✅ Bug Fix Pipeline — Flow 2 完成",
      "",
      "• #14 [low] Invoice rounding",
      "",
      "🎉 Fix 已同步至 UAT。Flow 2 全流程完成。",
    ],
    'en': [
      "✅ Bug Fix Pipeline — Flow 2 complete",
      "",
      "• #14 [low] Invoice rounding",
      "",
      "🎉 The fix is merged into UAT. Flow 2 is complete.",
    ],
  },
  'release.held': {
    'zh-Hant': [
      "⏸ Release v1.0.1 暫緩部署 PROD — shop",
      "",
      "等待批准:",
      "• #19 [low] Coupon ignored — is not approved yet (deployed_uat)",
      "",
      "已批准,一同等待:",
      "• #12 [medium] Checkout total wrong",
      "",
      "PROD 只部署 UAT 驗收過的整個 Release:請批准以上 Bug,或由管理員將其移出 Release(tonic bugs drop ID)。",
      "下次 T2 時間:2026-11-27 22:00 HKT",
    ],
    'en': [
      "⏸ Release v1.0.1 held back from PROD — shop",
      "",
      "Waiting for approval:",
      "• #19 [low] Coupon ignored — is not approved yet (deployed_uat)",
      "",
      "Approved, waiting with it:",
      "• #12 [medium] Checkout total wrong",
      "",
      "PROD gets the whole release UAT validated: approve the bugs above, or an admin drops them from the release (tonic bugs drop ID).",
      "Next T2: 2026-11-27 22:00 HKT",
    ],
  },
  'deploy.failed': {
    'zh-Hant': [
      "🛑 部署失敗 — v1.0.1 至 UAT — shop",
      "",
      "錯誤:the deploy command exited with 1",
      "部署記錄:9(Run 7)",
      "",
      "相關 Bug 維持原狀態。詳情:tonic deployments show 9",
    ],
    'en': [
      "🛑 Deploy failed — v1.0.1 to UAT — shop",
      "",
      "Error: the deploy command exited with 1",
      "Deployment: 9 (run 7)",
      "",
      "The bugs stay where they were. Details: tonic deployments show 9",
    ],
  },
  'run.failed': {
    'zh-Hant': [
      "🛑 T1 執行失敗 — shop",
      "",
      "Run:7",
      "錯誤:a deploy failed",
      "",
      "最後步驟:",
      "  built v1.0.1 (flow1)",
      "  deploy of v1.0.1 to uat failed",
      "",
      "詳情:tonic runs show 7",
    ],
    'en': [
      "🛑 T1 run failed — shop",
      "",
      "Run: 7",
      "Error: a deploy failed",
      "",
      "Last steps:",
      "  built v1.0.1 (flow1)",
      "  deploy of v1.0.1 to uat failed",
      "",
      "Details: tonic runs show 7",
    ],
  },
  'run.interrupted': {
    'zh-Hant': [
      "⚠️ T2 中斷 — shop",
      "",
      "Run 8,排程 2026-11-26 22:00 HKT",
      "原因:the instance a stopped renewing its lease",
      "狀態不明的部署:10",
      "",
      "中斷前已完成:",
      "  • T2 for shop, slot 2026-11-26T14:00:00.000Z (schedule)",
      "  • pre-deploy checklist 4 for prod: pass",
      "",
      "未完成:",
      "  • the deploy of v1.0.1 to prod did not finish (deployment 10: unknown)",
      "  • bugs #12, #19 stay pending_prod: nothing after the deploy ran",
      "",
      "系統不會自動重新部署:請檢查環境,然後記錄其實際版本(tonic env record)。",
      "詳情:tonic runs show 8",
    ],
    'en': [
      "⚠️ T2 run interrupted — shop",
      "",
      "Run 8, slot 2026-11-26 22:00 HKT",
      "Why: the instance a stopped renewing its lease",
      "Deployments in an unknown state: 10",
      "",
      "Done before it stopped:",
      "  • T2 for shop, slot 2026-11-26T14:00:00.000Z (schedule)",
      "  • pre-deploy checklist 4 for prod: pass",
      "",
      "Not done:",
      "  • the deploy of v1.0.1 to prod did not finish (deployment 10: unknown)",
      "  • bugs #12, #19 stay pending_prod: nothing after the deploy ran",
      "",
      "Nothing is re-deployed on its own: check the environments, then record what they run (tonic env record).",
      "Details: tonic runs show 8",
    ],
  },
  'run.missed': {
    'zh-Hant': [
      "⏭ 錯過 T1 — shop",
      "",
      "排程:2026-11-26 20:00 HKT",
      "伺服器當時停止運作:遲了 95 分鐘才發現(寬限 30 分鐘),因此沒有執行。",
      "如仍需要,請立即執行:tonic run t1 --system shop",
    ],
    'en': [
      "⏭ T1 missed — shop",
      "",
      "Slot: 2026-11-26 20:00 HKT",
      "The server was down: it found the slot 95 minutes late (grace 30 minutes), so it did not run.",
      "If it is still wanted, run it now: tonic run t1 --system shop",
    ],
  },
  'run.skipped': {
    'zh-Hant': [
      "🧊 T1 已略過:部署凍結中 — shop",
      "",
      "T1 is skipped: a change freeze is in force",
      "",
      "• Month-end close(模組:financial),至 2026-12-02 00:00 HKT",
      "",
      "緊急修復仍可經升級審批部署。",
    ],
    'en': [
      "🧊 T1 skipped: change freeze — shop",
      "",
      "T1 is skipped: a change freeze is in force",
      "",
      "• Month-end close (modules: financial), until 2026-12-02 00:00 HKT",
      "",
      "Emergency hotfixes can still go, with escalated approval.",
    ],
  },
  'run.modules_frozen': {
    'zh-Hant': [
      "🧊 T1:凍結模組的 Bug 已略過 — shop",
      "",
      "凍結模組:financial",
      "month-end close freezes financial",
      "",
      "凍結結束後處理:",
      "• #20 [low] Ledger export(financial)",
      "",
      "其他模組照常進行。",
    ],
    'en': [
      "🧊 T1: bugs of frozen modules skipped — shop",
      "",
      "Frozen modules: financial",
      "month-end close freezes financial",
      "",
      "Left for after the freeze:",
      "• #20 [low] Ledger export (financial)",
      "",
      "Other modules go on as usual.",
    ],
  },
  'freeze.declared': {
    'zh-Hant': [
      "🧊 宣佈部署凍結 — shop",
      "",
      "由:2026-12-01 00:00 HKT",
      "至:2026-12-03 00:00 HKT",
      "範圍:模組 financial",
      "原因:month-end close",
      "宣佈人:alice",
      "",
      "期間暫停 T1/T2 部署;緊急修復需兩人批准。",
    ],
    'en': [
      "🧊 Change freeze declared — shop",
      "",
      "From: 2026-12-01 00:00 HKT",
      "Until: 2026-12-03 00:00 HKT",
      "Scope: modules financial",
      "Reason: month-end close",
      "Declared by: alice",
      "",
      "T1/T2 deploys are suspended meanwhile; an emergency hotfix needs two people to approve.",
    ],
  },
  'freeze.lifted': {
    'zh-Hant': [
      "🌤 部署凍結已解除 — shop",
      "",
      "凍結:2026-12-01 00:00 HKT 至 2026-12-03 00:00 HKT(整個系統)",
      "原因:close finished early",
      "解除人:alice",
      "",
      "T1/T2 由下一個時段起恢復。",
    ],
    'en': [
      "🌤 Change freeze lifted — shop",
      "",
      "Freeze: 2026-12-01 00:00 HKT to 2026-12-03 00:00 HKT (the whole system)",
      "Reason: close finished early",
      "Lifted by: alice",
      "",
      "T1/T2 run again from the next slot.",
    ],
  },
  'checklist.failed': {
    'zh-Hant': [
      "📋 部署前檢查未通過 — PROD — shop",
      "",
      "Run:12",
      "❌ backup:last backup 30 h ago(阻止部署)",
      "⚠️ disk:18% free(僅警告)",
      "✅ rollback-path:v1.0.0 exists",
      "",
      "有「阻止部署」的項目未通過時不會部署;修正後下一個時段會再檢查。",
    ],
    'en': [
      "📋 Pre-deploy checklist failed — PROD — shop",
      "",
      "Run: 12",
      "❌ backup: last backup 30 h ago (blocks the deploy)",
      "⚠️ disk: 18% free (warning only)",
      "✅ rollback-path: v1.0.0 exists",
      "",
      "Nothing deploys while a \"block\" item fails; the next slot checks again.",
    ],
  },
  'oncall.ack_requested': {
    'zh-Hant': [
      "📟 值班確認 — shop",
      "",
      "carol:請確認今晚部署時可於 15 分鐘內回應。",
      "T1:2026-11-26 20:00 HKT",
      "請於 2026-11-26 19:30 HKT 前確認(檢查清單 4)。",
    ],
    'en': [
      "📟 On-call check — shop",
      "",
      "carol: please confirm you can respond within 15 minutes during tonight's deploy.",
      "T1: 2026-11-26 20:00 HKT",
      "Confirm by 2026-11-26 19:30 HKT (checklist 4).",
    ],
  },
  'oncall.acknowledged': {
    'zh-Hant': ["📟 值班已確認 — shop", "", "carol 已確認今晚部署(T1:2026-11-26 20:00 HKT)時可回應。"],
    'en': ["📟 On-call confirmed — shop", "", "carol confirmed they can respond during tonight's deploy (T1: 2026-11-26 20:00 HKT)."],
  },
  'monitoring.interrupted': {
    'zh-Hant': [
      "📉 監控中斷 — v1.0.1 於 PROD — shop",
      "",
      "樣本:3 / 40",
      "結論:無 — 部分監控時段未有監察",
      "詳情:Tonic stopped while watching: 3 of 40 samples; they were within bounds; the rest of the 10 min window was not watched",
      "",
      "請立即人手監察 PROD:其指標及部署記錄(tonic deployments show 9)。",
    ],
    'en': [
      "📉 Monitoring cut short — v1.0.1 on PROD — shop",
      "",
      "Samples: 3 of 40",
      "Verdict: none — part of the window was never watched",
      "Detail: Tonic stopped while watching: 3 of 40 samples; they were within bounds; the rest of the 10 min window was not watched",
      "",
      "Watch PROD by hand now: its metrics, and the deployment (tonic deployments show 9).",
    ],
  },
  'monitoring.unavailable': {
    'zh-Hant': [
      "📉 無法監控 — v1.0.1 於 PROD — shop",
      "",
      "來源:Prometheus at http://127.0.0.1:9090",
      "原因:Prometheus at http://127.0.0.1:9090 did not answer",
      "",
      "部署後的指標未被檢查,請人手確認。",
    ],
    'en': [
      "📉 Monitoring unavailable — v1.0.1 on PROD — shop",
      "",
      "Source: Prometheus at http://127.0.0.1:9090",
      "Why: Prometheus at http://127.0.0.1:9090 did not answer",
      "",
      "The metrics after this deploy were not checked: watch it by hand.",
    ],
  },
  'deploy.lock_expired': {
    'zh-Hant': ["🔓 部署鎖已釋放 — shop", "", "pipeline 自 2026-11-26 22:00 HKT 進行中的「T2 run 12」已停止回應。", "該環境可能只更新了一半:請檢查環境目前運行的版本。"],
    'en': ["🔓 Deploy lock released — shop", "", "pipeline stopped answering while doing \"T2 run 12\" (since 2026-11-26 22:00 HKT).", "The environment may be half-changed: check what it runs now."],
  },
  'smoke.failed': {
    'zh-Hant': [
      "🔥 Smoke test 失敗 — v1.0.1 於 PROD — shop",
      "",
      "步驟:GET /login",
      "預期:HTTP 200",
      "實際:HTTP 500",
      "",
      "部署 9 即時回滾。",
    ],
    'en': [
      "🔥 Smoke test failed — v1.0.1 on PROD — shop",
      "",
      "Step: GET /login",
      "Expected: HTTP 200",
      "Got: HTTP 500",
      "",
      "Deployment 9 is rolled back at once.",
    ],
  },
  'monitoring.breach': {
    'zh-Hant': [
      "📈 監控指標超標 — v1.0.1 於 PROD — shop",
      "",
      "指標:http_5xx_rate",
      "數值:1.2%(門檻 0.5%)",
      "處理:即時回滾。",
    ],
    'en': [
      "📈 Monitoring threshold breached — v1.0.1 on PROD — shop",
      "",
      "Metric: http_5xx_rate",
      "Value: 1.2% (threshold 0.5%)",
      "Action: rolling back now.",
    ],
  },
  'rollback.executed': {
    'zh-Hant': [
      "⚠️ Rollback 執行 — PROD",
      "",
      "原因:login fails after v1.0.1",
      "回滾至:v1.0.0 (0123456789)",
      "時間:2026-11-26 22:20 HKT",
      "執行人:alice",
      "",
      "狀態:已回滾,正在監控",
      "下一步:investigation",
    ],
    'en': [
      "⚠️ Rollback executed — PROD",
      "",
      "Reason: login fails after v1.0.1",
      "Rolled back to: v1.0.0 (0123456789)",
      "Time: 2026-11-26 22:20 HKT",
      "By: alice",
      "",
      "Status: rolled back, monitoring",
      "Next step: investigation",
    ],
  },
  'rollback.escalated': {
    'zh-Hant': [
      "🆘 Rollback 已升級處理 — PROD — shop",
      "",
      "原因:data corruption risk",
      "orders table written with wrong totals",
      "DBA 聯絡人:dave",
      "",
      "需要人手即時處理。",
    ],
    'en': [
      "🆘 Rollback escalated — PROD — shop",
      "",
      "Reason: data corruption risk",
      "orders table written with wrong totals",
      "DBA contact: dave",
      "",
      "People are needed now.",
    ],
  },
  'rollback.followup': {
    'zh-Hant': [
      "📝 輕微問題,不回滾 — UAT — shop",
      "",
      "問題:misaligned button",
      "記錄人:alice",
      "",
      "持續監控;修正會排入下一次 pipeline。",
    ],
    'en': [
      "📝 Minor issue, no rollback — UAT — shop",
      "",
      "Issue: misaligned button",
      "Noted by: alice",
      "",
      "Monitoring; a fix goes into the next pipeline.",
    ],
  },
  'hotfix.opened': {
    'zh-Hant': [
      "🚨 緊急修復開始 — P1 — shop",
      "",
      "Bug: #3 [critical] Payments down",
      "環境:PROD",
      "SLA:須於 2026-11-26 23:00 HKT 前修正並驗收",
      "事件:5",
    ],
    'en': [
      "🚨 Emergency hotfix opened — P1 — shop",
      "",
      "Bug: #3 [critical] Payments down",
      "Environment: PROD",
      "SLA: fixed and validated by 2026-11-26 23:00 HKT",
      "Incident: 5",
    ],
  },
  'hotfix.team_notified': {
    'zh-Hant': [
      "📣 緊急修復進行中 — shop",
      "",
      "Bug: #3 [critical] Payments down",
      "已通知:alice, bob",
      "",
      "事件 5:將在排程以外部署。",
    ],
    'en': [
      "📣 Emergency hotfix in progress — shop",
      "",
      "Bug: #3 [critical] Payments down",
      "Notified: alice, bob",
      "",
      "Incident 5: a deploy outside the schedule is coming.",
    ],
  },
  'hotfix.deployed': {
    'zh-Hant': [
      "🚨 Emergency Hotfix — PROD",
      "",
      "Bug: #3 [critical] Payments down",
      "時間:2026-11-26 22:45 HKT",
      "部署人:alice",
      "",
      "狀態:已部署,請立即驗收",
      "需要跟進:是 — 需要 cherry-pick 至 UAT",
    ],
    'en': [
      "🚨 Emergency Hotfix — PROD",
      "",
      "Bug: #3 [critical] Payments down",
      "Time: 2026-11-26 22:45 HKT",
      "Deployed by: alice",
      "",
      "Status: deployed, validate now",
      "Follow-up needed: yes — UAT cherry-pick needed",
    ],
  },
  'hotfix.sla_warning': {
    'zh-Hant': [
      "⏱ 緊急修復 SLA 已過 50% — P1 — shop",
      "",
      "Bug: #3 Payments down",
      "期限:2026-11-26 23:00 HKT",
      "事件:5",
    ],
    'en': [
      "⏱ Hotfix SLA 50% used — P1 — shop",
      "",
      "Bug: #3 Payments down",
      "Due: 2026-11-26 23:00 HKT",
      "Incident: 5",
    ],
  },
  'hotfix.interrupted': {
    'zh-Hant': [
      "🚨 緊急修復中斷 — P1 — shop",
      "",
      "Bug: #3 [critical] Payments down",
      "步驟:部署至 PROD(事件 5)",
      "原因:the instance a stopped renewing the deploy lock it ran under at 2026-11-26T04:40:00.000Z (process stopped or killed)",
      "狀態不明的部署:21",
      "",
      "事件已重新開放:請先檢查 PROD 目前運行的版本,然後重新部署(tonic hotfix deploy 5)或記錄人手完成的部署(tonic hotfix deploy 5 --commit SHA)。",
    ],
    'en': [
      "🚨 Emergency hotfix interrupted — P1 — shop",
      "",
      "Bug: #3 [critical] Payments down",
      "Step: the deploy to PROD (incident 5)",
      "Why: the instance a stopped renewing the deploy lock it ran under at 2026-11-26T04:40:00.000Z (process stopped or killed)",
      "Deployments in an unknown state: 21",
      "",
      "The incident is open again: check what PROD runs, then deploy again (tonic hotfix deploy 5) or record the deploy done by hand (tonic hotfix deploy 5 --commit SHA).",
    ],
  },
  'hotfix.review_due': {
    'zh-Hant': [
      "🗓 事故檢討到期 — shop",
      "",
      "Bug: #3 Payments down",
      "請於 2026-11-28 22:00 HKT 前完成檢討(事件 5):記錄根本原因及修正摘要。",
    ],
    'en': [
      "🗓 Incident review due — shop",
      "",
      "Bug: #3 Payments down",
      "Review by 2026-11-28 22:00 HKT (incident 5): record the root cause and the fix summary.",
    ],
  },

};

describe('notification templates', () => {
  test('every event the outbox carries, and every contract event, has a template', () => {
    for (const event of OUTBOX_EVENTS) assert.ok(NOTIFIED_EVENTS.includes(event), event);
    assert.deepEqual(Object.keys(EXPECTED).sort(), [...NOTIFIED_EVENTS].sort());
  });

  for (const event of NOTIFIED_EVENTS) {
    test(`${event}: the exact text in Traditional Chinese and English`, () => {
      for (const language of ['zh-Hant', 'en'] as const) {
        const rendered = render(event, language);
        assert.equal(rendered.text, EXPECTED[event][language].join('\n'), `${event} (${language})`);
        assert.equal(rendered.title, EXPECTED[event][language][0]);
        assert.doesNotMatch(rendered.text, /undefined|null|NaN|\[object/);
      }
    });
  }

  test("SEED.md's seven Telegram templates, word for word in Traditional Chinese", () => {
    const hk = (iso: string) => formatInstant(new Date(iso), 'Asia/Hong_Kong');
    const zh = (event: NotifiedEvent) => render(event, 'zh-Hant').text;
    assert.equal(
      zh('t1.flow1.deployed_uat'),
      fill(SEED['t1.flow1.deployed_uat']!, ['• #12 [medium] Checkout total wrong', '• #19 [low] Coupon ignored'], { version: 'v1.0.1', UAT_URL: 'https://uat.shop.example', T2_time: '2026-11-26 22:00 HKT' }),
    );
    assert.equal(zh('t2.flow1.deployed_prod'), fill(SEED['t2.flow1.deployed_prod']!, ['• #12 [medium] Checkout total wrong', '• #19 [low] Coupon ignored'], {}));
    assert.equal(zh('t1.flow2.queued_prod'), fill(SEED['t1.flow2.queued_prod']!, ['• #14 [low] Invoice rounding'], { T2_time: '2026-11-26 22:00 HKT' }));
    assert.equal(zh('t2.flow2.deployed_prod'), fill(SEED['t2.flow2.deployed_prod']!, ['• #14 [low] Invoice rounding'], { T2_time: '2026-11-27 22:00 HKT' }));
    assert.equal(zh('t2.flow2.uat_merged'), fill(SEED['t2.flow2.uat_merged']!, ['• #14 [low] Invoice rounding'], {}));
    assert.equal(
      zh('hotfix.deployed'),
      fill(SEED['hotfix.deployed']!, [], { 'PROD/UAT': 'PROD', id: '3', severity: 'critical', title: 'Payments down', datetime: hk('2026-11-26T14:45:00.000Z'), admin: 'alice', 'yes/no — UAT cherry-pick needed': '是 — 需要 cherry-pick 至 UAT' }),
    );
    assert.equal(
      zh('rollback.executed'),
      fill(SEED['rollback.executed']!, [], {
        environment: 'PROD',
        'brief reason': 'login fails after v1.0.1',
        'version/commit': 'v1.0.0 (0123456789)',
        datetime: hk('2026-11-26T14:20:00.000Z'),
        admin: 'alice',
        'scheduled fix / investigation': 'investigation',
      }),
    );
  });

  test('approval buttons: per bug and for the batch under T1 Flow 1, "Approve Merge UAT" under T2 Flow 2 PROD, none elsewhere', () => {
    assert.deepEqual(render('t1.flow1.deployed_uat', 'zh-Hant').buttons, [
      [{ label: '批准推 PROD #12', approval: 'approve_prod', bugIds: [12] }],
      [{ label: '批准推 PROD #19', approval: 'approve_prod', bugIds: [19] }],
      [{ label: '批准推 PROD(全部 2 個)', approval: 'approve_prod', bugIds: [12, 19] }],
    ]);
    assert.deepEqual(render('t1.flow1.deployed_uat', 'en').buttons.map((row) => row.map((b) => b.label)), [['Approve PROD Deploy #12'], ['Approve PROD Deploy #19'], ['Approve PROD Deploy (all 2)']]);
    assert.deepEqual(render('t2.flow2.deployed_prod', 'en').buttons, [[{ label: 'Approve Merge UAT #14', approval: 'approve_uat_merge', bugIds: [14] }]]);
    for (const event of NOTIFIED_EVENTS.filter((e) => e !== 't1.flow1.deployed_uat' && e !== 't2.flow2.deployed_prod')) {
      assert.deepEqual(render(event, 'en').buttons, [], event);
    }
  });

  test("a channel that asks for them gets each bug's validation steps after SEED's text", () => {
    const withSteps = (event: NotifiedEvent, language: Language) => renderMessage(event, [SAMPLE_PAYLOADS[event]], { ...ctx(language), validationSteps: true }).text;
    assert.equal(
      withSteps('t1.flow1.deployed_uat', 'zh-Hant'),
      [
        ...EXPECTED['t1.flow1.deployed_uat']['zh-Hant'],
        '',
        '驗收步驟:',
        '#12 Checkout total wrong',
        '  1. [UAT] Do what the report describes ("Checkout total wrong") and confirm it no longer happens',
        '  2. [UAT] Check the logs for new errors since the deploy',
        '#19 Coupon ignored',
        '  1. [UAT] Do what the report describes ("Coupon ignored") and confirm it no longer happens',
        '  2. [UAT] Check the logs for new errors since the deploy',
      ].join('\n'),
    );
    assert.equal(
      withSteps('t2.flow2.deployed_prod', 'en'),
      [
        ...EXPECTED['t2.flow2.deployed_prod'].en,
        '',
        'Validation steps:',
        '#14 Invoice rounding',
        '  1. [PROD] Do what the report describes ("Invoice rounding") and confirm it no longer happens',
        '  2. [PROD] Check the logs for new errors since the deploy',
      ].join('\n'),
    );
    // A message from before the analysis carried steps renders as SEED wrote it.
    const older = { ...SAMPLE_PAYLOADS['t2.flow2.deployed_prod'], bugs: [{ id: 14, severity: 'low', title: 'Invoice rounding' }] };
    assert.equal(renderMessage('t2.flow2.deployed_prod', [older], { ...ctx('en'), validationSteps: true }).text, EXPECTED['t2.flow2.deployed_prod'].en.join('\n'));
  });

  test('multi-service: deploy.failed names the failed service and what was rolled back, in order; rollback.executed lists the services', () => {
    const failed = {
      ...SAMPLE_PAYLOADS['deploy.failed'],
      release: 'v1.0.2',
      error: 'service web: health check failed within 3 s: http://127.0.0.1:7001/health: no answer in time; rolled back web → api to v1.0.1',
      services: ['api', 'web'],
      service: 'web',
      previousVersion: 'v1.0.1',
      rolledBack: [
        { service: 'web', ok: true, detail: 'back on v1.0.1' },
        { service: 'api', ok: true, detail: 'back on v1.0.1' },
      ],
    };
    assert.equal(
      render('deploy.failed', 'en', failed).text,
      [
        '🛑 Deploy failed — v1.0.2 to UAT — shop',
        '',
        'Error: service web: health check failed within 3 s: http://127.0.0.1:7001/health: no answer in time; rolled back web → api to v1.0.1',
        'Failed service: web',
        'Rolled back (in order): web ✓, api ✓ — back on v1.0.1',
        'Deployment: 9 (run 7)',
        '',
        'The bugs stay where they were. Details: tonic deployments show 9',
      ].join('\n'),
    );
    const stuck = { ...failed, rolledBack: [{ service: 'web', ok: false, detail: 'going back failed' }, { service: 'api', ok: false, detail: 'not rolled back' }] };
    assert.equal(
      render('deploy.failed', 'zh-Hant', stuck).text,
      [
        '🛑 部署失敗 — v1.0.2 至 UAT — shop',
        '',
        '錯誤:service web: health check failed within 3 s: http://127.0.0.1:7001/health: no answer in time; rolled back web → api to v1.0.1',
        '失敗的服務:web',
        '已回滾(依序):web ✗ 未能回滾、api ✗ 未能回滾 — 回到 v1.0.1',
        '部署記錄:9(Run 7)',
        '',
        '相關 Bug 維持原狀態。詳情:tonic deployments show 9',
      ].join('\n'),
    );
    const rolledBack = { ...SAMPLE_PAYLOADS['rollback.executed'], services: ['web', 'api'] };
    assert.equal(
      render('rollback.executed', 'en', rolledBack).text,
      [
        '⚠️ Rollback executed — PROD',
        '',
        'Reason: login fails after v1.0.1',
        'Rolled back to: v1.0.0 (0123456789)',
        'Services (in order): web → api',
        'Time: 2026-11-26 22:20 HKT',
        'By: alice',
        '',
        'Status: rolled back, monitoring',
        'Next step: investigation',
      ].join('\n'),
    );
    assert.equal(render('rollback.executed', 'zh-Hant', rolledBack).text.split('\n')[4], '服務(依序):web → api');
  });

  test('run.interrupted: without done/notDone (an older message) the lists are left out; a long run keeps its last steps and counts the earlier ones', () => {
    const { done: _done, notDone: _notDone, ...bare } = SAMPLE_PAYLOADS['run.interrupted'];
    assert.equal(
      render('run.interrupted', 'en', bare).text,
      [
        '⚠️ T2 run interrupted — shop',
        '',
        'Run 8, slot 2026-11-26 22:00 HKT',
        'Why: the instance a stopped renewing its lease',
        'Deployments in an unknown state: 10',
        '',
        'Nothing is re-deployed on its own: check the environments, then record what they run (tonic env record).',
        'Details: tonic runs show 8',
      ].join('\n'),
    );
    const long = { ...bare, deployments: [], done: Array.from({ length: 9 }, (_, i) => `step ${i + 1}`), notDone: ['smoke and monitoring did not run'] };
    assert.equal(
      render('run.interrupted', 'zh-Hant', long).text,
      [
        '⚠️ T2 中斷 — shop',
        '',
        'Run 8,排程 2026-11-26 22:00 HKT',
        '原因:the instance a stopped renewing its lease',
        '',
        '中斷前已完成:',
        '  … 之前另有 3 步',
        '  • step 4',
        '  • step 5',
        '  • step 6',
        '  • step 7',
        '  • step 8',
        '  • step 9',
        '',
        '未完成:',
        '  • smoke and monitoring did not run',
        '',
        '系統不會自動重新部署:請檢查環境,然後記錄其實際版本(tonic env record)。',
        '詳情:tonic runs show 8',
      ].join('\n'),
    );
    assert.match(render('run.interrupted', 'en', long).text, /\nDone before it stopped:\n {2}… and 3 earlier step\(s\)\n {2}• step 4\n/);
  });

  test('work cut short by a stopped process: a monitoring verdict nobody acted on, a UAT follow-up, a rollback with what it had done and had not', () => {
    const rollback = { ...SAMPLE_PAYLOADS['monitoring.interrupted'], outcome: 'rollback', samples: 5, breaches: 1, reason: 'HTTP 5xx error rate 12.5 %: at or above the limit 0.5 % at sample 5: roll back; but Tonic stopped before acting on it: nothing was rolled back' };
    assert.deepEqual(render('monitoring.interrupted', 'en', rollback).text.split('\n').slice(2, 4), ['Samples: 5 of 40', 'Verdict from the samples recorded: roll back — NOT rolled back: Tonic stopped first']);
    assert.equal(render('monitoring.interrupted', 'en', rollback).text.split('\n').at(-1), 'Check PROD now; if it still breaches, roll back: tonic rollback --env prod --impact regression --reason …');
    assert.equal(render('monitoring.interrupted', 'zh-Hant', rollback).text.split('\n').at(-1), '請立即檢查 PROD;如仍超出門檻,請回滾:tonic rollback --env prod --impact regression --reason …');
    const clean = { ...SAMPLE_PAYLOADS['monitoring.interrupted'], outcome: 'clean', samples: 40 };
    assert.deepEqual(render('monitoring.interrupted', 'zh-Hant', clean).text.split('\n').slice(3), [
      '按已記錄樣本判斷:正常(已監控整個時段)',
      `詳情:${String(SAMPLE_PAYLOADS['monitoring.interrupted'].reason)}`,
      '',
      '沒有程序按此結論處理:請檢查部署記錄(tonic deployments show 9)。',
    ]);

    const followUp = { ...SAMPLE_PAYLOADS['hotfix.interrupted'], env: 'uat', step: 'uat_follow_up', deployments: [] };
    assert.equal(
      render('hotfix.interrupted', 'en', followUp).text,
      [
        '🚨 Emergency hotfix interrupted — P1 — shop',
        '',
        'Bug: #3 [critical] Payments down',
        'Step: the UAT follow-up (incident 5)',
        'Why: the instance a stopped renewing the deploy lock it ran under at 2026-11-26T04:40:00.000Z (process stopped or killed)',
        '',
        'Check what UAT runs first; the follow-up can run again (tonic hotfix uat-follow-up 5), or record UAT updated by hand (--commit SHA).',
      ].join('\n'),
    );
    assert.equal(render('hotfix.interrupted', 'zh-Hant', followUp).text.split('\n')[3], '步驟:UAT 跟進(事件 5)');

    const interrupted = {
      rollbackId: 4,
      env: 'prod',
      reason: 'checkout broken after v1.0.1',
      detail: 'the rollback of prod from v1.0.1 to v1.0.0 was cut short: the server stopped (SIGTERM)',
      impact: 'regression',
      done: ['prod deployed back to v1.0.0 (deployment 12)', 'bugs returned: #7 deployed_prod → pending_prod', 'announced (rollback.executed)'],
      notDone: ['the validation (smoke steps and the watch window) did not finish: whether prod is stable on v1.0.0 is not known'],
      nextStep: 'validate prod by hand now (its smoke steps and metrics); then record the root cause and fix plan (tonic rollbacks document 4)',
      deployments: [],
    };
    assert.equal(
      render('rollback.escalated', 'en', interrupted).text,
      [
        '🆘 Rollback escalated — PROD — shop',
        '',
        'Reason: checkout broken after v1.0.1',
        'the rollback of prod from v1.0.1 to v1.0.0 was cut short: the server stopped (SIGTERM)',
        '',
        'Done before it stopped:',
        '  • prod deployed back to v1.0.0 (deployment 12)',
        '  • bugs returned: #7 deployed_prod → pending_prod',
        '  • announced (rollback.executed)',
        '',
        'Not done:',
        '  • the validation (smoke steps and the watch window) did not finish: whether prod is stable on v1.0.0 is not known',
        '',
        'Next: validate prod by hand now (its smoke steps and metrics); then record the root cause and fix plan (tonic rollbacks document 4)',
        '',
        'People are needed now.',
      ].join('\n'),
    );
    assert.deepEqual(render('rollback.escalated', 'zh-Hant', interrupted).text.split('\n').filter((l) => /^(中斷前已完成|未完成|下一步)/.test(l)), [
      '中斷前已完成:',
      '未完成:',
      '下一步:validate prod by hand now (its smoke steps and metrics); then record the root cause and fix plan (tonic rollbacks document 4)',
    ]);
  });

  test('a missing placeholder is an error naming every path, not a message', () => {
    const payload = { release: 'v1.0.1', bugs: [{ id: 12, severity: 'medium' }, { id: 13, title: 'No severity' }], t2At: 'tonight' };
    assert.throws(
      () => render('t1.flow1.deployed_uat', 'en', payload),
      (error: unknown) =>
        error instanceof MissingPlaceholderError &&
        error.message === 'template t1.flow1.deployed_uat: placeholders bugs[0].title, bugs[1].severity, uatUrl, t2At have no value in the message',
    );
    assert.throws(() => render('rollback.executed', 'zh-Hant', { ...SAMPLE_PAYLOADS['rollback.executed'], by: '' }), /placeholder by has no value/);
    assert.throws(() => render('release.held', 'en', { ...SAMPLE_PAYLOADS['release.held'], waiting: [{ id: 19, severity: 'low', title: 'x' }] }), /placeholder waiting\[0\]\.reason has no value/);
  });

  test('a digest lists every bug of the run in one message', () => {
    const payloads = [12, 13, 14].map((id) => ({ bug: { id, severity: 'low', title: `Bug ${id}` }, reason: 'no fix attached', runId: 3 }));
    assert.equal(
      renderMessage('bug.fix_missing', payloads, ctx('en')).text,
      '🧩 No fix attached: skipped at T1 — shop\n\n• #12 [low] Bug 12\n• #13 [low] Bug 13\n• #14 [low] Bug 14\n\nAttach a fix before the next T1: tonic bugs attach-fix ID --branch NAME',
    );
  });

  test('instants are shown in the system\'s zone, daylight saving included', () => {
    const t2 = (iso: string, timeZone: string) => renderMessage('t1.flow2.queued_prod', [{ ...SAMPLE_PAYLOADS['t1.flow2.queued_prod'], t2At: iso }], ctx('en', timeZone)).text.split('\n')[4];
    assert.equal(t2('2026-11-26T14:00:00.000Z', 'Asia/Hong_Kong'), '⏳ T2 (2026-11-26 22:00 HKT) deploys it to PROD automatically.');
    assert.equal(t2('2026-03-28T22:00:00.000Z', 'Europe/London'), '⏳ T2 (2026-03-28 22:00 GMT) deploys it to PROD automatically.');
    assert.equal(t2('2026-03-29T21:00:00.000Z', 'Europe/London'), '⏳ T2 (2026-03-29 22:00 BST) deploys it to PROD automatically.', 'after the clocks went forward');
    assert.equal(t2('2026-11-27T03:00:00.000Z', 'America/New_York'), '⏳ T2 (2026-11-26 22:00 EST) deploys it to PROD automatically.');
    assert.equal(t2('2026-11-26T13:00:00.000Z', 'Asia/Tokyo'), '⏳ T2 (2026-11-26 22:00 GMT+9) deploys it to PROD automatically.', 'no common abbreviation: the offset');
  });

  test('long lists are cut with a count, so a message stays within Telegram\'s limit', () => {
    const bugs = Array.from({ length: 120 }, (_, i) => ({ id: i + 1, severity: 'low', title: `A rather long bug title number ${i + 1} for the list` }));
    const rendered = renderMessage('t2.flow1.deployed_prod', [{ release: 'v1.0.9', bugs }], ctx('en'));
    assert.ok(rendered.text.length < 4096, String(rendered.text.length));
    assert.match(rendered.text, /\n• #40 \[low\] .*\n• … \(\+80\)\n/);
  });
});
