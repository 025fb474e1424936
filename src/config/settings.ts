/**
 * Process settings from the environment: where the server listens, where it keeps its files,
 * which database and configuration file it uses. Secrets come from here, never from the file.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

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
  /** TONIC_NOTIFY_TICK_SECONDS: how often the delivery worker drains the outbox (default 5). */
  notifyTickMs: number;
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
  };
}
