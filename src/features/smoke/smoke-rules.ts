/**
 * Smoke tests as data (DESIGN.md decision 9): the steps a system declares, what each expects, and
 * the pure evaluation of an observed answer against those expectations. No I/O, no clock: the
 * runner (smoke-runner.ts) makes the requests and measures, this file decides.
 */

export const SMOKE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
export type SmokeMethod = (typeof SMOKE_METHODS)[number];

export const SMOKE_FAILURE_ACTIONS = ['rollback', 'alert'] as const;
/** What a failed smoke step leads to: roll the deployment back (SEED.md's rule), or only alert. */
export type SmokeFailureAction = (typeof SMOKE_FAILURE_ACTIONS)[number];

export type JsonExpectation = { path: string; equals?: unknown; contains?: unknown; exists?: boolean };

export type SmokeExpect = {
  /** Any of these statuses passes (HTTP steps). */
  status: number[] | null;
  json: JsonExpectation[];
  /** The body contains this text (HTTP) or the output does (command). */
  text: string | null;
  maxLatencyMs: number | null;
  /** Command steps: the exit code (default 0). */
  exitCode: number | null;
};

export type SmokeHttpStep = {
  kind: 'http';
  name: string;
  method: SmokeMethod;
  /** A path under the environment's base URL ("/api/orders"), or a whole URL. */
  path: string;
  headers: Record<string, string>;
  /** A JSON body; strings in it may use {{captured}} values. */
  json: unknown;
  /** Values to keep for later steps: name → JSON path into this step's answer. */
  capture: Record<string, string>;
  expect: SmokeExpect;
  timeoutMs: number;
};

export type SmokeCommandStep = { kind: 'command'; name: string; command: string[]; expect: SmokeExpect; timeoutMs: number };

export type SmokeStep = SmokeHttpStep | SmokeCommandStep;

export type SmokePlan = { baseUrl: string; steps: SmokeStep[] };

export type SmokeConfig = { onFailure: SmokeFailureAction; environments: Record<'uat' | 'prod', SmokePlan> };

/** One expectation checked against what was observed. */
export type SmokeCheck = { expectation: string; expected: string; actual: string; ok: boolean };

export type SmokeStepResult = {
  name: string;
  kind: 'http' | 'command';
  result: 'pass' | 'fail' | 'skipped';
  /** What the step expected and what it saw: the failing expectation's, or all of them when it passed. */
  expected: string;
  actual: string;
  ms: number | null;
  checks: SmokeCheck[];
  /** The request or command, as run (captured values filled in, secrets in headers not shown). */
  request: string;
};

export type SmokeReport = {
  ok: boolean;
  env: 'uat' | 'prod';
  version: string;
  baseUrl: string;
  startedAt: string;
  finishedAt: string;
  /** The first step that failed, or null. */
  failedStep: string | null;
  steps: SmokeStepResult[];
};

/** What the runner saw for one step. */
export type Observed = {
  status: number | null;
  text: string;
  /** The body parsed as JSON, when it is JSON. */
  json: { ok: true; value: unknown } | { ok: false };
  ms: number;
  exitCode: number | null;
  /** A transport failure (refused, timed out, cannot run the command). */
  error: string | null;
};

// ---- JSON paths: $, .name, [0], ['name'] -----------------------------------------------------

export type PathSegment = string | number;

/** Parses "$.items[0].id" into segments, or throws an Error saying what is wrong and where. */
export function parseJsonPath(path: string): PathSegment[] {
  if (!path.startsWith('$')) throw new Error(`"${path}" must start with $ (for example $.items[0].id)`);
  const segments: PathSegment[] = [];
  let i = 1;
  while (i < path.length) {
    const rest = path.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^\.([A-Za-z_$][\w$-]*)/.exec(rest))) {
      segments.push(m[1]!);
    } else if ((m = /^\[(\d+)\]/.exec(rest))) {
      segments.push(Number(m[1]));
    } else if ((m = /^\[(?:'([^']*)'|"([^"]*)")\]/.exec(rest))) {
      segments.push(m[1] ?? m[2]!);
    } else {
      throw new Error(`"${path}" cannot be read at position ${i} ("${rest.slice(0, 12)}"): use .name, [index] or ['name']`);
    }
    i += m[0].length;
  }
  return segments;
}

export function readJsonPath(value: unknown, path: string): { found: true; value: unknown } | { found: false } {
  let current = value;
  for (const segment of parseJsonPath(path)) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || segment >= current.length) return { found: false };
      current = current[segment];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, segment)) return { found: false };
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return { found: true, value: current };
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((v, i) => deepEqual(v, (b as unknown[])[i]));
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b as object, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * "contains": a string contains the text; an array has an element that equals (or, for objects,
 * includes) the expected value; an object has every expected key with a matching value.
 */
