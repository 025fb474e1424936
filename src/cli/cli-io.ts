/**
 * What a command may touch of its process: its output streams, environment and working
 * directory. main() builds it from the real process; passing another keeps commands testable.
 */
import { UsageError } from './args.ts';
export type CliIo = {
  /** One line (or block) of normal output, to stdout. */
  out(text: string): void;
  /** Errors and notes for people, to stderr. */
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** All of standard input (for secrets given with --password-stdin). */
  readStdin?(): Promise<string>;
};

export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    cwd: process.cwd(),
    readStdin: async () => {
      let text = '';
      for await (const chunk of process.stdin) text += String(chunk);
      return text;
    },
  };
}

/** --json output: the API's answer as it came, indented. */
export function printJson(io: CliIo, value: unknown): number {
  io.out(JSON.stringify(value, null, 2));
  return 0;
}

export function printUsage(io: CliIo, usage: string): number {
  io.out(`usage: ${usage}`);
  return 0;
}

export type Subcommands = Record<string, (rest: string[], io: CliIo) => Promise<number>>;

/** `tonic <group> <sub> …`: runs the named subcommand, or prints the group's usage. */
export async function dispatch(group: string, args: string[], io: CliIo, usage: string, subcommands: Subcommands): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'help' || sub === '--help' || sub === '-h') return printUsage(io, usage);
  if (sub === undefined) throw new UsageError(`which ${group} command?`, usage);
  const run = Object.hasOwn(subcommands, sub) ? subcommands[sub] : undefined;
  if (!run) throw new UsageError(`unknown command "${group} ${sub}"`, usage);
  return run(rest, io);
}
