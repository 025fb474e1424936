/**
 * The built-in analyzer: deterministic, from the fix's own diff. It fills the bug's analysis (files
 * and services touched, lines changed, migrations touched, a risk note) and its fix diff. An LLM
 * analyzer can implement the same port later.
 */
import { describeCommits } from '../git/release-builder.ts';

export type Analysis = {
  files: string[];
  services: string[];
  linesAdded: number;
  linesRemoved: number;
  migrations: string[];
  risk: 'low' | 'medium' | 'high';
  note: string;
};

export type AnalysisInput = { id: number; commits: readonly string[]; services: readonly string[] };

export interface Analyzer {
  /** Analyses every bug of a run at once; a bug missing from the answer could not be analysed. */
  analyze(repoPath: string, fixes: readonly AnalysisInput[]): Promise<Map<number, { analysis: Analysis; diff: string }>>;
}

const MAX_DIFF_BYTES = 200_000;

const MIGRATION = /(^|\/)(migrations?|migrate|db\/schema)(\/|\.)/i;

export function assessRisk(stats: { files: number; lines: number; migrations: number }): { risk: Analysis['risk']; note: string } {
  if (stats.migrations > 0) return { risk: 'high', note: `touches ${stats.migrations} migration file(s): deploy the migration first and check its down path` };
  if (stats.lines > 500 || stats.files > 20) return { risk: 'high', note: `a large change (${stats.lines} lines in ${stats.files} files) for a bug fix: review it before T2` };
  if (stats.lines > 100 || stats.files > 5) return { risk: 'medium', note: `${stats.lines} lines in ${stats.files} files: validate the neighbouring features too` };
  return { risk: 'low', note: `a small change (${stats.lines} lines in ${stats.files} files)` };
}

export function createDiffAnalyzer(): Analyzer {
  return {
    async analyze(repoPath, fixes) {
      const described = await describeCommits(repoPath, fixes.flatMap((f) => f.commits));
      const results = new Map<number, { analysis: Analysis; diff: string }>();
      for (const fix of fixes) {
        const byFile = new Map<string, { added: number; removed: number }>();
        let diff = '';
        for (const commit of fix.commits) {
          const d = described.get(commit);
          if (!d) continue;
          for (const s of d.stats) {
            const f = byFile.get(s.file) ?? { added: 0, removed: 0 };
            f.added += s.added;
            f.removed += s.removed;
            byFile.set(s.file, f);
          }
          diff += d.patch;
        }
        const files = [...byFile.keys()].sort();
        const linesAdded = [...byFile.values()].reduce((n, s) => n + s.added, 0);
        const linesRemoved = [...byFile.values()].reduce((n, s) => n + s.removed, 0);
        const migrations = files.filter((f) => MIGRATION.test(f));
        const { risk, note } = assessRisk({ files: files.length, lines: linesAdded + linesRemoved, migrations: migrations.length });
        results.set(fix.id, {
          analysis: { files, services: [...fix.services], linesAdded, linesRemoved, migrations, risk, note },
          diff: diff.length > MAX_DIFF_BYTES ? `${diff.slice(0, MAX_DIFF_BYTES)}\n… (truncated)\n` : diff,
        });
      }
      return results;
    },
  };
}
