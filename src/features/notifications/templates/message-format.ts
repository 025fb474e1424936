/**
 * What every template shares: the payload reader that turns a missing value into a recorded
 * failure (never "undefined" in a message), the rendered message's shape, instants in the
 * system's zone, and the bug line of SEED.md ("• #<id> [<severity>] <title>"). Pure.
 */

export const LANGUAGES = ['zh-Hant', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** A button under a message: approves the listed bugs through the same use case as the API. */
export type ApprovalButton = { label: string; approval: 'approve_prod' | 'approve_uat_merge'; bugIds: number[] };

export type RenderedMessage = {
  /** The first line: Slack's header, the email subject. */
  title: string;
  /** The whole text, title included, as Telegram shows it. */
  text: string;
  /** Rows of buttons (Telegram inline keyboard); empty when the message asks for nothing. */
  buttons: ApprovalButton[][];
};

export type RenderContext = {
  language: Language;
  /** The system's IANA zone: every instant is shown there. */
  timeZone: string;
  /** The system the message is about, or null for a server-wide one. */
  system: string | null;
  /** Add the bugs' validation steps to the messages that ask people to validate. */
  validationSteps?: boolean;
};

/** A template needed a value the payload does not have: the delivery fails with this, visibly. */
export class MissingPlaceholderError extends Error {
  override name = 'MissingPlaceholderError';
  constructor(
    readonly event: string,
    readonly missing: string[],
  ) {
    super(`template ${event}: ${missing.length === 1 ? 'placeholder' : 'placeholders'} ${missing.join(', ')} ${missing.length === 1 ? 'has' : 'have'} no value in the message`);
  }
}

export type BugLine = { id: number; severity: string; title: string };

/**
 * Reads a payload for a template. A value that is absent, null or empty is noted as missing and a
 * stand-in returned so the template can go on; `finish` then throws one error naming them all.
 */
export function createPayloadReader(event: string, payload: Record<string, unknown>, timeZone: string): PayloadReader {
  const missing: string[] = [];
  const lack = (path: string) => {
    if (!missing.includes(path)) missing.push(path);
  };
  return {
    ...readerAt(payload, '', lack, timeZone),
    /** Throws MissingPlaceholderError when anything read was missing. */
    finish(): void {
      if (missing.length > 0) throw new MissingPlaceholderError(event, missing);
    },
  };
}

function valueAt(root: unknown, path: string): unknown {
  let value: unknown = root;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function presentText(value: unknown): string | null {
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

function presentInstant(value: unknown): Date | null {
  const date = typeof value === 'string' ? new Date(value) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}

/** The reader of one object (the payload, or an item of one of its lists), naming paths from `base`. */
function readerAt(root: unknown, base: string, lack: (path: string) => void, timeZone: string): ItemReader {
  const full = (path: string) => (base ? (path ? `${base}.${path}` : base) : path);
  const textOf = (path: string, value: unknown): string => {
    const text = presentText(value);
    if (text === null) lack(path);
    return text ?? '';
  };
  const listOf = (path: string): unknown[] => {
    const value = valueAt(root, path);
    if (Array.isArray(value)) return value;
    lack(full(path));
    return [];
  };
  const bugOf = (path: string, value: unknown): BugLine => {
    const id = valueAt(value, 'id');
    if (typeof id !== 'number') lack(`${path}.id`);
    return { id: typeof id === 'number' ? id : 0, severity: textOf(`${path}.severity`, valueAt(value, 'severity')), title: textOf(`${path}.title`, valueAt(value, 'title')) };
  };
  return {
    text: (path: string): string => textOf(full(path), valueAt(root, path)),
    /** A value the message can do without: null when absent or empty. */
    optional: (path: string): string | null => presentText(valueAt(root, path)),
    number: (path: string): number => {
      const value = valueAt(root, path);
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      lack(full(path));
      return 0;
    },
    flag: (path: string): boolean => {
      const value = valueAt(root, path);
      if (typeof value === 'boolean') return value;
      lack(full(path));
      return false;
    },
    /** An ISO-8601 instant, shown in the system's zone: "2026-11-26 22:00 HKT". */
    instant: (path: string): string => {
      const date = presentInstant(valueAt(root, path));
      if (!date) lack(full(path));
      return date ? formatInstant(date, timeZone) : '';
    },
    optionalInstant: (path: string): string | null => {
      const date = presentInstant(valueAt(root, path));
      return date ? formatInstant(date, timeZone) : null;
    },
    /** A list of texts (numbers read as text). */
    strings: (path: string): string[] => listOf(path).map((v, i) => textOf(`${full(path)}[${i}]`, v)),
    optionalStrings: (path: string): string[] => {
      const value = valueAt(root, path);
      return Array.isArray(value) ? value.map((v, i) => textOf(`${full(path)}[${i}]`, v)) : [];
    },
    /** One bug line: { id, severity, title } at `path`, or this object itself when path is ''. */
    bug: (path: string): BugLine => {
      const value = path ? valueAt(root, path) : root;
      if (value === undefined || value === null) {
        lack(full(path));
        return { id: 0, severity: '', title: '' };
      }
      return bugOf(full(path), value);
    },
    bugs: (path: string): BugLine[] => listOf(path).map((v, i) => bugOf(`${full(path)}[${i}]`, v)),
    /** A list of objects, each read with its own reader. */
    list: <T>(path: string, each: (item: ItemReader, index: number) => T): T[] =>
      listOf(path).map((v, i) => each(readerAt(v, `${full(path)}[${i}]`, lack, timeZone), i)),
    optionalList: <T>(path: string, each: (item: ItemReader, index: number) => T): T[] => {
      const value = valueAt(root, path);
      return Array.isArray(value) ? value.map((v, i) => each(readerAt(v, `${full(path)}[${i}]`, lack, timeZone), i)) : [];
    },
  };
}

/** Reads one object (the payload, or an item of a list: paths in errors are "waiting[1].title"). */
export interface ItemReader {
  text(path: string): string;
  optional(path: string): string | null;
  number(path: string): number;
  flag(path: string): boolean;
  instant(path: string): string;
  optionalInstant(path: string): string | null;
  strings(path: string): string[];
  /** A list of texts the message can do without: empty when absent. */
  optionalStrings(path: string): string[];
  bug(path: string): BugLine;
  bugs(path: string): BugLine[];
  list<T>(path: string, each: (item: ItemReader, index: number) => T): T[];
  /** A list the message can do without: empty when absent; its items are read as strictly as list's. */
  optionalList<T>(path: string, each: (item: ItemReader, index: number) => T): T[];
}

export type PayloadReader = ItemReader & { finish(): void };

/** Lists longer than this are cut, with a line saying how many more: Telegram takes 4,096 characters. */
export const MAX_LISTED = 40;

export function bugLines(bugs: readonly BugLine[], suffix: (bug: BugLine, index: number) => string = () => ''): string[] {
  const shown = bugs.slice(0, MAX_LISTED).map((b, i) => `• #${b.id} [${b.severity}] ${b.title}${suffix(b, i)}`);
  if (bugs.length > MAX_LISTED) shown.push(`• … (+${bugs.length - MAX_LISTED})`);
  return shown;
}

/**
 * Items one per line ("  • …"), at most `keep`: the last ones (`newest`: the steps just before
 * something stopped) or the first ones, with a line counting the rest.
 */
export function bulletList(items: readonly string[], keep: number, newest: boolean, more: (n: number) => string): string[] {
  const line = (item: string) => `  • ${item}`;
  if (items.length <= keep) return items.map(line);
  const rest = more(items.length - keep);
  return newest ? [rest, ...items.slice(-keep).map(line)] : [...items.slice(0, keep).map(line), rest];
}

export function message(lines: readonly (string | null | false)[], buttons: ApprovalButton[][] = []): RenderedMessage {
  const text = lines
    .filter((l): l is string => typeof l === 'string')
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return { title: text.split('\n')[0]!, text, buttons };
}

/** First 10 characters of a commit id, as the rest of Tonic shows them. */
export function shortCommit(commit: string): string {
  return /^[0-9a-f]{11,}$/.test(commit) ? commit.slice(0, 10) : commit;
}

// ---- instants --------------------------------------------------------------------------------

const ABBREVIATION_LOCALES = ['en-US', 'en-GB', 'en-HK', 'en-SG', 'en-AU', 'en-IN', 'en-CA', 'en-NZ', 'en-IE', 'en-ZA'];
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string, timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale} ${timeZone} ${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { timeZone, ...options });
    formatters.set(key, f);
  }
  return f;
}

/**
 * The zone's common abbreviation at that instant ("HKT", "BST", "EST") when an English locale
 * knows one, else its offset ("GMT+9").
 */
export function zoneAbbreviation(at: Date, timeZone: string): string {
  let offset = '';
  for (const locale of ABBREVIATION_LOCALES) {
    const name = formatter(locale, timeZone, { timeZoneName: 'short' })
      .formatToParts(at)
      .find((p) => p.type === 'timeZoneName')?.value;
    if (!name) continue;
    if (!/^(GMT|UTC)[+-]/.test(name)) return name;
    offset ||= name;
  }
  return offset || 'UTC';
}

/** "2026-11-26 22:00 HKT": the wall-clock time in the system's zone, and which zone. */
export function formatInstant(at: Date, timeZone: string): string {
  const parts: Record<string, string> = {};
  const f = formatter('en-GB', timeZone, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  for (const p of f.formatToParts(at)) parts[p.type] = p.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour === '24' ? '00' : parts.hour}:${parts.minute} ${zoneAbbreviation(at, timeZone)}`;
}
