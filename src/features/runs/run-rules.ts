/**
 * What a run does with each bug: pure decisions from the bug's facts, the version check and the
 * slot instant. The run service carries them out; the plan endpoint shows them ahead of time.
 */
import type { BugStatus, FixFlow } from '../bugs/bug-statuses.ts';
import type { FlowChoice } from '../environments/flow-rules.ts';

export type T1Candidate = { id: number; status: BugStatus; fixFlow: FixFlow | null; flowOverrideReason: string | null; hasFix: boolean };

export type T1Decision =
  | { id: number; take: FixFlow; reroute: { from: FixFlow | null; to: FixFlow; reason: string } | null }
  | { id: number; take: null; reason: string; missingFix: boolean };

/**
 * DESIGN.md decision 1 at T1: the version check runs again; a bug whose answer changed since it
 * was confirmed is re-routed (unless an admin chose its flow by override); with no safe flow it waits.
 */
export function decideT1(bug: T1Candidate, choice: FlowChoice): T1Decision {
  let flow = bug.fixFlow;
  let reroute: { from: FixFlow | null; to: FixFlow; reason: string } | null = null;
  if (bug.flowOverrideReason === null || flow === null) {
    if (choice.flow === null) return { id: bug.id, take: null, reason: choice.reason, missingFix: false };
    if (choice.flow !== flow) {
      reroute = { from: flow, to: choice.flow, reason: choice.reason };
      flow = choice.flow;
    }
  }
  if (!bug.hasFix) {
    return { id: bug.id, take: null, reason: 'no fix is attached: attach a commit or branch (tonic bugs attach-fix) before T1', missingFix: true };
  }
  return { id: bug.id, take: flow!, reroute };
}

export type ReleaseMember = { id: number; status: BugStatus; inRelease: boolean; runsAt: string | null };

export type PromotionVerdict = { promote: boolean; ready: number[]; waiting: { id: number; reason: string }[] };

/**
 * DESIGN.md decision 3: T2 promotes the UAT release as is, and only when every bug in it was
 * approved before this slot's cutoff. Anything else holds it back, and says which bug and why.
 */
export function promotionVerdict(members: readonly ReleaseMember[], slotAt: Date): PromotionVerdict {
  const ready: number[] = [];
  const waiting: { id: number; reason: string }[] = [];
  for (const m of members) {
    if (!m.inRelease) waiting.push({ id: m.id, reason: `was dropped from the release (now ${m.status}): the next T1 rebuilds the release without it` });
    else if (m.status === 'deployed_uat') waiting.push({ id: m.id, reason: 'is not approved yet (Approve PROD Deploy)' });
    else if (m.status === 'pending_prod' && m.runsAt !== null && new Date(m.runsAt) > slotAt) {
      waiting.push({ id: m.id, reason: `was approved after this T2's cutoff: it runs at ${m.runsAt}` });
    } else if (m.status === 'pending_prod') ready.push(m.id);
  }
  return { promote: ready.length > 0 && waiting.length === 0, ready, waiting };
}

/** A queued bug belongs to this T2 when its runsAt is at or before the slot instant. */
export function isDue(runsAt: string | null, slotAt: Date): boolean {
  return runsAt !== null && new Date(runsAt).getTime() <= slotAt.getTime();
}

/**
 * A run whose process stopped without saving its report (its lease lapsed): what it had done and
 * had not, as far as the database shows (the releases it built, its deployments), for the record
 * and the run.interrupted message. The steps in between lived in the stopped process.
 */
export function interruptedRunProgress(progress: {
  releases: readonly { version: string; kind: string; targetEnv: string }[];
  deployments: readonly { id: number; env: string; status: string; version: string }[];
}): { done: string[]; notDone: string[] } {
  const done: string[] = progress.releases.map((r) => `built ${r.version} (${r.kind}) for ${r.targetEnv}`);
  const notDone: string[] = [];
  for (const d of progress.deployments) {
    if (d.status === 'succeeded') done.push(`deployed ${d.version} to ${d.env} (deployment ${d.id})`);
    else if (d.status === 'failed') done.push(`the deploy of ${d.version} to ${d.env} failed (deployment ${d.id})`);
    else notDone.push(`the deploy of ${d.version} to ${d.env} did not finish (deployment ${d.id}: unknown)`);
  }
  notDone.push(
    progress.deployments.length > 0
      ? 'what follows a deploy may not all have run (moving its bugs, the message, smoke and monitoring): each bug\'s history shows where it stands'
      : 'nothing was deployed; the bugs the run had not moved stay where they were',
  );
  return { done, notDone };
}
