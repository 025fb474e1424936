/**
 * What may leave the building when a bug is sent to a language model: pure rules, no I/O.
 *
 * - A file whose path matches a never-send glob (`.env*`, `*.pem` always, plus the configured
 *   ones) is withheld whole: the model sees its name and that it was withheld, nothing of its
 *   content.
 * - Every other line (of the diff, the commit messages, the bug's title and description) is
 *   scanned for credentials, and each one found is replaced by `[REDACTED:<kind>]`: PEM private
 *   keys, AWS keys, well-known token formats, passwords in connection strings, Authorization
 *   headers, values assigned to secret-looking names, and every value of an env file.
 * The redactions are listed (kind, where, file, line) but never the secret itself, so the record
 * of what was sent holds no secret either.
 */
import picomatch from 'picomatch';

export const SECRET_KINDS = [
  'private-key',
  'aws-access-key',
  'aws-secret-key',
  'token',
  'connection-string-password',
  'authorization-header',
  'secret-value',
  'env-value',
] as const;
export type SecretKind = (typeof SECRET_KINDS)[number];

export type Redaction = {
  kind: SecretKind;
  where: 'diff' | 'title' | 'description' | 'commit-message';
  /** The file, for the diff. */
  file?: string;
  /** The line in the file (new side; old side for a removed line), or in the text. */
  line?: number;
  /** The commit, for a commit message. */
  commit?: string;
};

export type RedactedDiff = { text: string; redactions: Redaction[]; withheld: { file: string; pattern: string }[] };

export const marker = (kind: SecretKind) => `[REDACTED:${kind}]`;

const PEM_BEGIN = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----/;
const PEM_END = /-----END ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----/;

/** A value that names a secret rather than holding one: `${DB_PASSWORD}`, `$TOKEN`, `<password>`, `***`, `changeme`-free. */
const PLACEHOLDER = /^(?:\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|%[A-Za-z_]+%|<[^>]*>|\*+|x+|\[REDACTED:[a-z-]+\]|process\.env\.[A-Za-z0-9_]+)$/i;

/** Names whose value is a secret. */
const SECRET_NAME = String.raw`(?:[A-Za-z0-9_.-]*?(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|private[_-]?key|client[_-]?secret|credentials?))`;

