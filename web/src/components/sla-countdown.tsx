/**
 * An emergency hotfix's SLA clock: when it is due in the system's time zone (zone named), the time
 * left ticking every second, how much of the SLA is used (the 50 % warning), overdue, or how it
 * ended once the clock stopped.
 */
import { slaState, spokenDuration } from './sla-clock.ts';
import { formatInstant } from './time.tsx';
import { useNow } from './use-now.ts';

export function SlaCountdown({ priority, openedAt, dueAt, stoppedAt, timeZone }: { priority: string; openedAt: string; dueAt: string; stoppedAt: string | null; timeZone: string }) {
  const now = useNow(1000);
  const { state, leftMs, used } = slaState({ openedAt, dueAt, stoppedAt }, now);
  const words =
    state === 'running' || state === 'warning'
      ? `${spokenDuration(leftMs)} left`
      : state === 'overdue'
        ? `overdue by ${spokenDuration(-leftMs)}`
        : state === 'met'
          ? `clock stopped ${formatInstant(stoppedAt, timeZone)}, ${spokenDuration(leftMs)} inside the SLA`
          : `clock stopped ${formatInstant(stoppedAt, timeZone)}, ${spokenDuration(-leftMs)} past the SLA`;
  return (
    <div className={`sla sla-${state}`} data-sla={state}>
      <p className="sla-due">
        {priority} SLA: due <time dateTime={dueAt}>{formatInstant(dueAt, timeZone)}</time> ({timeZone})
      </p>
      <p className="sla-left" role="timer" aria-label={`SLA ${words}`}>
        {words}
      </p>
      <div className="sla-bar" aria-hidden="true">
        <span style={{ width: `${Math.round(used * 100)}%` }} />
      </div>
    </div>
  );
}
