/** Real git repositories in temporary folders, for flow selection and (later) release building. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { git } from '../../src/adapters/git/git-cli.ts';

const AUTHOR = ['-c', 'user.name=Test', '-c', 'user.email=test@tonic.invalid', '-c', 'commit.gpgsign=false'];

export type TestRepo = { path: string; commit(message: string, files?: Record<string, string>): Promise<string>; git(...args: string[]): Promise<string>; remove(): void };

export async function createTestRepo(): Promise<TestRepo> {
  const path = mkdtempSync(join(tmpdir(), 'tonic-repo-'));
  await git(path, ['init', '--quiet', '--initial-branch=main']);
  let n = 0;
  return {
    path,
    async commit(message, files = { [`file-${++n}.txt`]: `${message}\n` }) {
      for (const [name, content] of Object.entries(files)) {
        mkdirSync(dirname(join(path, name)), { recursive: true });
        writeFileSync(join(path, name), content);
      }
      await git(path, ['add', '-A']);
      await git(path, [...AUTHOR, 'commit', '--quiet', '-m', message]);
      return git(path, ['rev-parse', 'HEAD']);
    },
    git: (...args) => git(path, args),
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}