export function contains(actual: unknown, expected: unknown): boolean {
  if (typeof actual === 'string') return typeof expected === 'string' && actual.includes(expected);
  if (Array.isArray(actual)) return actual.some((item) => deepEqual(item, expected) || (isObject(item) && isObject(expected) && contains(item, expected)));
  if (isObject(actual) && isObject(expected)) {
    return Object.entries(expected).every(([k, v]) => Object.hasOwn(actual, k) && (deepEqual(actual[k], v) || (isObject(v) && contains(actual[k], v))));
  }
  return false;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const show = (v: unknown) => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
};

// ---- Evaluation ----------------------------------------------------------------------------

/** Every expectation of a step against what the runner observed. */
export function evaluate(kind: SmokeStep['kind'], expect: SmokeExpect, observed: Observed): SmokeCheck[] {
  const checks: SmokeCheck[] = [];
  if (observed.error !== null) {
    checks.push({ expectation: kind === 'http' ? 'an answer' : 'the command runs', expected: kind === 'http' ? 'an HTTP answer' : 'the command to run', actual: observed.error, ok: false });
    return checks;
  }
  if (kind === 'http') {
    const statuses = expect.status ?? [200];
    const status = observed.status ?? 0;
    checks.push({ expectation: 'status', expected: `status ${statuses.join(' or ')}`, actual: `status ${status}`, ok: statuses.includes(status) });
  } else {
    const code = expect.exitCode ?? 0;
    checks.push({ expectation: 'exit code', expected: `exit code ${code}`, actual: `exit code ${observed.exitCode}`, ok: observed.exitCode === code });
  }
  for (const j of expect.json) {
    if (!observed.json.ok) {
      checks.push({ expectation: `json ${j.path}`, expected: describeJson(j), actual: `the body is not JSON: ${show(observed.text.slice(0, 120))}`, ok: false });
      continue;
    }
    const found = readJsonPath(observed.json.value, j.path);
    const actual = found.found ? `${j.path} = ${show(found.value)}` : `nothing at ${j.path}`;
    let ok: boolean;
    if (j.exists !== undefined) ok = found.found === j.exists;
    else if (j.equals !== undefined) ok = found.found && deepEqual(found.value, j.equals);
    else ok = found.found && contains(found.value, j.contains);
    checks.push({ expectation: `json ${j.path}`, expected: describeJson(j), actual, ok });
  }
  if (expect.text !== null) {
    const ok = observed.text.includes(expect.text);
    checks.push({ expectation: 'text', expected: `${kind === 'http' ? 'body' : 'output'} contains ${show(expect.text)}`, actual: ok ? `found ${show(expect.text)}` : `not found in ${show(observed.text.slice(0, 160))}`, ok });
  }
  if (expect.maxLatencyMs !== null) {
    checks.push({ expectation: 'latency', expected: `at most ${expect.maxLatencyMs} ms`, actual: `${Math.round(observed.ms)} ms`, ok: observed.ms <= expect.maxLatencyMs });
  }
  return checks;
}

function describeJson(j: JsonExpectation): string {
  if (j.exists !== undefined) return j.exists ? `${j.path} exists` : `nothing at ${j.path}`;
  if (j.equals !== undefined) return `${j.path} = ${show(j.equals)}`;
  return `${j.path} contains ${show(j.contains)}`;
}

/** A step's verdict from its checks: the first failing check says what was expected and seen. */
export function stepResult(step: SmokeStep, checks: SmokeCheck[], ms: number | null, request: string): SmokeStepResult {
  const failed = checks.find((c) => !c.ok);
  return {
    name: step.name,
    kind: step.kind,
    result: failed ? 'fail' : 'pass',
    expected: failed ? failed.expected : checks.map((c) => c.expected).join('; '),
    actual: failed ? failed.actual : checks.map((c) => c.actual).join('; '),
    ms,
    checks,
    request,
  };
}

export function skippedStep(step: SmokeStep, after: string): SmokeStepResult {
  return { name: step.name, kind: step.kind, result: 'skipped', expected: '', actual: `not run: step "${after}" failed before it`, ms: null, checks: [], request: '' };
}

// ---- Captured values: {{name}} -------------------------------------------------------------

const CAPTURE_REF = /\{\{\s*([A-Za-z_][\w-]*)\s*\}\}/g;

export function captureNames(text: string): string[] {
  return [...text.matchAll(CAPTURE_REF)].map((m) => m[1]!);
}

