import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

/** A refresh for the refresh process: the token request, and the stored grant its answer replaces. */
export interface RefreshRequest {
  url: string;
  form: Record<string, string>;
  timeoutMs: number;
  accountId: string;
  /** The stored grant's `token_version`: the save lands only over it. */
  version: number;
}

/** What the token endpoint said (as `postTokenEndpoint` reads it), and whether its grant was saved. */
export type RefreshAnswer =
  | {
      kind: 'answer';
      status: number;
      retryAfter: string | null;
      text?: string;
      /** A 2xx with an access token: true when saved, false when another grant was stored since. */
      saved?: boolean;
      /**
       * The save failed (the database away): the caller keeps the grant and saves it again (the
       * refresh process retries it too, so that it survives the caller).
       */
      saveError?: string;
    }
  | { kind: 'unreachable'; name: string; message: string; code?: string };

/** How long a refresh waits for a starting process to be ready before it goes anyway. */
const READY_WAIT_MS = 5_000;

export interface TokenRefreshProcessOptions {
  /** Read when the process starts (the embedded database's URL is known only once it runs). */
  databaseUrl: () => string;
  /** The token cipher's key: the process seals the tokens as TokenCipher does. */
  key: Buffer;
  /** ProviderAccountsRepository.SAVE_REFRESHED_SQL. */
  saveSql: string;
  /** How long a grant whose save failed is saved again (the retry policy's `keepIssuedMs`). */
  saveRetryMs: number;
}

/**
 * The refresh process's code (CommonJS, run with `node -e`). It gets its settings in the first IPC
 * message (the key never goes through argv or the environment), opens its own connection, and for
 * each refresh POSTs the token request and, the moment a grant arrives, seals it (AES-256-GCM,
 * TokenCipher's format) and saves it with one statement before telling its parent anything.
 *
 * It outlives its parent: when the IPC channel closes (the parent exited, or was killed) it finishes
 * the refreshes in flight, saves their grants (retrying while the database is away, up to
 * `saveRetryMs`), and exits. It ignores SIGINT/SIGTERM for the same reason (a Ctrl-C reaches the
 * whole process group; the parent's graceful stop closes the channel once its refreshes are done).
 */
const SOURCE = `
const { createCipheriv, randomBytes } = require('node:crypto');
let settings;
let pg;
let key;
const AAD = Buffer.from('syncwell:provider-token:v1');
let client;
let connecting;
let pending = 0;
let orphaned = false;
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => {});
// a send to a parent that has just died fails asynchronously (EPIPE): never this process's end
process.on('error', () => {});
function seal(plain) {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(AAD);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([1]), iv, cipher.getAuthTag(), body]);
}
function tell(message) {
  if (!process.connected) return;
  try { process.send(message, () => {}); } catch {}
}
function done() {
  pending--;
  if (orphaned && pending === 0) process.exit(0);
}
// the connection is opened before any refresh and opened again as soon as it is lost, so a save
// never waits for a connect while the provider has already retired the refresh token we sent
function connection() {
  if (client) return Promise.resolve(client);
  if (!connecting) {
    const c = new pg.Client({ connectionString: settings.databaseUrl, application_name: 'syncwell-token-save',
      connectionTimeoutMillis: 10000, keepAlive: true, query_timeout: 15000 });
    c.on('error', () => lost(c));
    c.on('end', () => lost(c));
    connecting = c.connect().then(() => { client = c; return c; }).finally(() => { connecting = undefined; });
  }
  return connecting;
}
function lost(c) {
  if (c && client !== c) return;
  client = undefined;
  if (c) c.end().catch(() => {});
  setTimeout(() => connection().catch(() => lost(undefined)), 500).unref();
}
async function save(request, sealed) {
  const c = await connection();
  try {
    const result = await c.query(settings.saveSql,
      [request.accountId, request.version, sealed.access, sealed.refresh, sealed.expiresAt]);
    return result.rowCount > 0;
  } catch (error) {
    lost(c); // this connection failed it: the next try opens another
    throw error;
  }
}
// a grant whose save failed is saved again until it lands: its refresh token is the only one left
async function saveLater(request, sealed) {
  const until = Date.now() + settings.saveRetryMs;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 500));
    try { await save(request, sealed); return; } catch {}
  }
}
async function refresh(id, request) {
  let res;
  try {
    res = await fetch(request.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams(request.form),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    tell({ id, answer: { kind: 'unreachable', name: error.name, message: error.message,
      code: error.cause && error.cause.code } });
    return;
  }
  const text = await res.text().catch(() => undefined);
  const answer = { kind: 'answer', status: res.status, retryAfter: res.headers.get('retry-after'), text };
  let body;
  try { body = res.ok && text ? JSON.parse(text) : undefined; } catch { body = undefined; }
  if (body && typeof body.access_token === 'string') {
    const sealed = {
      access: seal(body.access_token),
      refresh: typeof body.refresh_token === 'string' ? seal(body.refresh_token) : null,
      expiresAt: typeof body.expires_at === 'number' ? new Date(body.expires_at * 1000)
        : typeof body.expires_in === 'number' ? new Date(Date.now() + body.expires_in * 1000) : null,
    };
    try {
      answer.saved = await save(request, sealed);
    } catch (error) {
      answer.saveError = String((error && error.message) || error);
      const later = saveLater(request, sealed); // first: the parent may be gone already
      tell({ id, answer });
      await later;
      return;
    }
  }
  tell({ id, answer });
}
process.on('message', (message) => {
  if (message.settings) {
    settings = message.settings;
    pg = require(settings.pgPath);
    key = Buffer.from(settings.key, 'base64');
    // ready once the connection is open and fetch's answer path is loaded (undici loads parts of
    // it on first use): a refresh then never waits for either between the answer and the save
    Promise.all([
      connection().catch(() => lost(undefined)),
      fetch('data:application/json,{}').then((r) => r.text()).catch(() => {}),
    ]).finally(() => tell({ ready: true }));
    return;
  }
  pending++;
  refresh(message.id, message.request).catch(() => {}).finally(done);
});
process.on('disconnect', () => {
  orphaned = true;
  if (pending === 0) process.exit(0);
  // never longer than its refreshes can take: the request's timeout, then the saves' retries
  setTimeout(() => process.exit(0), 60000 + (settings ? settings.saveRetryMs : 0)).unref();
});
`;

