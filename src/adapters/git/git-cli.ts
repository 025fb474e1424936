/**
 * The git command line as a child process: arguments are passed as an array (never a shell
 * string), every call has a timeout, and the exit code is returned rather than thrown.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

export type GitResult = { code: number; stdout: string; stderr: string };

export type GitOptions = { timeoutMs?: number; /** Extra environment, e.g. GIT_INDEX_FILE. */ env?: Record<string, string> };

export function runGit(cwd: string, args: readonly string[], options: GitOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...args],
      {
        cwd,
        timeout: options.timeoutMs ?? 30_000,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...options.env },
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          // Not an exit status: git missing, killed by the timeout, or the folder is gone.
          const why = error.killed
            ? `timed out after ${options.timeoutMs ?? 30_000} ms`
            : error.code === 'ENOENT' && !existsSync(cwd)
              ? `the folder ${cwd} does not exist (was the repository moved or deleted?)`
              : error.message;
          reject(new Error(`git ${args.join(' ')} in ${cwd}: ${why}`));
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout: stdout.toString(), stderr: stderr.toString() });
      },
    );
  });
}

/** Like runGit, but a non-zero exit is an error that carries git's own message. */
export async function git(cwd: string, args: readonly string[], options: GitOptions = {}): Promise<string> {
  const r = await runGit(cwd, args, options);
  if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (exit ${r.code}) in ${cwd}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout.trim();
}
