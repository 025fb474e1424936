/**
 * Synthetic bugs and bulk inserts straight through the drivers (no use cases): a realistic mix of
 * statuses (10% deployed_uat), severities, flows, modules and text sizes, with the fix commits,
 * analysis and AI diff that T1 records on Flow 1 bugs from `planned` on; reproducible from a seed.
 */
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { NewBugRow } from '../src/adapters/db/schema.ts';

/** The columns seeded; the others (conflict, release_id, …) keep their defaults (null). */
export const COLUMNS = [
  'system', 'title', 'description', 'severity', 'status', 'found_in_env', 'module', 'services', 'fix_flow', 'flow_reason',
  'flow_hold', 'flow_override_reason', 'reporter', 'fix_attached_by', 'fix_refs', 'analysis', 'ai_fix_diff', 'runs_at',
  'version', 'created_at', 'updated_at',
] as const satisfies readonly (keyof NewBugRow)[];

type Row = { [K in (typeof COLUMNS)[number]]-?: Exclude<NewBugRow[K], undefined> };

/** Share of each status, in percent (sums to 100). */
const STATUS_MIX: [string, number][] = [
  ['submitted', 8], ['confirmed', 5], ['analyzing', 1], ['planned', 4], ['deployed_uat', 10], ['pending_prod', 3],
  ['deployed_prod', 30], ['pending_uat_merge', 2], ['uat_merged', 10], ['closed', 20], ['rejected', 7],
];
const SEVERITY_MIX: [string, number][] = [['low', 40], ['medium', 35], ['high', 18], ['critical', 7]];
const FLOW1_ONLY = new Set(['deployed_uat']);
const FLOW2_ONLY = new Set(['pending_uat_merge', 'uat_merged']);
const HAS_FLOW = new Set(['planned', 'analyzing', 'pending_prod', 'deployed_prod', 'closed', ...FLOW1_ONLY, ...FLOW2_ONLY]);
const HAS_FIX = new Set(['deployed_uat', 'pending_prod', 'deployed_prod', 'pending_uat_merge', 'uat_merged']);
const QUEUED = new Set(['pending_prod', 'pending_uat_merge']);
/** Statuses a Flow 1 bug reaches after T1's analysis recorded a plan (analysis + AI diff). */
const ANALYSED = new Set(['planned', 'deployed_uat', 'pending_prod', 'deployed_prod', 'closed']);
const FILES = ['src/checkout/cart.ts', 'src/checkout/totals.ts', 'src/billing/invoice.ts', 'src/billing/refund.ts', 'src/search/index.ts', 'src/auth/session.ts', 'web/pages/cart.tsx', 'db/migrations/0042_fix.sql'];

const WORDS = (
  'checkout payment refund invoice total rounding currency cart discount coupon voucher tax shipping address customer ' +
  'session login token timeout retry report export csv ledger balance settlement batch nightly job queue stock price ' +
  'catalogue search filter page mobile button modal error blank null crash slow duplicate missing wrong stale cache'
).split(' ');
const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar'];
const SERVICES = ['api', 'web', 'worker', 'billing', 'search', 'auth', 'mailer'];
const FLOW_REASONS = [
  'UAT and PROD are at the same version: fix in UAT first (Flow 1)',
  'UAT is ahead of PROD: hotfix PROD first, merge back to UAT (Flow 2)',
  'admin override: release freeze on UAT',
];

/** mulberry32: small, fast, reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}

function weighted(r: () => number, mix: [string, number][]): string {
  let x = r() * 100;
  for (const [value, weight] of mix) {
    if ((x -= weight) < 0) return value;
  }
  return mix[mix.length - 1]![0];
}

function hex(r: () => number, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += Math.floor(r() * 16).toString(16);
  return out;
}

/** A unified diff of a small fix: one or two files, a few hunks of changed lines. */
function diff(r: () => number, files: string[]): string {
  const parts: string[] = [];
  for (const file of files) {
    parts.push(`diff --git a/${file} b/${file}\nindex ${hex(r, 7)}..${hex(r, 7)} 100644\n--- a/${file}\n+++ b/${file}`);
    for (let h = 0, hunks = 1 + Math.floor(r() * 2); h < hunks; h++) {
      const at = 10 + Math.floor(r() * 400);
      parts.push(`@@ -${at},7 +${at},8 @@`);
      for (let l = 0, lines = 6 + Math.floor(r() * 10); l < lines; l++) {
        const sign = l % 5 === 2 ? '-' : l % 5 === 3 ? '+' : ' ';
        parts.push(`${sign}    ${sentence(r, 3, 9).toLowerCase().replaceAll(' ', '_')}(${pick(r, WORDS)});`);
      }
    }
  }
  return parts.join('\n');
}

function sentence(r: () => number, min: number, max: number): string {
  const n = min + Math.floor(r() * (max - min + 1));
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(pick(r, WORDS));
  const text = words.join(' ');
  return text[0]!.toUpperCase() + text.slice(1);
}

/**
 * `count` bugs, oldest first (ids follow insertion order), created over the two years before
 * `until`. `status`/`fixFlow` force every row into one state (the write benchmark's setup).
 */
