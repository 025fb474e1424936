/**
 * A pre-deploy checklist report (SEED.md's seven items): the verdict, each probe's result, mode
 * and evidence, the probes the system does not configure, and the on-call acknowledgement, with
 * the button for the on-call person while it is open.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, systemPath } from '../api/client.ts';
import { keys } from '../api/keys.ts';
import type { Checklist } from '../api/types.ts';
import { useSession } from '../session.tsx';
import { ProblemNote } from './problem.tsx';
import { Instant } from './time.tsx';

type Probe = Checklist['items'][number]['probe'];

/** SEED.md's wording of each item. */
export const PROBE_LABEL: Record<Probe, string> = {
  backup: 'DB backup confirmed (< 24 h)',
  monitoring: 'Monitoring alerts active',
  onCall: 'On-call admin reachable',
  freeze: 'Change freeze check',
  rollbackPath: 'Rollback path clear',
  dependencies: 'Dependent services healthy',
  headroom: 'Disk + memory OK',
};

export function ChecklistReport({ system, checklist: c, timeZone, showAck = true }: { system: string; checklist: Checklist; timeZone: string; showAck?: boolean }) {
  return (
    <div className="checklist-report" data-checklist={c.id} data-verdict={c.verdict ?? 'running'}>
      <p>
        Checklist {c.id} for {c.env.toUpperCase()} ({c.slot.toUpperCase()} <Instant at={c.slotAt} timeZone={timeZone} />, {c.trigger}):{' '}
        <span className={`probe probe-${c.verdict === 'blocked' ? 'fail' : (c.verdict ?? 'warn')}`}>{c.verdict ?? c.status}</span>
        <span className="muted">
          {' '}
          checked <Instant at={c.finishedAt ?? c.startedAt} timeZone={timeZone} />
        </span>
      </p>
      <table className="probes">
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col">Result</th>
            <th scope="col">Evidence</th>
          </tr>
        </thead>
        <tbody>
          {c.items.map((i) => (
            <tr key={i.probe} data-probe={i.probe} data-result={i.result}>
              <td data-label="Item">
                {PROBE_LABEL[i.probe]} <span className="muted small">({i.mode === 'block' ? 'blocks' : 'warns'})</span>
              </td>
              <td data-label="Result">
                <span className={`probe probe-${i.result}`}>{i.result}</span>
              </td>
              <td data-label="Evidence">{i.evidence.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {c.notChecked.length ? <p className="muted small">Not configured for {c.env.toUpperCase()}: {c.notChecked.map((p) => PROBE_LABEL[p]).join('; ')}.</p> : null}
      {showAck ? <OnCallAck system={system} checklist={c} timeZone={timeZone} /> : null}
    </div>
  );
}

/** The night's "deploy tonight" acknowledgement a checklist asked for, with the button for the on-call person while it is open. */
export function OnCallAck({ system, checklist: c, timeZone }: { system: string; checklist: Checklist; timeZone: string }) {
  const client = useQueryClient();
  const { session } = useSession();
  const ack = useMutation({
    mutationFn: () => api<Checklist>('POST', systemPath(system, `/checks/${c.id}/ack`), {}),
    onSettled: () => void client.invalidateQueries({ queryKey: keys.system(system) }),
  });
  const a = c.ack;
  if (!a) return null;
  const mine = session?.user.username === a.username;
  const open = !a.acknowledgedAt && Date.now() < Date.parse(a.deadline);
  return (
    <div className="oncall" data-ack={a.acknowledgedAt ? 'done' : open ? 'waiting' : 'missed'}>
      On call: <strong>{a.person}</strong>{' '}
      {a.acknowledgedAt ? (
        <>
          acknowledged <Instant at={a.acknowledgedAt} timeZone={timeZone} />
        </>
      ) : open ? (
        <>
          asked to acknowledge before <Instant at={a.deadline} timeZone={timeZone} />
        </>
      ) : (
        <>
          did not acknowledge by <Instant at={a.deadline} timeZone={timeZone} />
        </>
      )}
      {mine && open ? (
        <button type="button" className="primary" onClick={() => ack.mutate()} disabled={ack.isPending}>
          Acknowledge: I am on call tonight
        </button>
      ) : null}
      <ProblemNote error={ack.error} prefix="Not acknowledged:" />
    </div>
  );
}
