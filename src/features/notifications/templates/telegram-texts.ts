/**
 * What the Telegram bot says besides the notifications: the note an approval adds to the message
 * it was pressed on, answers to button presses, and replies to /link, /status, /plan and /help.
 * Pure: the bot passes in what the services answered.
 */
import { formatInstant, shortCommit, type Language } from './message-format.ts';

export type ApprovalAnnotation = { bugIds: number[]; approval: string; by: string; runsAt: string | null };

const TELEGRAM_MAX = 4096;

function at(iso: string | null, timeZone: string): string {
  return iso ? formatInstant(new Date(iso), timeZone) : '?';
}

const list = (ids: readonly number[]) => ids.map((id) => `#${id}`).join(', ');

/** "✅ #12 approved for PROD by bob: deploys at T2 (2026-11-26 22:00 HKT)." */
export function approvalNote(a: ApprovalAnnotation, language: Language, timeZone: string): string {
  const when = at(a.runsAt, timeZone);
  if (a.approval === 'approve_uat_merge') {
    return language === 'zh-Hant' ? `✅ ${list(a.bugIds)} 已由 ${a.by} 批准 Merge UAT,將於 T2(${when})合併。` : `✅ ${list(a.bugIds)} approved to merge into UAT by ${a.by}: merges at T2 (${when}).`;
  }
  return language === 'zh-Hant' ? `✅ ${list(a.bugIds)} 已由 ${a.by} 批准推 PROD,將於 T2(${when})部署。` : `✅ ${list(a.bugIds)} approved for PROD by ${a.by}: deploys at T2 (${when}).`;
}

/** The message as sent, with a line per approval made from it. */
export function annotatedText(text: string, annotations: readonly ApprovalAnnotation[], language: Language, timeZone: string): string {
  if (annotations.length === 0) return text;
  const full = `${text}\n\n${annotations.map((a) => approvalNote(a, language, timeZone)).join('\n')}`;
  return full.length <= TELEGRAM_MAX ? full : `${full.slice(0, TELEGRAM_MAX - 1)}…`;
}

/** Answers to a button press (Telegram shows at most 200 characters). */
export const pressAnswers = {
  approved: (ids: readonly number[], by: string, runsAt: string | null, language: Language, timeZone: string) =>
    clip(language === 'zh-Hant' ? `已以 ${by} 身份批准 ${list(ids)}:T2 ${at(runsAt, timeZone)}。` : `Approved ${list(ids)} as ${by}: T2 at ${at(runsAt, timeZone)}.`),
  refused: (reason: string, language: Language) => clip(language === 'zh-Hant' ? `未有批准:${reason}` : `Not approved: ${reason}`),
  notLinked: (language: Language) =>
    language === 'zh-Hant'
      ? '此 Telegram 帳戶未連結 Tonic 使用者。請向管理員索取連結碼(tonic users link-telegram --user 名稱),再向本機械人發送 /link 連結碼。'
      : 'This Telegram account is not linked to a Tonic user. Ask an admin for a code (tonic users link-telegram --user NAME), then send /link CODE to this bot.',
  unknownMessage: (language: Language) =>
    language === 'zh-Hant' ? 'Tonic 已找不到此訊息的記錄;請在控制台或 CLI 批准。' : 'Tonic has no record of this message any more; approve from the dashboard or the CLI.',
  nothingLeft: (language: Language) => (language === 'zh-Hant' ? '此按鈕的 Bug 已全部批准。' : 'Every bug of this button is approved already.'),
};

function clip(text: string): string {
  return text.length <= 200 ? text : `${text.slice(0, 199)}…`;
}

export const commandReplies = {
  help: (language: Language) =>
    language === 'zh-Hant'
      ? ['Tonic Deploy 機械人', '', '/link 連結碼 — 把此 Telegram 帳戶連結到你的 Tonic 使用者', '/status [系統] — UAT、PROD 及等待批准的 Bug', '/plan [系統] — 下一個 T1 及 T2 會做甚麼', '', '訊息下的「批准」按鈕只接受已連結、有批准權限的使用者。'].join('\n')
      : [
          'Tonic Deploy bot',
          '',
          '/link CODE — link this Telegram account to your Tonic user',
          '/status [system] — UAT, PROD and the bugs waiting for approval',
          '/plan [system] — what the next T1 and T2 will do',
          '',
          'The approval buttons under messages work for linked users whose role may approve.',
        ].join('\n'),
  linkUsage: (language: Language) =>
    language === 'zh-Hant' ? '用法:/link 連結碼(連結碼由管理員以 tonic users link-telegram --user 名稱 產生)' : 'Usage: /link CODE (an admin makes the code with: tonic users link-telegram --user NAME)',
  linkRefused: (language: Language) =>
    language === 'zh-Hant'
      ? '連結碼無效:錯誤、已使用或已過期(有效 15 分鐘)。請索取新的連結碼:tonic users link-telegram --user 名稱'
      : 'That code is not valid: it is wrong, used or expired (codes last 15 minutes). Ask for a new one: tonic users link-telegram --user NAME',
  linked: (username: string, role: string, language: Language) =>
    language === 'zh-Hant'
      ? `已連結:此 Telegram 帳戶在 Tonic 代表 ${username}(${role})。你的角色容許時,批准按鈕即可使用。`
      : `Linked: this Telegram account acts as ${username} (${role}) in Tonic. The approval buttons work for you wherever your role may approve.`,
  linkFirst: (language: Language) =>
    language === 'zh-Hant' ? '請先連結帳戶:/link 連結碼(管理員以 tonic users link-telegram --user 名稱 產生)' : 'Link your account first: /link CODE (an admin makes the code with: tonic users link-telegram --user NAME)',
  whichSystem: (command: string, systems: readonly string[], language: Language) =>
    language === 'zh-Hant' ? `哪個系統?/${command} 系統名稱(系統:${systems.join(', ')})` : `Which system? /${command} NAME (systems: ${systems.join(', ')})`,
  refused: (reason: string, language: Language) => (language === 'zh-Hant' ? `未能回答:${reason}` : `Cannot answer: ${reason}`),
};

