import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { EmbeddedDatabase } from '../../src/database/embedded-postgres.js';

const ROOT = resolve(import.meta.dirname, '../..');
const quiet = { log: () => undefined, debug: () => undefined, warn: (m: string) => console.warn(m) };

/** A port nobody listens on right now (loopback). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * The run's own PostgreSQL (the project's EmbeddedDatabase on a free port, data in a temp dir), which
 * the run can stop and start again on the same port and data: the "PostgreSQL restart" fault.
 */
export class ChaosDatabase {
  private server?: EmbeddedDatabase;
  down = false;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async create(root: string): Promise<ChaosDatabase> {
    const dir = join(root, 'pg');
    mkdirSync(dir);
    chmodSync(root, 0o755); // as root, the server runs as the OS user "postgres"
    chmodSync(dir, 0o755);
    const db = new ChaosDatabase(dir, await freePort());
    await db.start();
    return db;
  }

  get url(): string {
    return this.server!.url;
  }

  async start(): Promise<void> {
    this.server = await EmbeddedDatabase.start({
      dataDir: this.dir,
      port: this.port,
      database: 'syncwell',
      logger: quiet,
    });
    this.down = false;
  }

  async stop(): Promise<void> {
    this.down = true;
    await this.server?.stop();
  }
}

/** Read-only SQL for verification; a fresh pool per call survives the database restart. */
export async function sqlRows<T = Record<string, unknown>>(
  url: string,
  text: string,
  values: unknown[] = [],
) {
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => undefined);
  try {
    return (await pool.query(text, values)).rows as T[];
  } finally {
    await pool.end().catch(() => undefined);
  }
}

export interface ExitRecord {
  name: string;
  pid: number;
  code: number | null;
  signal: string | null;
  at: number;
  injected: boolean;
  /** Whether it had answered /health/live since it was started. */
  wasLive: boolean;
  /** Whether the database was down when it exited. */
  databaseDown: boolean;
  /** The last lines the process wrote to stderr, for an exit nobody asked for. */
  stderrTail?: string[];
}

interface Managed {
  name: string;
  role: 'api' | 'worker';
  port: number;
  env: Record<string, string>;
  child?: ChildProcess;
  killRequested: boolean;
  live: boolean;
  stderr: string[];
}

/**
 * Runs the built service (dist/src/main.js) as a process supervisor would: each process is
 * restarted after it exits (after `restartDelayMs`, and never while `holdRestarts()` says so, e.g.
 * while the database is down, as a supervisor with a start-up health check would wait). Every exit is
 * recorded, marked `injected` when it followed a kill the run asked for.
 */
export class Supervisor {
  readonly exits: ExitRecord[] = [];
  readonly starts: Array<{ name: string; at: number }> = [];
  private readonly procs = new Map<string, Managed>();
  private stopping = false;

  constructor(
    private readonly logDir: string,
    private readonly holdRestarts: () => boolean,
    private readonly restartDelayMs: () => number,
  ) {
    mkdirSync(logDir, { recursive: true });
  }

  names(role?: 'api' | 'worker'): string[] {
    return [...this.procs.values()].filter((p) => !role || p.role === role).map((p) => p.name);
  }

  async add(name: string, role: 'api' | 'worker', env: Record<string, string>): Promise<string> {
    const managed: Managed = {
      name,
      role,
      port: await freePort(),
      env,
      killRequested: false,
      live: false,
      stderr: [],
    };
    this.procs.set(name, managed);
    this.launch(managed);
    return `http://127.0.0.1:${managed.port}`;
  }

  /** SIGKILL, as an OOM killer or a node failure would; the supervisor restarts it. */
  kill(name: string): boolean {
    const p = this.procs.get(name);
    if (!p?.child || p.child.exitCode !== null || p.child.signalCode !== null) return false;
    p.killRequested = true;
    p.child.kill('SIGKILL');
    return true;
  }

  isUp(name: string): boolean {
    const child = this.procs.get(name)?.child;
    return !!child && child.exitCode === null && child.signalCode === null;
  }

  /** Stops every process: SIGTERM, then SIGKILL after `graceMs` (0 = at once). */
  async stopAll(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.procs.values()].map(async (p) => {
        const child = p.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        p.killRequested = true;
        child.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  private launch(p: Managed): void {
    const log = createWriteStream(join(this.logDir, `${p.name}.log`), { flags: 'a' });
    const child = spawn(
      process.execPath,
      ['--max-semi-space-size=8', '--max-old-space-size=160', 'dist/src/main.js'],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...p.env, PORT: String(p.port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    p.child = child;
    p.killRequested = false;
    p.live = false;
    p.stderr = [];
    void this.watchLive(p, child);
    this.starts.push({ name: p.name, at: Date.now() });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.on('data', (data: Buffer) => {
      log.write(data);
      p.stderr.push(
        ...data
          .toString('utf8')
          .split('\n')
          .filter((l) => l.trim() && !/^\s+at /.test(l)),
      );
      p.stderr.splice(0, Math.max(0, p.stderr.length - 30));
    });
    child.once('exit', (code, signal) => {
      const injected = p.killRequested;
      this.exits.push({
        name: p.name,
        pid: child.pid ?? 0,
        code,
        signal,
        at: Date.now(),
        injected,
        wasLive: p.live,
        databaseDown: this.holdRestarts(),
        ...(injected
          ? {}
          : { stderrTail: [...errorLines(p.stderr), ...lastLogLines(join(this.logDir, `${p.name}.log`))] }),
      });
      setTimeout(() => log.end(), 100);
      if (!this.stopping) void this.restart(p);
    });
  }

  private async watchLive(p: Managed, child: ChildProcess): Promise<void> {
    while (p.child === child && child.exitCode === null && child.signalCode === null && !this.stopping) {
      const ok = await fetch(`http://127.0.0.1:${p.port}/health/live`, {
        signal: AbortSignal.timeout(1000),
      }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) {
        p.live = true;
        return;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  private async restart(p: Managed): Promise<void> {
    await new Promise((r) => setTimeout(r, this.restartDelayMs()));
    while (this.holdRestarts() && !this.stopping) await new Promise((r) => setTimeout(r, 200));
    if (!this.stopping) this.launch(p);
  }
}

/** The lines of a crash that say what happened (its message and code), not the stack. */
function errorLines(lines: string[]): string[] {
  const telling = lines.filter((l) => /error|terminat|unhandled|ECONN|code:/i.test(l));
  return (telling.length ? telling : lines).slice(-4).map((l) => l.trim().slice(0, 300));
}

function lastLogLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => /"level":(50|60)|Error|error/.test(l))
      .slice(-3)
      .map((l) => l.slice(0, 400));
  } catch {
    return [];
  }
}

/** A temp directory for the run, removed by `cleanup`. */
export function tempRoot(): string {
  return mkdtempSync(join(tmpdir(), 'syncwell-chaos-'));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
