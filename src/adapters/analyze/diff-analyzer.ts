/**
 * The built-in analyzer: deterministic, from the fix's own diff. It fills the bug's analysis (files
 * and services touched, lines changed, migrations touched, a risk note) and its fix diff. An LLM
 * analyzer can implement the same port later.
 */
import { diffStat, showPatch } from '../git/release-builder.ts';

export type Analysis = {
  files: string[];
  services: string[];
  linesAdded: number;
  linesRemoved: number;
  migrations: string[];
  risk: 'low' | 'medium' | 'high';
  note: string;
};

export interface Analyzer {
  analyze(input: { repoPath: string; commits: readonly string[]; services: readonly string[] }): Promise<{ analysis: Analysis; diff: string }>;
}

const MIGRATION = /(^|\/)(migrations?|migrate|db\/schema)(\/|\.)/i;

export function assessRisk(stats: { files: number; lines: number; migrations: number }): { risk: Analysis['risk']; note: string } {
  if (stats.migrations > 0) return { risk: 'high', note: `touches ${stats.migrations} migration file(s): deploy the migration first and check its down path` };
  if (stats.lines > 500 || stats.files > 20) return { risk: 'high', note: `a large change (${stats.lines} lines in ${stats.files} files) for a bug fix: review it before T2` };
  if (stats.lines > 100 || stats.files > 5) return { risk: 'medium', note: `${stats.lines} lines in ${stats.files} files: validate the neighbouring features too` };
  return { risk: 'low', note: `a small change (${stats.lines} lines in ${stats.files} files)` };
}

export function createDiffAnalyzer(): Analyzer {
  return {
    async analyze({ repoPath, commits, services }) {
      const stats = await diffStat(repoPath, commits);
      const files = stats.map((s) => s.file).sort();
      const linesAdded = stats.reduce((n, s) => n + s.added, 0);
      const linesRemoved = stats.reduce((n, s) => n + s.removed, 0);
      const migrations = files.filter((f) => MIGRATION.test(f));
      const { risk, note } = assessRisk({ files: files.length, lines: linesAdded + linesRemoved, migrations: migrations.length });
      return {
        analysis: { files, services: [...services], linesAdded, linesRemoved, migrations, risk, note },
        diff: await showPatch(repoPath, commits),
      };
    },
  };
}
