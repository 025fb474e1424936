/**
 * `tonic config check`: validates the configuration file, then checks from this machine what the
 * file points at (repositories, lines, URLs, deploy commands, Prometheus queries, the analyzer,
 * the checklist's targets, the schedule around daylight saving); `--send-test` also sends a test
 * message through every notification channel.
 */
import { resolve } from 'node:path';
import { loadConfigFile } from '../config/load-config.ts';
import { readSettings } from '../config/settings.ts';
import { systemClock } from '../shared/clock.ts';
import { dispatch, printJson, printUsage, type CliIo } from './cli-io.ts';
import { noPositionals, parseCommand, UsageError } from './args.ts';
import { USAGE } from './usage.ts';

export function runConfig(args: string[], io: CliIo): Promise<number> {
  return dispatch('config', args, io, USAGE.configCheck, { check: runConfigCheck });
}

const MARK = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;

async function runConfigCheck(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.configCheck;
  const { values, positionals } = parseCommand(
    args,
    { file: { type: 'string' }, timeout: { type: 'string' }, 'send-test': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    usage,
  );
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const timeoutSeconds = values.timeout === undefined ? 5 : Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 120) throw new UsageError(`--timeout ${values.timeout} is not a number of seconds from 0 to 120`, usage);
  const file = values.file ? resolve(io.cwd, values.file) : readSettings(io.env, io.cwd).configFile;
  if (!file) {
    io.err('error: no configuration file: the server would run the demo. Give --file, set TONIC_CONFIG, or write one with `tonic init`');
    return 1;
  }
  // An invalid file is a ConfigError: main() prints every problem with its key path.
  const config = loadConfigFile(file, io.env);
  const { checkConfiguration } = await import('../features/config-check/config-check.ts');
  const results = await checkConfiguration(config, { timeoutMs: timeoutSeconds * 1000, now: systemClock.now(), env: io.env, sendTest: values['send-test'] === true });
  const failed = results.filter((r) => r.result === 'fail').length;
  if (values.json) {
    printJson(io, { file, valid: true, results });
    return failed > 0 ? 1 : 0;
  }
  io.out(`${file}: valid (${config.systems.length} system(s))`);
  for (const r of results) io.out(`${MARK[r.result]}  ${r.system}  ${r.check}: ${r.detail}`);
  const warned = results.filter((r) => r.result === 'warn').length;
  io.out(failed > 0 ? `${failed} problem(s) to fix, ${warned} warning(s)` : `no problems, ${warned} warning(s)`);
  return failed > 0 ? 1 : 0;
}
