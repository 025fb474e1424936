/**
 * The `command` deploy driver: runs a configured program with placeholders filled in each
 * argument (no shell: values cannot inject commands), the same values as TONIC_* environment
 * variables, a working directory and a timeout. Output goes line by line to the deployment's log;
 * the exit code decides.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { DeployFailure, fillPlaceholders, placeholders, type DeployDriver, type DeployLog, type DeployTarget } from './deploy-driver.ts';

const OUTPUT_GRACE_MS = 1000;

export type CommandDriverConfig = {
  /** argv: program then arguments, each may hold {placeholders}. */
  command: readonly string[];
  workdir?: string;
  timeoutMs: number;
  env?: Record<string, string>;
};

export function createCommandDriver(config: CommandDriverConfig): DeployDriver {
  return {
    kind: 'command',
    deploy(target: DeployTarget, log: DeployLog): Promise<void> {
      const values = placeholders(target);
      const [program, ...args] = config.command.map((part) => fillPlaceholders(part, values));
      if (!program) return Promise.reject(new DeployFailure('the deploy command is empty'));
      const cwd = config.workdir ? fillPlaceholders(config.workdir, values) : target.workdir;
      const env = {
        ...process.env,
        ...config.env,
        ...Object.fromEntries(Object.entries(values).map(([k, v]) => [`TONIC_${k.toUpperCase()}`, v])),
      };
      log('tonic', `$ ${[program, ...args].join(' ')}  (in ${cwd})`);
      return new Promise((resolve, reject) => {
        // detached: the command gets its own process group, so a timeout stops its children too.
        const child = spawn(program, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
        const streams = (['stdout', 'stderr'] as const).map((stream) => {
          const lines = createInterface({ input: child[stream] });
          lines.on('line', (line) => log(stream, line));
          return new Promise<void>((ok) => lines.on('close', () => ok()));
        });
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          log('tonic', `timed out after ${config.timeoutMs} ms: stopping the command`);
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            child.kill('SIGKILL');
          }
        }, config.timeoutMs);
        child.once('error', (error) => {
          clearTimeout(timer);
          reject(new DeployFailure(`cannot run ${program} in ${cwd}: ${error.message}`));
        });
        // The exit code decides. A deploy script may leave a process running that holds its output
        // open (`./server &`): read what is there for a moment, then stop listening, not waiting.
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          const drained = Promise.race([Promise.all(streams), new Promise((ok) => setTimeout(ok, OUTPUT_GRACE_MS))]);
          void drained.then(() => {
            child.stdout?.destroy();
            child.stderr?.destroy();
            if (timedOut) reject(new DeployFailure(`the deploy command did not finish within ${Math.round(config.timeoutMs / 1000)} s and was stopped`));
            else if (code === 0) resolve();
            else reject(new DeployFailure(`the deploy command exited with ${code ?? signal}`));
          });
        });
      });
    },
  };
}
