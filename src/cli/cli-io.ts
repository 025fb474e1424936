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
