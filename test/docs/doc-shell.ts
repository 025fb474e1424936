/**
 * Running the shell commands a document shows, as written: its ```sh blocks become one bash
 * script, each command a checked step. A command whose comment says "refused" must fail; every
 * other must succeed. A command ending in `&` starts a server in the background: the script waits
 * for it to answer (on the PORT the line sets, else TONIC_URL) as a person would before going on.
 */
import { spawn } from 'node:child_process';

/** Signals every process of the group and waits until none is left (SIGKILL after 10 s). */
export async function stopGroup(pgid: number, signal: NodeJS.Signals): Promise<void> {
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(-pgid, signal);
  for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive()) process.kill(-pgid, 'SIGKILL');
}

/** The lines of every ```sh block of a Markdown document, in order. */
export function shellBlocks(markdown: string): string[] {
  const lines: string[] = [];
  for (const m of markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) lines.push(...m[1]!.replace(/\n$/, '').split('\n'));
  return lines;
}

/** `url` is a JavaScript expression: a quoted URL, or process.env.TONIC_URL. */
const waitFor = (url: string) =>
  `for i in $(seq 1 600); do node -e "fetch(${url} + '/api/v1/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" && break; sleep 0.2; done`;

/** Each command becomes a checked step; comments and blank lines stay as they are. */
export function shellScript(lines: readonly string[]): string {
  const out = ['set -u', "trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT"];
  for (const line of lines) {
    const command = line.replace(/\s+#.*$/, '').trim();
    if (command === '' || command.startsWith('#')) continue;
    const shown = JSON.stringify(line.trim());
    if (/&$/.test(command)) {
      const port = /\bPORT=(\d+)/.exec(command)?.[1];
      out.push(`echo "$ ${command.replaceAll('"', '\\"')}"`, command, waitFor(port ? `'http://127.0.0.1:${port}'` : 'process.env.TONIC_URL'));
    } else if (/#.*\brefused\b/.test(line)) {
      out.push(`echo "$ ${command.replaceAll('"', '\\"')}"`, `if ${command}; then echo "NOT REFUSED: "${shown}; exit 1; fi`);
    } else {
      out.push(`echo "$ ${command.replaceAll('"', '\\"')}"`, `${command} || { echo "FAILED: "${shown}; exit 1; }`);
    }
  }
  return out.join('\n');
}

/**
 * Runs the script with bash in its own process group (whatever it starts in the background is
 * stopped with it), with the caller's environment cleared of Tonic settings plus `env`.
 */
export async function runShellScript(file: string, options: { cwd: string; env: Record<string, string>; timeoutMs: number }): Promise<{ code: number | null; output: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TONIC_') && k !== 'DATABASE_URL' && k !== 'PORT'));
  const child = spawn('bash', [file], { cwd: options.cwd, env: { ...base, LOG_LEVEL: 'warn', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((ok) => child.once('exit', ok));
  const timer = setTimeout(() => void stopGroup(child.pid!, 'SIGKILL'), options.timeoutMs);
  const code = await exited;
  clearTimeout(timer);
  await stopGroup(child.pid!, 'SIGTERM');
  return { code, output };
}
