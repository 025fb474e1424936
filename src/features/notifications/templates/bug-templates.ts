/**
 * A bug's own events: reported, confirmed, rejected, approved, closed, fix attached, dropped from
 * its release; and what a run found about bugs (re-routed, cherry-pick conflict, no fix), which
 * arrive as one digest per run rather than one message per bug. Pure.
 */
import { bugLines, message, shortCommit, type PayloadReader } from './message-format.ts';
import type { Template, TemplateInput } from './template-types.ts';

const onSystem = (input: TemplateInput) => (input.ctx.system ? ` — ${input.ctx.system}` : '');

function flowLabel(flow: string | null, zh: boolean): string {
  if (flow === 'flow1') return zh ? 'Flow 1(先 UAT 後 PROD)' : 'Flow 1 (UAT first)';
  if (flow === 'flow2') return zh ? 'Flow 2(先 PROD 後合併 UAT)' : 'Flow 2 (PROD first, then merged into UAT)';
  return zh ? '暫無,等候中' : 'none yet: waiting';
}

/** The bugs of a digest, each once, in the order the run met them. */
function digestBugs(all: readonly PayloadReader[]) {
  return all.map((p) => ({ bug: p.bug('bug'), p }));
}

export const BUG_TEMPLATES = {
  'bug.reported': (input) => {
    const { p, zh } = input;
    const bug = p.bug('bug');
    const actor = p.text('actor');
    return zh
      ? message([`🐞 新 Bug 待審核${onSystem(input)}`, '', ...bugLines([bug]), `報告人:${actor}`, '', '下一步:由管理員確認或拒絕。'])
      : message([`🐞 New bug awaiting review${onSystem(input)}`, '', ...bugLines([bug]), `Reported by: ${actor}`, '', 'Next: a manager confirms or rejects it.']);
  },

  'bug.confirmed': (input) => {
    const { p, zh } = input;
    const bug = p.bug('bug');
    const actor = p.text('actor');
    const flow = p.optional('fixFlow');
    const why = p.text('flowReason');
    const hold = p.optional('hold');
    const override = p.optional('override.reason');
    return zh
      ? message([
          `✅ Bug 已確認${onSystem(input)}`,
          '',
          ...bugLines([bug]),
          `流程:${flowLabel(flow, zh)}`,
          `原因:${why}`,
          hold && `等候:${hold}`,
          override && `人手指定流程:${override}`,
          `確認人:${actor}`,
          '',
          '下一步:附上修正後,由下一個 T1 處理。',
        ])
      : message([
          `✅ Bug confirmed${onSystem(input)}`,
          '',
          ...bugLines([bug]),
          `Flow: ${flowLabel(flow, zh)}`,
          `Why: ${why}`,
          hold && `Waiting for: ${hold}`,
          override && `Flow chosen by hand: ${override}`,
          `Confirmed by: ${actor}`,
          '',
          'Next: once a fix is attached, the next T1 takes it.',
        ]);
  },

  'bug.rejected': (input) => {
    const { p, zh } = input;
    const bug = p.bug('bug');
    const actor = p.text('actor');
    const reason = p.text('reason');
    return zh
      ? message([`❌ Bug 已拒絕${onSystem(input)}`, '', ...bugLines([bug]), `原因:${reason}`, `拒絕人:${actor}`])
      : message([`❌ Bug rejected${onSystem(input)}`, '', ...bugLines([bug]), `Reason: ${reason}`, `Rejected by: ${actor}`]);
  },

  'bug.approved_prod': (input) => {
    const { p, zh } = input;
    const bug = p.bug('bug');
    const actor = p.text('actor');
    const runsAt = p.instant('runsAt');
    return zh
      ? message([`👍 已批准推 PROD${onSystem(input)}`, '', ...bugLines([bug]), `批准人:${actor}`, '', `⏳ 已排隊,T2(${runsAt})部署至 PROD。`])
      : message([`👍 Approved for PROD${onSystem(input)}`, '', ...bugLines([bug]), `Approved by: ${actor}`, '', `⏳ Queued for PROD at T2 (${runsAt}).`]);
  },

  'bug.approved_uat_merge': (input) => {
    const { p, zh } = input;
    const bug = p.bug('bug');
    const actor = p.text('actor');
    const runsAt = p.instant('runsAt');
    return zh
      ? message([`👍 已批准 Merge UAT${onSystem(input)}`, '', ...bugLines([bug]), `批准人:${actor}`, '', `⏳ UAT 合併已排隊,T2(${runsAt})執行。`])
      : message([`👍 Approved to merge into UAT${onSystem(input)}`, '', ...bugLines([bug]), `Approved by: ${actor}`, '', `⏳ UAT merge queued for T2 (${runsAt}).`]);
  },

  'bug.closed': (input) => {
    const { p, zh } = input;
    const bug = p.bug('bug');
    const actor = p.text('actor');
    const reason = p.optional('reason');
    return zh
      ? message([`🗂 Bug 已關閉${onSystem(input)}`, '', ...bugLines([bug]), reason && `原因:${reason}`, `關閉人:${actor}`])
      : message([`🗂 Bug closed${onSystem(input)}`, '', ...bugLines([bug]), reason && `Reason: ${reason}`, `Closed by: ${actor}`]);
  },

  'bug.fix_attached': (input) => {
    const { p, zh } = input;
    const bug = p.bug('bug');
    const actor = p.text('actor');
    const kind = p.text('kind');
    const ref = p.text('ref');
    const commit = p.optional('commit');
    const commits = commit ? [commit] : p.strings('commits');
    const sha = commits.map(shortCommit).join(', ');
    const what =
      kind === 'branch'
        ? zh ? `分支 ${ref}(${sha})` : `branch ${ref} (${sha})`
        : kind === 'trailer'
          ? zh ? `${ref} 上的 "Fixes #${bug.id}"(${sha})` : `"Fixes #${bug.id}" on ${ref} (${sha})`
          : `commit ${sha}`;
    return zh
      ? message([`🔗 已附上修正${onSystem(input)}`, '', ...bugLines([bug]), `修正:${what}`, `附上人:${actor}`])
      : message([`🔗 Fix attached${onSystem(input)}`, '', ...bugLines([bug]), `Fix: ${what}`, `Attached by: ${actor}`]);
  },

  'bug.dropped_from_release': (input) => {
    const { p, zh } = input;
    const bug = p.bug('bug');
    const actor = p.text('actor');
    const reason = p.optional('reason');
    return zh
      ? message([`↩️ Bug 已移出 UAT Release${onSystem(input)}`, '', ...bugLines([bug]), reason && `原因:${reason}`, `操作人:${actor}`, '', '下一個 T1 會重新建立不含此 Bug 的 UAT Release。'])
      : message([`↩️ Bug dropped from its UAT release${onSystem(input)}`, '', ...bugLines([bug]), reason && `Reason: ${reason}`, `Dropped by: ${actor}`, '', 'The next T1 rebuilds the UAT release without it.']);
  },

  // A run's findings, one message per run and channel.
  'bug.rerouted': (input) => {
    const { all, zh } = input;
    const bugs = digestBugs(all).map(({ bug, p }) => ({ ...bug, from: p.optional('from'), to: p.text('to'), why: p.optional('why') ?? p.text('reason') }));
    const whys = [...new Set(bugs.map((b) => b.why))];
    const arrow = (b: (typeof bugs)[number]) => ` (${b.from ? flowName(b.from) : zh ? '無' : 'none'} → ${flowName(b.to)})`;
    return zh
      ? message([`🔀 T1 已改變流程${onSystem(input)}`, '', ...bugLines(bugs, (_, i) => arrow(bugs[i]!)), '', ...whys.map((w) => `原因:${w}`)])
      : message([`🔀 Flow changed at T1${onSystem(input)}`, '', ...bugLines(bugs, (_, i) => arrow(bugs[i]!)), '', ...whys.map((w) => `Why: ${w}`)]);
  },

  'bug.conflict': (input) => {
    const { all, zh } = input;
    const bugs = digestBugs(all).map(({ bug, p }) => ({ ...bug, release: p.optional('release'), commit: p.text('commit'), files: p.strings('files') }));
    const detail = (b: (typeof bugs)[number]) =>
      zh
        ? `\n  ${b.release ? `${b.release}:` : ''}commit ${shortCommit(b.commit)} 於 ${b.files.join(', ') || 'index'} 衝突`
        : `\n  ${b.release ? `${b.release}: ` : ''}commit ${shortCommit(b.commit)} conflicts in ${b.files.join(', ') || 'the index'}`;
    return zh
      ? message([`⛔ Cherry-pick 衝突${onSystem(input)}`, '', ...bugLines(bugs, (_, i) => detail(bugs[i]!)), '', '以上 Bug 維持原狀態,其他 Bug 照常進行。請把修正 rebase 到目標版本後重新附上。'])
      : message([`⛔ Cherry-pick conflict${onSystem(input)}`, '', ...bugLines(bugs, (_, i) => detail(bugs[i]!)), '', 'These bugs stay where they were; the others went on. Rebase each fix onto the target and attach it again.']);
  },

  'bug.fix_missing': (input) => {
    const { all, zh } = input;
    const bugs = digestBugs(all).map(({ bug }) => bug);
    return zh
      ? message([`🧩 未附修正,T1 已略過${onSystem(input)}`, '', ...bugLines(bugs), '', '請在下一個 T1 前附上修正:tonic bugs attach-fix ID --branch NAME'])
      : message([`🧩 No fix attached: skipped at T1${onSystem(input)}`, '', ...bugLines(bugs), '', 'Attach a fix before the next T1: tonic bugs attach-fix ID --branch NAME']);
  },

  'environment.recorded': (input) => {
    const { p, zh } = input;
    const env = p.text('env').toUpperCase();
    const commit = p.text('commit');
    const version = p.optional('version');
    const previousCommit = p.optional('previous.commit');
    const previousVersion = p.optional('previous.version');
    const by = p.optional('by');
    const now = version ? `${version} (${shortCommit(commit)})` : shortCommit(commit);
    const before = previousCommit ? (previousVersion ? `${previousVersion} (${shortCommit(previousCommit)})` : shortCommit(previousCommit)) : null;
    return zh
      ? message([`📝 已記錄 ${env} 版本${onSystem(input)}`, '', `現在:${now}`, `之前:${before ?? '未記錄'}`, by && `記錄人:${by}`])
      : message([`📝 ${env} version recorded${onSystem(input)}`, '', `Now: ${now}`, `Before: ${before ?? 'not recorded'}`, by && `Recorded by: ${by}`]);
  },
} satisfies Record<string, Template>;

function flowName(flow: string): string {
  return flow === 'flow1' ? 'Flow 1' : flow === 'flow2' ? 'Flow 2' : flow;
}