/** Formats that are a credential wherever they appear. */
const TOKEN_PATTERNS: { kind: SecretKind; pattern: RegExp }[] = [
  { kind: 'aws-access-key', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}\b/g },
  { kind: 'token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g },
  { kind: 'token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { kind: 'token', pattern: /\bsk-(?:proj-|ant-|live-)?[A-Za-z0-9_-]{20,}/g },
  { kind: 'token', pattern: /\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/g },
  { kind: 'token', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { kind: 'token', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { kind: 'token', pattern: /\bglpat-[A-Za-z0-9_-]{20,}/g },
  { kind: 'token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
];

/** `aws_secret_access_key = wJalr…` (40 characters of base64). */
const AWS_SECRET = /((?:aws)?_?secret_?access_?key|aws_?secret(?:_?key)?)(["']?\s*[:=]\s*["']?)([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi;
/** `scheme://user:password@host`. */
const CONNECTION_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/'"`]+:)([^\s@'"`/]+)(@)/gi;
/** `Authorization: Bearer abc`, `"authorization": "Basic abc"`, `-H 'Authorization: token abc'`. */
const AUTHORIZATION = /\b((?:proxy-)?authorization["']?\s*[:=]\s*["']?)((?:bearer|basic|token|digest|apikey|sharedkey)\s+)?([^\s"'`,;]+)/gi;
const BEARER = /\b(bearer\s+)([A-Za-z0-9\-._~+/]{16,}=*)/gi;
/** A secret-named key given a quoted value: `password: "x"`, `"apiKey": 'x'`, `token = "x"`, `secret => "x"`. */
const QUOTED_ASSIGNMENT = new RegExp(String.raw`(${SECRET_NAME}["']?\s*(?::=|=>|[:=])\s*)(["'\`])((?:(?!\2)[^\\]|\\.)+)\2`, 'gi');
/** The same with a bare value (config files, env files, descriptions): `password=hunter2`, `token: abc`. */
const BARE_ASSIGNMENT = new RegExp(String.raw`(${SECRET_NAME}["']?\s*(?::=|=>|[:=])[ \t]*)([^\s"'\`,;]+)`, 'gi');
/** `KEY=value` and `export KEY=value` of an env file. */
const ENV_LINE = /^(\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*=\s*)(.*\S)\s*$/;

/** Source files, where a bare value after `password =` is code (`password = req.body.password`), not a secret. */
const CODE_FILE = /\.(?:[cm]?[jt]sx?|py|rb|go|java|kt|kts|scala|cs|php|rs|swift|c|cc|cpp|h|hpp|m|dart|lua|ex|exs|clj|groovy|vue|svelte)$/i;
const ENV_FILE = /(?:^|\/)(?:\.env(?:\.[^/]*)?|[^/]*\.env)$/i;

type LineContext = { code: boolean; env: boolean };

/**
 * Redacts one line; `found` receives the kind of each secret replaced. Multi-line private keys are
 * handled by the callers (a state across lines).
 */
export function redactLine(line: string, context: LineContext, found: (kind: SecretKind) => void): string {
  let out = line;
  const replace = (pattern: RegExp, kind: SecretKind, build: (match: string, ...groups: (string | undefined)[]) => string | null) => {
    out = out.replace(pattern, (match: string, ...rest: unknown[]) => {
      // The capture groups come before the match's offset (a number); an unmatched one is undefined.
      const groups = rest.slice(0, rest.findIndex((g) => typeof g === 'number')) as (string | undefined)[];
      const replaced = build(match, ...groups);
      if (replaced === null) return match;
      found(kind);
      return replaced;
    });
  };
  if (context.env) {
    const m = ENV_LINE.exec(out);
    if (m && !out.trimStart().startsWith('#')) {
      const value = m[2]!.replace(/^(["'])(.*)\1$/, '$2');
      if (value && !PLACEHOLDER.test(value)) {
        found('env-value');
        return `${m[1]}${marker('env-value')}`;
      }
    }
  }
  for (const { kind, pattern } of TOKEN_PATTERNS) replace(pattern, kind, () => marker(kind));
  replace(AWS_SECRET, 'aws-secret-key', (_m, name, sep) => `${name}${sep}${marker('aws-secret-key')}`);
  replace(CONNECTION_PASSWORD, 'connection-string-password', (_m, head, password, at) => (PLACEHOLDER.test(password!) ? null : `${head}${marker('connection-string-password')}${at}`));
  replace(AUTHORIZATION, 'authorization-header', (_m, head, scheme, value) =>
    PLACEHOLDER.test(value!) || value!.startsWith('[REDACTED:') ? null : `${head}${scheme ?? ''}${marker('authorization-header')}`,
  );
  replace(BEARER, 'authorization-header', (_m, head, value) => (value!.startsWith('[REDACTED') ? null : `${head}${marker('authorization-header')}`));
  replace(QUOTED_ASSIGNMENT, 'secret-value', (_m, head, quote, value) =>
    PLACEHOLDER.test(value!) || value!.includes('[REDACTED:') ? null : `${head}${quote}${marker('secret-value')}${quote}`,
  );
  if (!context.code) {
    replace(BARE_ASSIGNMENT, 'secret-value', (_m, head, value) => (PLACEHOLDER.test(value!) || value!.includes('[REDACTED:') ? null : `${head}${marker('secret-value')}`));
  }
  return out;
}

/**
 * Redacts free text (a title, a description, a commit message): every line, with private-key
 * blocks replaced whole.
 */
export function redactText(text: string, where: Redaction['where'], extra: { commit?: string } = {}): { text: string; redactions: Redaction[] } {
  const redactions: Redaction[] = [];
  const lines = text.split('\n');
  const out: string[] = [];
  let inKey = false;
  lines.forEach((line, i) => {
    const at = { where, line: i + 1, ...extra };
    if (inKey) {
      if (PEM_END.test(line)) inKey = false;
      return;
    }
    const begin = PEM_BEGIN.exec(line);
    if (begin) {
      redactions.push({ kind: 'private-key', ...at });
      out.push(`${line.slice(0, begin.index)}${marker('private-key')}`);
      inKey = !PEM_END.test(line.slice(begin.index + begin[0].length));
      return;
    }
    out.push(redactLine(line, { code: false, env: false }, (kind) => redactions.push({ kind, ...at })));
  });
  return { text: out.join('\n'), redactions };
}

/** The never-send glob a path matches, if any. A pattern without `/` matches the file name in any folder. */
export function neverSendMatch(path: string, patterns: readonly string[]): string | null {
  for (const pattern of patterns) {
    if (picomatch.isMatch(path, pattern, { dot: true, basename: !pattern.includes('/') })) return pattern;
  }
  return null;
}

/** `diff --git a/x b/y` → both paths (quoted paths unquoted). */
function diffPaths(header: string): string[] {
  const quoted = /^diff --git "?a\/(.*?)"? "?b\/(.*?)"?$/.exec(header);
  return quoted ? [...new Set([quoted[1]!, quoted[2]!])] : [];
}

/**
 * Redacts a fix's diff as `git show` prints it (commit headers, then `diff --git` sections): a
 * file matching a never-send glob is replaced by a note; every other line is scanned.
 */
export function redactDiff(diff: string, neverSend: readonly string[]): RedactedDiff {
  const redactions: Redaction[] = [];
  const withheld: RedactedDiff['withheld'] = [];
  const out: string[] = [];
  let file: string | null = null;
  let context: LineContext = { code: false, env: false };
  let skipping = false;
  let inKey = false;
  let oldLine = 0;
  let newLine = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) {
      const paths = diffPaths(line);
      file = paths.at(-1) ?? line.slice('diff --git '.length);
      inKey = false;
      const hit = paths.map((p) => ({ p, pattern: neverSendMatch(p, neverSend) })).find((h) => h.pattern);
      skipping = Boolean(hit);
      if (hit) {
        if (!withheld.some((w) => w.file === file)) withheld.push({ file, pattern: hit.pattern! });
        out.push(line, `(withheld: ${file} matches the never-send pattern "${hit.pattern}"; its changes are not sent)`);
        continue;
      }
      context = { code: CODE_FILE.test(file), env: ENV_FILE.test(file) };
      out.push(line);
      continue;
    }
    if (/^commit [0-9a-f]{7,64}$/.test(line)) {
      // The next commit's header: its message lines are scanned as text.
      file = null;
      skipping = false;
      inKey = false;
      context = { code: false, env: false };
      out.push(line);
      continue;
    }
    if (skipping) continue;
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk) {
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[2]);
      out.push(line);
      continue;
    }
    // Where this line is in its file: the new side, or the old side for a removed line.
    const sign = line[0];
    const inHunk = file !== null && (sign === '+' || sign === '-' || sign === ' ') && !line.startsWith('+++ ') && !line.startsWith('--- ');
    const lineNo = inHunk ? (sign === '-' ? oldLine : newLine) : undefined;
    if (inHunk) {
      if (sign !== '-') newLine += 1;
      if (sign !== '+') oldLine += 1;
    }
    const at: Omit<Redaction, 'kind'> = { where: file ? 'diff' : 'commit-message', ...(file ? { file } : {}), ...(lineNo !== undefined ? { line: lineNo } : {}) };
    if (inKey) {
      if (PEM_END.test(line)) inKey = false;
      continue;
    }
    const begin = PEM_BEGIN.exec(line);
    if (begin) {
      redactions.push({ kind: 'private-key', ...at });
      out.push(`${line.slice(0, begin.index)}${marker('private-key')}`);
      inKey = !PEM_END.test(line.slice(begin.index + begin[0].length));
      continue;
    }
    // The diff prefix (+, -, space) stays; the content is what is scanned.
    const prefix = inHunk ? sign! : '';
    out.push(prefix + redactLine(line.slice(prefix.length), context, (kind) => redactions.push({ kind, ...at })));
  }
  return { text: out.join('\n'), redactions, withheld };
}
