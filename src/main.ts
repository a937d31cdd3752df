import 'reflect-metadata';
import { pino } from 'pino';
import { createApp } from './bootstrap.js';
import { ConfigError, loadConfig, type AppConfig } from './config/app-config.js';
import { loadDotEnv } from './config/dotenv.js';
import { EmbeddedDatabase } from './database/embedded-postgres.js';
import { isDatabaseUnavailable } from './database/database-errors.js';
import { migrateToLatest } from './database/migrator.js';
import { assertPortFree, isAddressInUse, PortInUseError } from './config/ports.js';
import { findRunningSimulators, startSimulators, type RunningSimulators } from './simulators/simulators.js';
import { setTimeout as wait } from 'node:timers/promises';

/**
 * Starts the service: validates the configuration, starts the embedded PostgreSQL when no
 * DATABASE_URL is given, migrates, and serves. SIGINT/SIGTERM stop the HTTP server and the job
 * workers (running handlers finish), close the pool, and only then stop the embedded database.
 */
async function main(): Promise<void> {
  let config: AppConfig;
  try {
    loadDotEnv();
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const log = pino({
    level: config.log.level,
    base: { service: 'syncwell-historical-sync', role: config.role.name },
  });
  if (config.auth.jwtSecretGenerated)
    log.warn(`JWT_SECRET not set: using the local secret in ${config.dataDir}/jwt-secret`);

  await assertPortFree(config.http.port, config.http.host, 'PORT', 'HTTP');
  let embedded: EmbeddedDatabase | undefined;
  if (!config.database.url) {
    embedded = await EmbeddedDatabase.start({
      dataDir: config.dataDir,
      port: config.database.embeddedPort,
      database: 'syncwell',
      logger: { log: (m) => log.info(m), debug: (m) => log.debug(m), warn: (m) => log.warn(m) },
    });
    config = config.withDatabaseUrl(embedded.url);
    log.info(
      { port: config.database.embeddedPort, dataDir: embedded.databaseDir },
      `Embedded PostgreSQL running on 127.0.0.1:${config.database.embeddedPort}; connect with: ${embedded.psql}`,
    );
  }

  let simulators: RunningSimulators | undefined;
  if (config.simulators.mode === 'on') {
    const { googlePort, stravaPort, timeScale } = config.simulators;
    const running = await findRunningSimulators(googlePort, stravaPort);
    if (running) {
      config = config.withProviderUrls(running);
      log.info(
        `No provider credentials: using the provider simulators already running on ports ${googlePort} and ${stravaPort}`,
      );
    } else {
      simulators = await startSimulators({
        googlePort,
        stravaPort,
        settings: { timeScale, stravaLimits: config.providers.stravaLimits },
      }).catch((error: unknown) => {
        if (!isAddressInUse(error)) throw error;
        const google = error.port === googlePort;
        throw new PortInUseError(
          google ? googlePort : stravaPort,
          google ? 'GOOGLE_SIM_PORT' : 'STRAVA_SIM_PORT',
          `${google ? 'Google Health' : 'Strava'} simulator`,
        );
      });
      config = config.withProviderUrls(simulators.endpoints);
      log.info(
        `No provider credentials: Google Health and Strava simulators started in-process at ${simulators.google.url} and ` +
          `${simulators.strava.url}; the connectors talk to them. Set FITBIT_/STRAVA_CLIENT_ID and _SECRET to use the real providers.`,
      );
    }
  }

  installProcessSafetyNet(log);
  let app: Awaited<ReturnType<typeof createApp>>;
  try {
    const applied = await whenDatabaseIsUp(log, () => migrateToLatest(config.database.url!));
    log.info(
      { migrations: applied.map((m) => m.migrationName) },
      `Database migrated (${applied.length} applied)`,
    );
    app = await createApp(config);
    await app.init();
  } catch (error) {
    await simulators?.close();
    await embedded?.stop();
    throw error;
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    log.info(`${signal}: shutting down`);
    try {
      await app.close();
      await simulators?.close();
      await embedded?.stop();
      log.info('Stopped');
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'Shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  await app.listen(config.http.port, config.http.host).catch((error: unknown) => {
    throw isAddressInUse(error) ? new PortInUseError(config.http.port, 'PORT', 'HTTP') : error;
  });
  log.info(
    `SyncWell Historical Sync (${config.role.name}) listening on http://${config.http.host}:${config.http.port} ` +
      `(docs at /docs, readiness at /health/ready)`,
  );
}

/** How long a starting process waits for an unreachable database before giving up. */
const DATABASE_STARTUP_WAIT_MS = 120_000;

/** Runs `step`, again every 2 s while the database is unreachable (a replica starting during an outage). */
async function whenDatabaseIsUp<T>(log: pino.Logger, step: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + DATABASE_STARTUP_WAIT_MS;
  for (;;) {
    try {
      return await step();
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() > deadline) throw error;
      log.warn(`database unreachable at startup (${(error as Error).message}); trying again in 2 s`);
      await wait(2000);
    }
  }
}

/**
 * A process outlives its database: a connection error that escapes every handler (a socket dying
 * under a client nobody listens to) is logged, not fatal. Any other uncaught error still ends the
 * process (its state is unknown), after it is logged.
 */
function installProcessSafetyNet(log: pino.Logger): void {
  process.on('unhandledRejection', (reason) => {
    if (isDatabaseUnavailable(reason)) log.warn(`database connection lost: ${String(reason)}`);
    else log.error({ err: reason }, 'unhandled promise rejection');
  });
  process.on('uncaughtException', (error) => {
    if (isDatabaseUnavailable(error)) {
      log.warn(`database connection lost: ${error.message}`);
      return;
    }
    log.fatal({ err: error }, 'uncaught exception; exiting');
    process.exit(1);
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`Startup failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
