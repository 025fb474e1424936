/**
 * What a command may touch of its process: its output streams, environment and working
 * directory. main() builds it from the real process; passing another keeps commands testable.
 */
export type CliIo = {
  /** One line (or block) of normal output, to stdout. */
  out(text: string): void;
  /** Errors and notes for people, to stderr. */
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
};

export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    cwd: process.cwd(),
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
