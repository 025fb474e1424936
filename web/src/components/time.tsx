import { localClock, localDay, zoneAbbreviation } from '../../../src/features/schedule/slot-words.ts';

/** An instant in the system's time zone, with the zone named: "2026-11-26 22:00 HKT". */
export function formatInstant(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return '—';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return `${localDay(at, timeZone)} ${localClock(at, timeZone)} ${zoneAbbreviation(at, timeZone)}`;
}

export function Instant({ at, timeZone }: { at: string | null | undefined; timeZone: string }) {
  if (!at) return <span>—</span>;
  return (
    <time dateTime={at} title={at}>
      {formatInstant(at, timeZone)}
    </time>
  );
}
