import { STATUS_INFO, type BugStatus } from '../../../src/features/bugs/bug-statuses.ts';
import { statusColours } from './status-colours.ts';

export function StatusBadge({ status }: { status: BugStatus }) {
  const colours = statusColours(status);
  const info = STATUS_INFO[status];
  return (
    <span
      className="badge"
      data-status={status}
      data-colour={colours.name}
      style={{ background: colours.background, color: colours.text }}
      title={`${info.meaning}${info.next ? ` · next: ${info.next}` : ''}`}
    >
      {status}
    </span>
  );
}

export function SeverityTag({ severity }: { severity: string }) {
  return <span className={`severity severity-${severity}`}>{severity}</span>;
}