/**
 * Token refreshes of providers that rotate refresh tokens (Strava), in a small process of their own.
 * The provider retires the refresh token we sent the moment it answers, so from then until the new
 * one is in the database a crash of whoever holds the answer loses the user's grant. This process
 * holds it: it does nothing but refresh and save, so the answer never waits behind chunk work, and it
 * is not the process that dies when a worker is killed (an OOM kill, a crash, a `kill -9` of the
 * worker's pid): it saves the grant and then exits. Only losing both at once still loses the grant:
 * the host, or a container whose first process is the worker (the kernel ends a PID namespace's
 * other processes with it, as in the project's Dockerfile); nothing a client does can close that.
 * The refresh lock (TokenService) is the worker's: another worker may refresh the account once this
 * one is gone, and hears invalid_grant if our refresh rotated meanwhile; it waits 2 s for our save
 * before it marks the account REVOKED, and our save makes it ACTIVE again if it lands later.
 */
export class TokenRefreshProcess {
  private child?: ChildProcess;
  private nextId = 1;
  /** Refreshes in flight, each with the process it was sent to. */
  private readonly calls = new Map<
    number,
    { child: ChildProcess; settle: (answer: RefreshAnswer) => void }
  >();
  /** Resolves when the running process says it is ready. */
  private ready: Promise<void> = Promise.resolve();

  constructor(private readonly options: TokenRefreshProcessOptions) {}

  async refresh(request: RefreshRequest): Promise<RefreshAnswer> {
    const child = this.start();
    // a refresh is sent only once the process is ready (see SOURCE), or after READY_WAIT_MS
    await this.whenReady();
    const id = this.nextId++;
    return new Promise((resolve) => {
      const settle = (answer: RefreshAnswer) => {
        if (!this.calls.delete(id)) return;
        if (![...this.calls.values()].some((c) => c.child === child)) channelOf(child)?.unref();
        resolve(answer);
      };
      this.calls.set(id, { child, settle });
      channelOf(child)?.ref(); // an answer on its way keeps this process alive
      child.send({ id, request }, (error) => {
        if (error) settle({ kind: 'unreachable', name: 'Error', message: error.message });
      });
    });
  }

  private async whenReady(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, READY_WAIT_MS);
      timer.unref();
    });
    await Promise.race([this.ready, late]);
    clearTimeout(timer);
  }

  /** Starts the process (and its database connection) ahead of the first refresh. */
  warm(): void {
    this.start();
  }

  /**
   * Lets the process go once the refreshes in flight have their answers (and saves): a shutdown
   * (SIGTERM, a deploy) must not cut a rotation off from its save. `graceMs` bounds the wait; a
   * refresh still in flight then is finished and saved by the process on its own.
   */
  async close(graceMs = 30_000): Promise<void> {
    const deadline = Date.now() + graceMs;
    while (this.calls.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const child = this.child;
    this.child = undefined;
    if (child?.connected) child.disconnect();
  }

  private start(): ChildProcess {
    if (this.child) return this.child;
    const child = spawn(process.execPath, ['-e', SOURCE], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: childEnv(),
    });
    child.unref();
    channelOf(child)?.unref();
    let markReady!: () => void;
    this.ready = new Promise((resolve) => (markReady = resolve));
    child.on('message', (message: { id: number; answer: RefreshAnswer } | { ready: true }) => {
      if ('ready' in message) return markReady();
      this.calls.get(message.id)?.settle(message.answer);
    });
    const fail = (message: string) => {
      if (this.child === child) this.child = undefined;
      markReady(); // nobody waits for a process that is gone
      // its refreshes in flight may have been answered: unreadable, as a dropped connection is
      for (const call of [...this.calls.values()])
        if (call.child === child) call.settle({ kind: 'unreachable', name: 'Error', message });
    };
    child.on('error', (error) => fail(`the token refresh process failed: ${error.message}`));
    child.on('exit', () => fail('the token refresh process stopped'));
    child.send({
      settings: {
        databaseUrl: this.options.databaseUrl(),
        key: this.options.key.toString('base64'),
        saveSql: this.options.saveSql,
        saveRetryMs: this.options.saveRetryMs,
        pgPath: createRequire(import.meta.url).resolve('pg'),
      },
    });
    this.child = child;
    return child;
  }
}

/**
 * The environment the process runs with: the worker's (proxies, CA certificates, PG* settings, TZ),
 * without the secrets it does not need (the token key comes over IPC) and without NODE_OPTIONS.
 */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env))
    if (name === 'NODE_OPTIONS' || /SECRET|ENCRYPTION_KEY|CREDENTIALS/.test(name)) delete env[name];
  return env;
}

/** The IPC channel's handle (ref/unref decide whether it keeps this process alive). */
function channelOf(child: ChildProcess): { ref(): void; unref(): void } | undefined {
  return (child as unknown as { channel?: { ref(): void; unref(): void } }).channel;
}
