/**
 * `tonic serve`: load settings and configuration, open and migrate the database, wire Tonic,
 * listen, and shut down gracefully on SIGINT/SIGTERM: stop taking new work, let a running deploy
 * finish within the grace period (TONIC_SHUTDOWN_GRACE_SECONDS), record what is left, exit.
 */
import { openDatabase, migrateToLatest } from '../adapters/db/database.ts';
import { loadConfigFile } from '../config/load-config.ts';
import { checkFreezeEnvironment, readSettings, type Settings } from '../config/settings.ts';
import { composeTonic } from '../compose.ts';
import { leaveServerMarker, SERVER_APPLICATION_NAME } from '../features/backup/server-marker.ts';
import { ensureDemoSignIn, type DemoSignIn } from '../demo/demo-sign-in.ts';
import { ensureDemoFiles, seedDemo, startDemoEnvironments } from '../demo/demo-system.ts';
import { configurationWarnings } from '../features/services/service-paths.ts';
import { systemClock } from '../shared/clock.ts';
import { createLogger, secretValuesIn } from '../shared/logger.ts';
import { buildApp } from './app.ts';
import { createDrainGate } from './drain.ts';

/** After the grace period: how long closing connections and the database may take before a hard exit. */
const CLOSE_TIMEOUT_MS = 10_000;
/** How often the drain looks whether the work in flight has finished. */
const DRAIN_POLL_MS = 100;

export async function startServer(settings: Settings = readSettings()) {
  const demo = settings.configFile === null;
  const configFile = settings.configFile ?? (await ensureDemoFiles(settings.home));
  const config = loadConfigFile(configFile);
  checkFreezeEnvironment(settings.freeze, config.systems);
  const logger = createLogger({ level: settings.logLevel, secrets: knownSecrets(settings, config) });
  const database = await openDatabase({ url: settings.databaseUrl, applicationName: SERVER_APPLICATION_NAME });
  try {
    await migrateToLatest(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  const tonic = composeTonic({ database, config, clock: systemClock, home: settings.home, leaseMs: settings.runLeaseMs, freezeEnvironment: settings.freeze, logger });
  await tonic.identity.bootstrap(settings.adminToken);
  let stopDemo = () => {};
  let demoSignIn: DemoSignIn = null;
  if (demo) {
    await seedDemo(tonic);
    demoSignIn = await ensureDemoSignIn(tonic, settings.home);
    stopDemo = await startDemoEnvironments(tonic, settings.home);
  }
  const drain = createDrainGate();
  const app = await buildApp(tonic, { logger, drain, trustProxy: settings.trustProxy });
  try {
    await app.listen({ host: settings.host, port: settings.port });
  } catch (error) {
    stopDemo();
    await tonic.close();
    throw new Error(`cannot listen on ${settings.host}:${settings.port}: ${(error as Error).message} (set HOST and PORT)`, { cause: error });
  }
  const stopScheduler = tonic.scheduler.start(settings.schedulerTickMs);
  const stopNotifications = tonic.notifications.start(settings.notifyTickMs);
  const address = `http://${settings.host}:${(app.server.address() as { port: number }).port}`;
  const removeMarker = leaveServerMarker(settings.home, { pid: process.pid, address, database: database.location, startedAt: systemClock.now().toISOString() });
  // Plain lines for people (the log is JSON): where the dashboard is and, in the demo, how to sign in.
  if (demoSignIn) {
    console.log(`Dashboard: ${address}/  sign in as ${demoSignIn.username} with password ${demoSignIn.password}  (demo; kept in ${demoSignIn.file})`);
  } else {
    console.log(`Dashboard: ${address}/  (users sign in with the password an admin set: tonic users set-password NAME --password-stdin)`);
  }
  app.log.info(
    { database: database.location, config: configFile, demo, systems: config.systems.map((s) => s.name) },
    `Tonic Deploy listening on ${address}`,
  );
  // What the file is allowed to say but is probably wrong (a service path glob matching no file):
  // logged, not refused. In the background: a remote repository may take a while to clone.
  void configurationWarnings(config, settings.home).then(
    (warnings) => {
      for (const warning of warnings) app.log.warn({ config: configFile }, `configuration warning: ${warning}`);
    },
    (error: unknown) => app.log.warn(`configuration warnings could not be checked: ${(error as Error).message}`),
  );

  let closing: Promise<void> | null = null;
  const close = (signal = 'a stop request'): Promise<void> => {
    closing ??= (async () => {
      const graceSeconds = Math.round(settings.shutdownGraceMs / 1000);
      const timer = setTimeout(() => {
        logger.error(`shutdown took longer than the grace period and ${CLOSE_TIMEOUT_MS} ms more; exiting`);
        process.exit(1);
      }, settings.shutdownGraceMs + CLOSE_TIMEOUT_MS);
      timer.unref();
      // 1. No new work: the scheduler claims no slot, requests that change something get 503.
      drain.begin(`the server is shutting down (${signal})`);
      tonic.scheduler.stopClaiming();
      const stoppingScheduler = stopScheduler();
      // A deploy lock held is work in flight too: a manual rollback validates after its answer.
      const busy = () => ({ runs: tonic.runs.active().map((a) => a.run.id), requests: drain.inFlight, deploying: tonic.lock.heldHere().map((h) => h.system) });
      const atStart = busy();
      logger.info({ ...atStart, graceSeconds }, `shutting down on ${signal}: waiting up to ${graceSeconds} s for the work in flight`);
      // 2. What is running may finish within the grace period.
      const deadline = Date.now() + settings.shutdownGraceMs;
      const working = () => {
        const b = busy();
        return b.runs.length > 0 || b.requests > 0 || b.deploying.length > 0;
      };
      while (working() && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
      }
      // 3. What did not: recorded as interrupted (audit, a message), never lost: runs, and the
      //    rollbacks, watches and hotfix deploys under the deploy locks this process holds.
      const left = busy();
      if (left.runs.length > 0) {
        const reason = `the server stopped (${signal}) and the run did not finish within the shutdown grace period of ${graceSeconds} s`;
        const recorded = await tonic.scheduler.interruptRunning(reason);
        for (const r of recorded) logger.warn(r, `run ${r.runId} of ${r.system} recorded as interrupted`);
      }
      if (left.deploying.length > 0) {
        await tonic.recovery.interruptInFlight(`the server stopped (${signal}) and the work did not finish within the shutdown grace period of ${graceSeconds} s`);
      }
      if (left.runs.length === 0 && left.deploying.length === 0) logger.info('the work in flight finished');
      if (left.requests > 0) logger.warn({ requests: left.requests }, `${left.requests} request(s) still in flight are cut off`);
      await Promise.race([stoppingScheduler, new Promise((resolve) => setTimeout(resolve, 1000))]);
      await stopNotifications();
      await Promise.race([app.close(), new Promise((resolve) => setTimeout(resolve, 2000))]);
      stopDemo();
      await tonic.close();
      removeMarker();
      clearTimeout(timer);
      logger.info('stopped');
    })();
    return closing;
  };
  return { app, tonic, close };
}

export function closeOnSignals(close: (signal: string) => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      close(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
    });
  }
}

/** The secret values this server knows, masked wherever they would appear in a log line. */
function knownSecrets(settings: Settings, config: unknown): string[] {
  const secrets = secretValuesIn(config);
  if (settings.adminToken) secrets.push(settings.adminToken);
  try {
    const password = new URL(settings.databaseUrl).password;
    if (password) secrets.push(password, decodeURIComponent(password));
  } catch {
    /* an SQLite path: no password */
  }
  return secrets;
}