export type StatusFacts = {
  system: string;
  environments: { env: string; version: string | null; commit: string | null; url: string }[];
  flow: { flow: string | null; reason: string };
  awaitingProd: { id: number; severity: string; title: string }[];
  awaitingMerge: { id: number; severity: string; title: string }[];
  queued: { id: number; severity: string; title: string; status: string; runsAt: string | null }[];
  t1At: string;
  t2At: string;
};

const bug = (b: { id: number; severity: string; title: string }) => `• #${b.id} [${b.severity}] ${b.title}`;

/** /status: what runs where, what waits for people, when the next slots are. */
export function statusText(f: StatusFacts, language: Language, timeZone: string): string {
  const zh = language === 'zh-Hant';
  const env = (e: StatusFacts['environments'][number]) =>
    `${e.env.toUpperCase()}: ${e.version ?? (zh ? '未記錄' : 'not recorded')}${e.commit ? ` (${shortCommit(e.commit)})` : ''}`;
  const flow = f.flow.flow === 'flow1' ? 'Flow 1' : f.flow.flow === 'flow2' ? 'Flow 2' : zh ? '暫無' : 'none';
  const lines = [
    `📊 ${f.system}`,
    '',
    ...f.environments.map(env),
    zh ? `現在確認的 Bug:${flow} — ${f.flow.reason}` : `A bug confirmed now: ${flow} — ${f.flow.reason}`,
    '',
    zh ? '等待批准推 PROD:' : 'Waiting for "Approve PROD Deploy":',
    ...(f.awaitingProd.length ? f.awaitingProd.map(bug) : [zh ? '• 沒有' : '• none']),
    zh ? '等待批准 Merge UAT:' : 'Waiting for "Approve Merge UAT":',
    ...(f.awaitingMerge.length ? f.awaitingMerge.map(bug) : [zh ? '• 沒有' : '• none']),
    ...(f.queued.length ? ['', zh ? '已排隊:' : 'Queued:', ...f.queued.map((b) => `${bug(b)} — ${b.status}, T2 ${at(b.runsAt, timeZone)}`)] : []),
    '',
    zh ? `下次 T1:${at(f.t1At, timeZone)}` : `Next T1: ${at(f.t1At, timeZone)}`,
    zh ? `下次 T2:${at(f.t2At, timeZone)}` : `Next T2: ${at(f.t2At, timeZone)}`,
  ];
  return lines.join('\n');
}

export type PlanFacts = {
  system: string;
  t1: { at: string; bugs: { id: number; title: string; action: string; reason: string | null }[] };
  t2: { at: string; bugs: { id: number; title: string; action: string; reason: string | null }[] };
};

/** /plan: the next T1 and T2, bug by bug, with the reason for each skip or hold. */
export function planText(p: PlanFacts, language: Language, timeZone: string): string {
  const zh = language === 'zh-Hant';
  const item = (b: PlanFacts['t1']['bugs'][number]) => `• #${b.id} ${b.title}: ${b.action}${b.reason ? ` — ${b.reason}` : ''}`;
  const none = zh ? '• 沒有工作' : '• nothing to do';
  return [
    zh ? `🗓 計劃 — ${p.system}` : `🗓 Plan — ${p.system}`,
    '',
    `T1 ${at(p.t1.at, timeZone)}:`,
    ...(p.t1.bugs.length ? p.t1.bugs.slice(0, 40).map(item) : [none]),
    '',
    `T2 ${at(p.t2.at, timeZone)}:`,
    ...(p.t2.bugs.length ? p.t2.bugs.slice(0, 40).map(item) : [none]),
  ].join('\n');
}