/** Fills {{name}} from captured values; a name never captured throws, saying which. */
export function fillCaptures(text: string, values: ReadonlyMap<string, string>): string {
  return text.replace(CAPTURE_REF, (_, name: string) => {
    const v = values.get(name);
    if (v === undefined) throw new Error(`{{${name}}} has no value: no earlier step captured it`);
    return v;
  });
}

/** Applies fillCaptures to every string inside a JSON value. */
export function fillCapturesDeep(value: unknown, values: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return fillCaptures(value, values);
  if (Array.isArray(value)) return value.map((v) => fillCapturesDeep(v, values));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillCapturesDeep(v, values)]));
  return value;
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (isObject(value)) return Object.values(value).flatMap(stringsIn);
  return [];
}

// ---- Configuration checks a schema cannot express ---------------------------------------------

type RawExpect = { json?: { path?: unknown; equals?: unknown; contains?: unknown; exists?: unknown }[]; exitCode?: unknown; status?: unknown; text?: unknown; maxLatencyMs?: unknown };
type RawStep = { name?: unknown; request?: { path?: unknown; headers?: Record<string, unknown>; json?: unknown }; command?: unknown; capture?: Record<string, unknown>; expect?: RawExpect };

/**
 * Problems of one list of smoke steps, each naming its key path: a step that is neither a request
 * nor a command (or both), a JSON path that cannot be read, a JSON expectation without exactly one
 * of equals/contains/exists, an expectation that does not fit the kind of step, a {{value}} used
 * before any step captured it, two steps with one name.
 */
export function smokeStepProblems(steps: unknown, at: string): string[] {
  if (!Array.isArray(steps)) return [];
  const problems: string[] = [];
  const captured = new Set<string>();
  const names = new Set<string>();
  steps.forEach((raw: RawStep | null, i) => {
    if (!raw || typeof raw !== 'object') return;
    const here = `${at}[${i}]`;
    if (typeof raw.name === 'string') {
      if (names.has(raw.name)) problems.push(`${here}.name: "${raw.name}" is used by an earlier step; step names must be unique`);
      names.add(raw.name);
    }
    const isRequest = raw.request !== undefined;
    const isCommand = raw.command !== undefined;
    if (isRequest === isCommand) problems.push(`${here}: give either request (an HTTP step) or command (a program to run), not ${isRequest ? 'both' : 'neither'}`);
    const expect = raw.expect;
    if (expect && typeof expect === 'object') {
      (Array.isArray(expect.json) ? expect.json : []).forEach((j, k) => {
        if (!j || typeof j !== 'object') return;
        const where = `${here}.expect.json[${k}]`;
        if (typeof j.path === 'string') {
          try {
            parseJsonPath(j.path);
          } catch (error) {
            problems.push(`${where}.path: ${(error as Error).message}`);
          }
        }
        const given = (['equals', 'contains', 'exists'] as const).filter((key) => j[key] !== undefined);
        if (given.length !== 1) {
          problems.push(`${where}: give exactly one of equals, contains or exists${given.length ? ` (got ${given.join(' and ')})` : ''}`);
        }
      });
      if (isCommand && !isRequest) {
        for (const key of ['status', 'json', 'maxLatencyMs'] as const) {
          if (expect[key] !== undefined) problems.push(`${here}.expect.${key}: a command step has no ${key === 'status' ? 'HTTP status' : key === 'json' ? 'JSON answer' : 'latency'} to check; expect exitCode or text`);
        }
      }
      if (isRequest && !isCommand && expect.exitCode !== undefined) problems.push(`${here}.expect.exitCode: an HTTP step has no exit code; expect status instead`);
    }
    const uses = [
      ...(isRequest && raw.request && typeof raw.request === 'object'
        ? [...stringsIn(raw.request.path), ...stringsIn(raw.request.headers), ...stringsIn(raw.request.json)]
        : []),
      ...stringsIn(raw.command),
    ].flatMap(captureNames);
    for (const name of uses) {
      if (!captured.has(name)) problems.push(`${here}: uses {{${name}}} but no earlier step captures "${name}" (capture: { ${name}: "$.path" })`);
    }
    if (raw.capture && typeof raw.capture === 'object') {
      if (isCommand && !isRequest) problems.push(`${here}.capture: only HTTP steps capture values from their JSON answer`);
      for (const [name, path] of Object.entries(raw.capture)) {
        if (typeof path === 'string') {
          try {
            parseJsonPath(path);
          } catch (error) {
            problems.push(`${here}.capture.${name}: ${(error as Error).message}`);
          }
        }
        captured.add(name);
      }
    }
  });
  return problems;
}
