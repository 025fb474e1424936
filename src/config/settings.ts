/**
 * Process settings from the environment: where the server listens, where it keeps its files,
 * which database and configuration file it uses. Secrets come from here, never from the file.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isLocalDate, parseFreezeSwitch, parseModuleList, type FreezeFlags } from '../features/freezes/freeze-rules.ts';
import { LOG_LEVELS, type LogLevel } from '../shared/logger.ts';

export type Settings = {
  /** TONIC_HOME: the server's own files (SQLite database, demo system, repositories). */
  home: string;
  host: string;
  port: number;
  /** DATABASE_URL, or the SQLite file under home. */
  databaseUrl: string;
  /** TONIC_CONFIG, or ./tonic.config.yaml when it exists; null runs the demo system. */
  configFile: string | null;
  /** TONIC_ADMIN_TOKEN: a valid admin API token for automation and first use. */
  adminToken: string | null;
  /** TONIC_RUN_LEASE_SECONDS: how long a run's claim lives without renewal (default 60). */
  runLeaseMs: number;
  /** TONIC_SCHEDULER_TICK_SECONDS: how often the scheduler looks for due slots (default 15). */
  schedulerTickMs: number;
  /** DEPLOY_FREEZE, DEPLOY_FREEZE_MODULES, DEPLOY_FREEZE_UNTIL (SEED.md): freezes every system; null when none is set. */
  freeze: FreezeFlags | null;
  /**
   * TONIC_TRUST_PROXY: behind a reverse proxy, trust its X-Forwarded-For/-Proto (true, or the
   * proxy's addresses/CIDRs, comma-separated): client addresses for the sign-in limit, and TLS
   * for Secure session cookies. Off by default.
   */
  trustProxy: boolean | string;
  /** TONIC_NOTIFY_TICK_SECONDS: how often the delivery worker drains the outbox (default 5). */
  notifyTickMs: number;
  /** LOG_LEVEL: fatal, error, warn, info (default), debug, trace or silent. */
  logLevel: LogLevel;
  /**
   * TONIC_SHUTDOWN_GRACE_SECONDS: on SIGTERM/SIGINT, how long a running deploy may go on before
   * the server records what it left and exits (default 60).
   */
  shutdownGraceMs: number;
};

export class SettingsError extends Error {
  override name = 'SettingsError';
}

export function readSettings(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Settings {
  const home = resolve(cwd, env.TONIC_HOME || '.tonic');
  const port = env.PORT ? Number(env.PORT) : 4100;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SettingsError(`PORT=${env.PORT} is not a TCP port: use a whole number from 0 to 65535`);
  }
  let configFile: string | null = null;
  if (env.TONIC_CONFIG) {
    configFile = resolve(cwd, env.TONIC_CONFIG);
  } else if (existsSync(join(cwd, 'tonic.config.yaml'))) {
    configFile = join(cwd, 'tonic.config.yaml');
  }
  const adminToken = env.TONIC_ADMIN_TOKEN || null;
  if (adminToken !== null && adminToken.length < 16) {
    throw new SettingsError('TONIC_ADMIN_TOKEN is shorter than 16 characters: use a long random value (openssl rand -hex 32)');
  }
  const seconds = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback * 1000;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) throw new SettingsError(`${name}=${raw} is not a number of seconds from ${min} to ${max}`);
    return Math.round(n * 1000);
  };
  return {
    home,
    runLeaseMs: seconds('TONIC_RUN_LEASE_SECONDS', 60, 1, 3600),
    schedulerTickMs: seconds('TONIC_SCHEDULER_TICK_SECONDS', 15, 0.1, 3600),
    notifyTickMs: seconds('TONIC_NOTIFY_TICK_SECONDS', 5, 0.1, 3600),
    host: env.HOST || '127.0.0.1',
    port,
    databaseUrl: env.DATABASE_URL || join(home, 'tonic.sqlite'),
    configFile,
    adminToken,
    freeze: readFreezeEnvironment(env),
    trustProxy: trustProxyOf(env.TONIC_TRUST_PROXY),
    logLevel: logLevelOf(env.LOG_LEVEL),
    shutdownGraceMs: seconds('TONIC_SHUTDOWN_GRACE_SECONDS', 60, 0, 3600),
  };
}

function logLevelOf(raw: string | undefined): LogLevel {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '') return 'info';
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  throw new SettingsError(`LOG_LEVEL=${raw} is not a log level: use one of ${LOG_LEVELS.join(', ')}`);
}

/**
 * SEED.md's freeze flags. A value that cannot be read stops the server rather than being ignored:
 * an ignored freeze would deploy into it.
 */
export function readFreezeEnvironment(env: NodeJS.ProcessEnv): FreezeFlags | null {
  const raw = (name: string) => (env[name] ?? '').trim();
  const [freeze, modules, until] = [raw('DEPLOY_FREEZE'), raw('DEPLOY_FREEZE_MODULES'), raw('DEPLOY_FREEZE_UNTIL')];
  if (!freeze && !modules && !until) return null;
  const all = freeze ? parseFreezeSwitch(freeze) : null;
  if (all === undefined) throw new SettingsError(`DEPLOY_FREEZE=${env.DEPLOY_FREEZE} is neither true nor false: set DEPLOY_FREEZE=true to stop every scheduled deploy, or unset it`);
  const list = parseModuleList(modules);
  const bad = list.find((m) => !/^[a-z][a-z0-9-]{0,39}$/.test(m));
  if (bad !== undefined) {
    throw new SettingsError(`DEPLOY_FREEZE_MODULES=${env.DEPLOY_FREEZE_MODULES} names "${bad}", which is not a module name: list module names separated by commas, e.g. financial,billing`);
  }
  if (until && !isLocalDate(until)) {
    throw new SettingsError(
      `DEPLOY_FREEZE_UNTIL=${env.DEPLOY_FREEZE_UNTIL} is not a date: write YYYY-MM-DD (the freeze lifts at 00:00 of that date in each system's time zone), or unset it; the server does not start rather than ignore a freeze`,
    );
  }
  return { all, modules: list, until: until || null };
}

/**
 * DEPLOY_FREEZE_MODULES names modules of the configured systems; a name no system has is a typo
 * that would freeze nothing, so the server refuses it. Each system applies the names it has.
 */
export function checkFreezeEnvironment(freeze: FreezeFlags | null, systems: readonly { name: string; modules: readonly string[] }[]): void {
  if (!freeze) return;
  const known = [...new Set(systems.flatMap((s) => s.modules))].sort();
  const unknown = freeze.modules.filter((m) => !known.includes(m));
  if (unknown.length > 0) {
    throw new SettingsError(
      `DEPLOY_FREEZE_MODULES names ${unknown.map((m) => `"${m}"`).join(', ')}, a module of no configured system (${known.length ? `known modules: ${known.join(', ')}` : 'no system declares modules'}): correct it or unset it`,
    );
  }
}

function trustProxyOf(raw: string | undefined): boolean | string {
  const value = raw?.trim() ?? '';
  if (value === '' || ['0', 'false', 'no', 'off'].includes(value.toLowerCase())) return false;
  if (['1', 'true', 'yes', 'on'].includes(value.toLowerCase())) return true;
  return value;
}
