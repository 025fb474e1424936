/**
 * The `tonic` command line. Server-side commands (serve, migrate, init, audit verify) work on
 * files and the database directly; the rest talk to a running server over the API (TONIC_URL,
 * TONIC_TOKEN). Returns the exit status: 0 done, 1 refused or failed, 2 wrong usage.
 */
import { DatabaseUnavailableError, SchemaVersionError } from '../adapters/db/database.ts';
import { ConfigError } from '../config/load-config.ts';
import { SettingsError } from '../config/settings.ts';
import { runAnalyze } from './analyze-command.ts';
import { ApiError, ConnectionError } from './api-client.ts';
import { UsageError } from './args.ts';
import { runAudit } from './audit-command.ts';
import { runBackup, runRestore } from './backup-commands.ts';
import { runBugs } from './bug-commands.ts';
import { runCheck, runChecks } from './checklist-commands.ts';
import { runConfig } from './config-commands.ts';
import { processIo, type CliIo } from './cli-io.ts';
import { runFreeze } from './freeze-commands.ts';
import { runInit } from './init-command.ts';
import { runNotifications } from './notification-commands.ts';
import { runDeployments, runReleases } from './release-commands.ts';
import { runDeployLock, runRollback, runRollbacks } from './rollback-commands.ts';
import { runPlan, runRun, runRuns } from './run-commands.ts';
import { runMigrate, runServe } from './server-commands.ts';
import { runEnv, runSystems } from './system-commands.ts';
import { runHotfix } from './hotfix-commands.ts';
import { HELP } from './usage.ts';
import { runTokens, runUsers } from './user-commands.ts';

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await runServe(rest, io);
      case 'migrate':
        return await runMigrate(rest, io);
      case 'init':
        return runInit(rest, io);
      case 'config':
        return await runConfig(rest, io);
      case 'backup':
        return await runBackup(rest, io);
      case 'restore':
        return await runRestore(rest, io);
      case 'audit':
        return await runAudit(rest, io);
      case 'systems':
        return await runSystems(rest, io);
      case 'env':
        return await runEnv(rest, io);
      case 'bugs':
        return await runBugs(rest, io);
      case 'plan':
        return await runPlan(rest, io);
      case 'run':
        return await runRun(rest, io);
      case 'runs':
        return await runRuns(rest, io);
      case 'check':
        return await runCheck(rest, io);
      case 'checks':
        return await runChecks(rest, io);
      case 'analyze':
        return await runAnalyze(rest, io);
      case 'releases':
        return await runReleases(rest, io);
      case 'deployments':
        return await runDeployments(rest, io);
      case 'freeze':
        return await runFreeze(rest, io);
      case 'rollback':
        return await runRollback(rest, io);
      case 'rollbacks':
        return await runRollbacks(rest, io);
      case 'deploy-lock':
        return await runDeployLock(rest, io);
      case 'hotfix':
        return await runHotfix(rest, io);
      case 'users':
        return await runUsers(rest, io);
      case 'tokens':
        return await runTokens(rest, io);
      case 'notifications':
        return await runNotifications(rest, io);
      case 'help':
      case '--help':
      case '-h':
        io.out(HELP);
        return 0;
      case undefined:
        io.err(HELP);
        return 2;
      default:
        io.err(`error: unknown command "${command}"`);
        io.err('run `tonic help` for the list of commands');
        return 2;
    }
  } catch (error) {
    return report(error, io);
  }
}

/** Known failures become one line on stderr and an exit status; anything else is a bug: rethrow. */
function report(error: unknown, io: CliIo): number {
  if (error instanceof UsageError) {
    io.err(`error: ${error.message}`);
    io.err(`usage: ${error.usage}`);
    return 2;
  }
  if (error instanceof ApiError) {
    const { detail, code, status } = error.problem;
    io.err(`error: ${detail} (${code}, HTTP ${status})`);
    return 1;
  }
  if (error instanceof ConnectionError || error instanceof SettingsError || error instanceof SchemaVersionError || error instanceof DatabaseUnavailableError) {
    io.err(`error: ${error.message}`);
    return 1;
  }
  if (error instanceof ConfigError) {
    io.err(error.message);
    return 1;
  }
  throw error;
}