export function generateBugs(options: { count: number; system: string; seed: number; until: Date; status?: string; fixFlow?: string }): Row[] {
  const r = rng(options.seed);
  const span = 2 * 365 * 86_400_000;
  const start = options.until.getTime() - span;
  const rows: Row[] = [];
  for (let i = 0; i < options.count; i++) {
    const status = options.status ?? weighted(r, STATUS_MIX);
    const severity = weighted(r, SEVERITY_MIX);
    const created = new Date(start + Math.floor((span * i) / options.count) + Math.floor(r() * 60_000));
    const updated = new Date(Math.min(options.until.getTime(), created.getTime() + Math.floor(r() * 30 * 86_400_000)));
    const flow = options.fixFlow ?? (FLOW1_ONLY.has(status) ? 'flow1' : FLOW2_ONLY.has(status) ? 'flow2' : HAS_FLOW.has(status) ? (r() < 0.8 ? 'flow1' : 'flow2') : null);
    const services = Array.from({ length: Math.floor(r() * 4) }, () => pick(r, SERVICES));
    const paragraphs = 1 + Math.floor(r() * 3);
    const analysed = flow === 'flow1' && ANALYSED.has(status);
    const files = analysed ? [...new Set([pick(r, FILES), ...(r() < 0.4 ? [pick(r, FILES)] : [])])] : [];
    const fixer = HAS_FIX.has(status) ? pick(r, PEOPLE) : null;
    const fixAt = new Date(created.getTime() + Math.floor((updated.getTime() - created.getTime()) / 2)).toISOString();
    rows.push({
      system: options.system,
      title: sentence(r, 4, 10),
      description: Array.from({ length: paragraphs }, () => `${sentence(r, 12, 40)}.`).join('\n\n'),
      severity,
      status,
      found_in_env: r() < 0.6 ? 'uat' : 'prod',
      module: r() < 0.3 ? null : pick(r, ['checkout', 'financial']),
      services: JSON.stringify([...new Set(services)]),
      fix_flow: flow,
      flow_reason: flow ? (flow === 'flow1' ? FLOW_REASONS[0]! : FLOW_REASONS[1]!) : null,
      flow_hold: null,
      flow_override_reason: flow && r() < 0.02 ? FLOW_REASONS[2]! : null,
      reporter: pick(r, PEOPLE),
      fix_attached_by: fixer,
      fix_refs: JSON.stringify(
        fixer ? Array.from({ length: 1 + Math.floor(r() * 2) }, () => ({ kind: 'commit', ref: hex(r, 40), commit: hex(r, 40), attachedBy: fixer, at: fixAt })) : [],
      ),
      analysis: analysed
        ? JSON.stringify({
            files,
            services: [...new Set(services)],
            linesAdded: 2 + Math.floor(r() * 40),
            linesRemoved: Math.floor(r() * 20),
            migrations: files.filter((f) => f.startsWith('db/')),
            risk: r() < 0.7 ? 'low' : 'medium',
            note: 'touches one module; no schema change outside the migration',
          })
        : null,
      ai_fix_diff: analysed ? diff(r, files) : null,
      runs_at: QUEUED.has(status) ? new Date(updated.getTime() + 3_600_000).toISOString() : null,
      version: 1 + Math.floor(r() * 8),
      created_at: created.toISOString(),
      updated_at: updated.toISOString(),
    });
  }
  return rows;
}

/** Inserts into an SQLite file with one prepared statement, in transactions of 10,000 rows. Returns the new ids. */
export function insertSqlite(file: string, rows: readonly Row[]): number[] {
  const db = new SQLite(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const insert = db.prepare(`insert into bugs (${COLUMNS.join(', ')}) values (${COLUMNS.map(() => '?').join(', ')})`);
    const ids: number[] = [];
    const chunk = db.transaction((part: readonly Row[]) => {
      for (const row of part) ids.push(Number(insert.run(...COLUMNS.map((c) => row[c])).lastInsertRowid));
    });
    for (let i = 0; i < rows.length; i += 10_000) chunk(rows.slice(i, i + 10_000));
    db.exec('analyze');
    return ids;
  } finally {
    db.close();
  }
}

/** Inserts into PostgreSQL with `insert … select from unnest(arrays)`, 5,000 rows a statement. Returns the new ids. */
export async function insertPostgres(url: string, rows: readonly Row[]): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const types = COLUMNS.map((c) => (c === 'version' ? 'int[]' : 'text[]'));
    const text =
      `insert into bugs (${COLUMNS.join(', ')}) select * from unnest(${types.map((t, i) => `$${i + 1}::${t}`).join(', ')}) ` +
      'returning id';
    const ids: number[] = [];
    for (let i = 0; i < rows.length; i += 5000) {
      const part = rows.slice(i, i + 5000);
      const res = await client.query<{ id: number }>(text, COLUMNS.map((c) => part.map((row) => row[c])));
      for (const r of res.rows) ids.push(r.id);
    }
    await client.query('vacuum analyze bugs');
    return ids.sort((a, b) => a - b);
  } finally {
    await client.end();
  }
}
