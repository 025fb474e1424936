/**
 * `tonic serve`: load settings and configuration, open and migrate the database, wire Tonic,
 * listen, and shut down cleanly on SIGINT/SIGTERM with a time limit.
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
import { buildApp } from './app.ts';

const SHUTDOWN_TIMEOUT_MS = 10_000;

export async function startServer(settings: Settings = readSettings()) {
  const demo = settings.configFile === null;
  const configFile = settings.configFile ?? (await ensureDemoFiles(settings.home));
  const config = loadConfigFile(configFile);
  checkFreezeEnvironment(settings.freeze, config.systems);
  const database = await openDatabase({ url: settings.databaseUrl, applicationName: SERVER_APPLICATION_NAME });
  try {
    await migrateToLatest(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  const tonic = composeTonic({ database, config, clock: systemClock, home: settings.home, leaseMs: settings.runLeaseMs, freezeEnvironment: settings.freeze });
  await tonic.identity.bootstrap(settings.adminToken);
  let stopDemo = () => {};
  let demoSignIn: DemoSignIn = null;
  if (demo) {
    await seedDemo(tonic);
    demoSignIn = await ensureDemoSignIn(tonic, settings.home);
    stopDemo = await startDemoEnvironments(tonic, settings.home);
  }
  const app = await buildApp(tonic, { logger: { level: process.env.LOG_LEVEL ?? 'info' }, trustProxy: settings.trustProxy });
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
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const timer = setTimeout(() => {
        app.log.error(`shutdown took longer than ${SHUTDOWN_TIMEOUT_MS} ms; exiting`);
        process.exit(1);
      }, SHUTDOWN_TIMEOUT_MS);
      timer.unref();
      await app.close();
      await stopScheduler();
      await stopNotifications();
      stopDemo();
      await tonic.close();
      removeMarker();
      clearTimeout(timer);
    })();
    return closing;
  };
  return { app, tonic, close };
}

export function closeOnSignals(close: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
    });
  }
}
