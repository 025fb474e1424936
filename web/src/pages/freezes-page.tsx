/**
 * Change freezes: what is frozen now, a month view of the windows ahead with each source labelled
 * (flags, declared freezes, public holidays, Lunar New Year, month-end close, client go-live), the
 * declared freezes, and, for those who may, declaring and lifting one.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { localDay, zoneAbbreviation } from '../../../src/features/schedule/slot-words.ts';
import { api, queryString, systemPath } from '../api/client.ts';
import { keys } from '../api/keys.ts';
import type { DeclareFreezeInput, Freeze, FreezeCalendar, FreezeList, FreezeWindow } from '../api/types.ts';
import { covers, daysFrom, daysInMonth, dayOf, MONTH_NAMES, monthOf, monthWeeks, WEEKDAYS } from '../components/month-grid.ts';
import { Loading, ProblemNote } from '../components/problem.tsx';
import { Instant } from '../components/time.tsx';
import { useCan } from '../session.tsx';
import { useSystem } from './use-system.ts';

/** The API looks at most this many days ahead (MAX_CALENDAR_DAYS). */
const MAX_DAYS = 366;

export const SOURCE_LABEL: Record<FreezeWindow['source'], string> = {
  env: 'Environment flag',
  config: 'Configured',
  declared: 'Declared',
  holiday: 'Public holiday',
  'lunar-new-year': 'Lunar New Year',
  'month-end': 'Month-end close',
  'go-live': 'Client go-live',
};

/** "Declared · Release of v2 (checkout, financial)" */
export function windowText(w: FreezeWindow): string {
  return `${SOURCE_LABEL[w.source]} · ${w.label}${w.scope === 'modules' ? ` (${w.modules.join(', ')})` : ''}`;
}

export function FreezeChip({ window: w }: { window: FreezeWindow }) {
  return (
    <span className="freeze-chip" data-source={w.source} title={`${windowText(w)}: ${w.startLocal ?? 'in force'} → ${w.endLocal ?? 'until removed'}`}>
      <strong>{SOURCE_LABEL[w.source]}</strong> {w.label}
      {w.scope === 'modules' ? <span className="muted"> ({w.modules.join(', ')})</span> : null}
    </span>
  );
}

