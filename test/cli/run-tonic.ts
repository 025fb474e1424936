/**
 * Runs the real `tonic` command (node bin/tonic.js) as a child process, as a user would, with an
 * environment cleared of the caller's Tonic settings.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/tonic.js', import.meta.url));
const TIMEOUT_MS = 20_000;

export type TonicRun = { code: number | null; stdout: string; stderr: string };

/** `input`, when given, is written to the command's standard input. */
export function runTonic(args: string[], env: Record<string, string> = {}, cwd = ROOT, input?: string): Promise<TonicRun> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('TONIC_') && !['DATABASE_URL', 'HOST', 'PORT'].includes(k)),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...base, ...env }, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (input !== undefined) child.stdin!.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tonic ${args.join(' ')} did not finish within ${TIMEOUT_MS} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
