/**
 * The environment of the service processes a cluster benchmark (bench:chaos, bench:fairness) runs
 * from the build against in-process simulators, and the wait for its API to be ready.
 */
import { join } from 'node:path';
import type { RunningSimulators } from '../../src/simulators/simulators.js';
import { removeDir, type ChaosDatabase, type Supervisor } from './chaos-cluster.js';
import { sleep } from './chaos-options.js';

export function clusterEnv(
  databaseUrl: string,
  secret: string,
  root: string,
  sims: RunningSimulators,
  timeScale: number,
): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: secret,
    TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    DATA_DIR: join(root, 'data'),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    GOOGLE_SIM_PORT: new URL(sims.google.url).port,
    STRAVA_SIM_PORT: new URL(sims.strava.url).port,
    SIM_TIME_SCALE: String(timeScale),
    PROVIDER_TIME_SCALE: String(timeScale),
  };
}

/** Waits (at most a minute) until the API answers /health/ready. */
export async function waitReady(apiUrl: string): Promise<void> {
  for (let i = 0; ; i++) {
    const ok = await fetch(`${apiUrl}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (i > 600) throw new Error('the API process did not become ready');
    await sleep(100);
  }
}

/** What a cluster run owns and must stop however it ends. */
export interface ClusterParts {
  root: string;
  keep: boolean;
  sup?: Supervisor;
  sims?: RunningSimulators;
  db?: ChaosDatabase;
}

/**
 * Runs `main` and exits: 0 when it returns true, 1 when false (a target missed), 2 when it throws;
 * stops every child process, the simulators and the database first (also on SIGINT / SIGTERM), and
 * removes the temp dir unless kept. `onStop` runs first (e.g. to end the run's loops).
 */
export async function runCluster(
  name: string,
  parts: () => ClusterParts,
  main: () => Promise<boolean>,
  onStop: () => void,
): Promise<never> {
  let cleaning: Promise<void> | undefined;
  const cleanup = (fast: boolean): Promise<void> => {
    onStop();
    cleaning ??= (async () => {
      const { root, keep, sup, sims, db } = parts();
      await sup?.stopAll(fast ? 0 : 10_000).catch(() => undefined);
      await sims?.close().catch(() => undefined);
      await db?.stop().catch(() => undefined);
      if (root && !keep) removeDir(root);
    })();
    return cleaning;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      console.error(`\n${signal}: stopping every child process and removing ${parts().root}`);
      void cleanup(true).finally(() => process.exit(130));
    });
  let code = 2;
  try {
    code = (await main()) ? 0 : 1;
  } catch (error) {
    console.error(
      `${name} run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  } finally {
    await cleanup(false);
  }
  process.exit(code);
}