export function FreezesPage() {
  const { name: system, info } = useSystem();
  const zone = info?.timeZone ?? 'UTC';
  const canManage = useCan('freezes.manage', system);
  const [offset, setOffset] = useState(0);
  const now = new Date();
  const today = localDay(now, zone);
  const month = monthOf(today, offset);
  const monthEnd = dayOf(month.year, month.month, daysInMonth(month));
  // Enough days to reach the end of the month shown, within what the API looks ahead.
  const days = Math.min(MAX_DAYS, Math.max(1, daysFrom(today, monthEnd) + 1));
  // The last month whose first day the API can still see.
  const firstOf = (n: number) => dayOf(monthOf(today, n).year, monthOf(today, n).month, 1);
  let lastMonthOffset = 0;
  while (daysFrom(today, firstOf(lastMonthOffset + 1)) < MAX_DAYS) lastMonthOffset++;
  const list = useQuery({ queryKey: keys.freezes(system), queryFn: () => api<FreezeList>('GET', systemPath(system, `/freezes${queryString({ all: 'true', limit: 100 })}`)) });
  const calendar = useQuery({
    queryKey: keys.freezeCalendar(system, days),
    queryFn: () => api<FreezeCalendar>('GET', systemPath(system, `/freezes/calendar${queryString({ days })}`)),
    // Today (and so the days asked for) is the system's: wait for its time zone.
    enabled: info !== undefined,
    placeholderData: (previous) => previous,
  });
  const zoneName = zoneAbbreviation(now, zone);
  return (
    <section aria-labelledby="freezes-title">
      <h1 id="freezes-title">Change freezes{info ? ` · ${info.title}` : ''}</h1>
      <p className="muted">
        Times in {zone} ({zoneName}). In a freeze, scheduled T1/T2 runs are skipped (whole system) or leave out the bugs of the frozen modules; emergency hotfixes need two approvals.
      </p>
      <NowPanel list={list.data} error={list.error} />
      <section className="panel" aria-labelledby="month-title">
        <div className="page-head">
          <h2 id="month-title">
            {MONTH_NAMES[month.month - 1]} {month.year}
          </h2>
          <div className="buttons">
            <button type="button" onClick={() => setOffset(offset - 1)} disabled={offset <= 0}>
              ← Previous month
            </button>
            <button type="button" onClick={() => setOffset(offset + 1)} disabled={offset >= lastMonthOffset}>
              Next month →
            </button>
          </div>
        </div>
        <ProblemNote error={calendar.error} prefix="The calendar could not be loaded:" />
        {calendar.isPending ? <Loading what="the calendar" /> : null}
        <table className="calendar" aria-label={`Freezes in ${MONTH_NAMES[month.month - 1]} ${month.year} (${zoneName})`}>
          <thead>
            <tr>
              {WEEKDAYS.map((d) => (
                <th key={d} scope="col">
                  {d}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {monthWeeks(month).map((week, i) => (
              <tr key={i}>
                {week.map((day, j) => {
                  if (!day) return <td key={j} className="outside" aria-hidden="true" />;
                  const past = day < today;
                  const windows = past ? [] : (calendar.data?.windows ?? []).filter((w) => covers(w, day, zone));
                  return (
                    <td key={day} data-day={day} data-label={WEEKDAYS[j]} className={`${past ? 'past' : ''}${day === today ? ' today' : ''}${windows.length ? ' frozen' : ''}`}>
                      <span className="day-number">
                        {Number(day.slice(8))}
                        {day === today ? <span className="visually-hidden"> (today)</span> : null}
                      </span>
                      {windows.map((w, k) => (
                        <FreezeChip key={k} window={w} />
                      ))}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
        <p className="legend" aria-label="Sources">
          {(Object.keys(SOURCE_LABEL) as FreezeWindow['source'][]).map((s) => (
            <span key={s} className="freeze-chip" data-source={s}>
              {SOURCE_LABEL[s]}
            </span>
          ))}
        </p>
      </section>
      {canManage ? <DeclareForm system={system} modules={info?.modules ?? []} zone={zone} zoneName={zoneName} /> : null}
      <DeclaredList system={system} list={list.data} zone={zone} canManage={canManage} />
    </section>
  );
}

function NowPanel({ list, error }: { list: FreezeList | undefined; error: unknown }) {
  if (error) return <ProblemNote error={error} prefix="What is frozen now could not be loaded:" />;
  if (!list) return <Loading what="the freezes in force" />;
  const { now } = list;
  return (
    <section className={`panel now-frozen ${now.full ? 'full' : now.modules.length ? 'partial' : 'clear'}`} aria-labelledby="now-title">
      <h2 id="now-title">Now</h2>
      <p data-frozen={now.full ? 'full' : now.modules.length ? 'modules' : 'none'}>
        {now.full ? <strong>The whole system is frozen: scheduled runs are skipped.</strong> : now.modules.length ? <strong>Frozen modules: {now.modules.join(', ')} (their bugs are left out of runs).</strong> : 'Nothing is frozen: T1 and T2 run as planned.'}
        {now.lunarNewYear ? ' Lunar New Year: hotfixes P1 only, with a CTO sign-off.' : ''}
      </p>
      {now.sources.length ? (
        <ul>
          {now.sources.map((w, i) => (
            <li key={i}>
              <FreezeChip window={w} /> until {w.endLocal ?? 'removed'}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function DeclareForm({ system, modules, zone, zoneName }: { system: string; modules: string[]; zone: string; zoneName: string }) {
  const client = useQueryClient();
  const [declared, setDeclared] = useState<Freeze | null>(null);
  const declare = useMutation({
    mutationFn: (body: DeclareFreezeInput) => api<Freeze>('POST', systemPath(system, '/freezes'), body),
    onSuccess: (f) => {
      setDeclared(f);
      void client.invalidateQueries({ queryKey: keys.system(system) });
    },
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const chosen = form.getAll('modules').map(String);
    setDeclared(null);
    declare.mutate(
      { ...(text('start') ? { start: text('start') } : {}), end: text('end'), ...(chosen.length ? { modules: chosen } : {}), reason: text('reason') },
      { onSuccess: () => formElement.reset() },
    );
  };
  return (
    <section className="panel" aria-labelledby="declare-title">
      <h2 id="declare-title">Declare a freeze</h2>
      <form className="stacked" onSubmit={submit} aria-label="Declare a freeze">
        <div className="inline-form">
          <label>
            Starts ({zoneName}, empty: now)
            <input name="start" type="datetime-local" />
          </label>
          <label>
            Ends ({zoneName})
            <input name="end" type="datetime-local" required />
          </label>
        </div>
        {modules.length ? (
          <fieldset className="modules">
            <legend>Modules (none ticked: the whole system)</legend>
            {modules.map((m) => (
              <label key={m} className="check">
                <input type="checkbox" name="modules" value={m} /> {m}
              </label>
            ))}
          </fieldset>
        ) : null}
        <label>
          Reason (shown in run reports and messages)
          <input name="reason" required maxLength={500} />
        </label>
        <div>
          <button type="submit" className="primary" disabled={declare.isPending}>
            Declare freeze
          </button>
        </div>
      </form>
      <ProblemNote error={declare.error} prefix="Not declared:" />
      {declared ? (
        <p role="status" className="notice">
          Freeze {declared.id} declared: {declared.scope === 'modules' ? declared.modules.join(', ') : 'the whole system'} from <Instant at={declared.start} timeZone={zone} /> to <Instant at={declared.end} timeZone={zone} />.
        </p>
      ) : null}
    </section>
  );
}

function DeclaredList({ system, list, zone, canManage }: { system: string; list: FreezeList | undefined; zone: string; canManage: boolean }) {
  if (!list) return null;
  return (
    <section aria-labelledby="declared-title">
      <h2 id="declared-title">Declared freezes</h2>
      {list.items.length === 0 ? (
        <p className="empty">None declared.</p>
      ) : (
        <table className="declared">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">State</th>
              <th scope="col">What</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Why</th>
              <th scope="col">By</th>
              {canManage ? <th scope="col">Lift</th> : null}
            </tr>
          </thead>
          <tbody>
            {list.items.map((f) => (
              <tr key={f.id} data-freeze={f.id}>
                <td data-label="#">{f.id}</td>
                <td data-label="State">
                  <span className={`state state-${f.state}`}>{f.state}</span>
                </td>
                <td data-label="What">{f.scope === 'modules' ? f.modules.join(', ') : 'whole system'}</td>
                <td data-label="From">
                  <Instant at={f.start} timeZone={zone} />
                </td>
                <td data-label="To">
                  <Instant at={f.end} timeZone={zone} />
                  {f.liftedAt ? (
                    <span className="muted">
                      {' '}
                      (lifted by {f.liftedBy}
                      {f.liftReason ? `: ${f.liftReason}` : ''}, <Instant at={f.liftedAt} timeZone={zone} />)
                    </span>
                  ) : null}
                </td>
                <td data-label="Why">{f.reason}</td>
                <td data-label="By">{f.by}</td>
                {canManage ? <td data-label="Lift">{f.state === 'active' || f.state === 'upcoming' ? <LiftButton system={system} freeze={f} /> : null}</td> : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function LiftButton({ system, freeze }: { system: string; freeze: Freeze }) {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const lift = useMutation({
    mutationFn: (reason: string) => api<Freeze>('DELETE', systemPath(system, `/freezes/${freeze.id}${queryString({ reason })}`)),
    onSettled: () => void client.invalidateQueries({ queryKey: keys.system(system) }),
  });
  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)} aria-expanded={false}>
        Lift freeze {freeze.id}…
      </button>
    );
  }
  return (
    <form
      className="inline-form"
      aria-label={`Lift freeze ${freeze.id}`}
      onSubmit={(e) => {
        e.preventDefault();
        lift.mutate(String(new FormData(e.currentTarget).get('reason') ?? '').trim());
      }}
    >
      <label>
        Why (optional)
        <input name="reason" maxLength={500} />
      </label>
      <button type="submit" className="danger" disabled={lift.isPending}>
        Lift now
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
      <ProblemNote error={lift.error} prefix="Not lifted:" />
    </form>
  );
}
