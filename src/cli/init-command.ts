/**
 * `tonic init`: writes the commented starter tonic.config.yaml, never over an existing file
 * unless --force says so.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { starterConfigYaml } from '../config/starter-config.ts';
import { noPositionals, parseCommand } from './args.ts';
import { printUsage, type CliIo } from './cli-io.ts';
import { USAGE } from './usage.ts';

export function runInit(args: string[], io: CliIo): number {
  const usage = USAGE.init;
  const { values, positionals } = parseCommand(args, { path: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const file = resolve(io.cwd, values.path ?? 'tonic.config.yaml');
  const shown = relative(io.cwd, file) || file;
  try {
    mkdirSync(dirname(file), { recursive: true });
    // 'wx' fails if the file exists: no window between a check and the write.
    writeFileSync(file, starterConfigYaml(), { flag: values.force ? 'w' : 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      io.err(`error: ${shown} already exists; pass --force to overwrite it, or --path FILE to write another file`);
      return 1;
    }
    throw error;
  }
  io.out(`wrote ${shown}: edit it, then start the server with \`tonic serve\``);
  if (file !== join(io.cwd, 'tonic.config.yaml')) io.out(`the server reads ./tonic.config.yaml by default: set TONIC_CONFIG=${file} to use this file`);
  return 0;
}
