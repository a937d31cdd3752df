import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** A refresh for the thread: the token request, and the stored grant its answer replaces. */
export interface ThreadRefresh {
  url: string;
  form: Record<string, string>;
  timeoutMs: number;
  accountId: string;
  /** The stored grant's `token_version`: the save lands only over it. */
  version: number;
}

/** What the token endpoint said (as `postTokenEndpoint` reads it), and whether its grant was saved. */
export type ThreadAnswer =
  | {
      kind: 'answer';
      status: number;
      retryAfter: string | null;
      text?: string;
      /** A 2xx with an access token: true when saved, false when another grant was stored since. */
      saved?: boolean;
      /** The save failed (the database away): the caller keeps the grant and saves it again. */
      saveError?: string;
    }
  | { kind: 'unreachable'; name: string; message: string; code?: string };

/** How long a refresh waits for a starting thread to be ready before it goes anyway. */
const READY_WAIT_MS = 5_000;

export interface TokenRefreshThreadOptions {
  /** Read when the thread starts (the embedded database's URL is known only once it runs). */
  databaseUrl: () => string;
  /** The token cipher's key: the thread seals the tokens as TokenCipher does. */
  key: Buffer;
  /** ProviderAccountsRepository.SAVE_REFRESHED_SQL. */
  saveSql: string;
}

/**
 * The thread's code (CommonJS, evaluated): POST the token request and, the moment a grant arrives,
 * seal it (AES-256-GCM, TokenCipher's format) and send the one-statement save on the thread's own
 * connection, before telling the main thread anything. Once that statement is on the wire,
 * PostgreSQL commits it even if the process dies.
 */
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createCipheriv, randomBytes } = require('node:crypto');
const pg = require(workerData.pgPath);
const key = Buffer.from(workerData.key, 'base64');
const AAD = Buffer.from('syncwell:provider-token:v1');
let client;
let connecting;
function seal(plain) {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(AAD);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([1]), iv, cipher.getAuthTag(), body]);
}
// the connection is opened before any refresh and opened again as soon as it is lost, so a save
// never waits for a connect while the provider has already retired the refresh token we sent
function connection() {
  if (client) return Promise.resolve(client);
  if (!connecting) {
    const c = new pg.Client({ connectionString: workerData.databaseUrl, application_name: 'syncwell-token-save' });
    c.on('error', () => lost(c));
    c.on('end', () => lost(c));
    connecting = c.connect().then(() => { client = c; return c; }).finally(() => { connecting = undefined; });
  }
  return connecting;
}
function lost(c) {
  if (client === c) client = undefined;
  setTimeout(() => connection().catch(() => lost(undefined)), 500).unref();
}
// ready once the connection is open and fetch's answer path is loaded (undici loads parts of it on
// first use): a refresh then never waits for either between the provider's answer and the save
Promise.all([
  connection(),
  fetch('data:application/json,{}').then((r) => r.text()),
]).then(() => parentPort.postMessage({ ready: true }), () => { lost(undefined); parentPort.postMessage({ ready: true }); });
async function save(request, body) {
  const expiresAt = typeof body.expires_at === 'number' ? new Date(body.expires_at * 1000)
    : typeof body.expires_in === 'number' ? new Date(Date.now() + body.expires_in * 1000) : null;
  const refresh = typeof body.refresh_token === 'string' ? seal(body.refresh_token) : null;
  const c = await connection();
  const result = await c.query(workerData.saveSql,
    [request.accountId, request.version, seal(body.access_token), refresh, expiresAt]);
  return result.rowCount > 0;
}
parentPort.on('message', async ({ id, request }) => {
  let res;
  try {
    res = await fetch(request.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams(request.form),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    parentPort.postMessage({ id, answer: { kind: 'unreachable', name: error.name, message: error.message,
      code: error.cause && error.cause.code } });
    return;
  }
  const text = await res.text().catch(() => undefined);
  const answer = { kind: 'answer', status: res.status, retryAfter: res.headers.get('retry-after'), text };
  let body;
  try { body = res.ok && text ? JSON.parse(text) : undefined; } catch { body = undefined; }
  if (body && typeof body.access_token === 'string') {
    try {
      answer.saved = await save(request, body);
    } catch (error) {
      answer.saveError = String((error && error.message) || error);
      if (client) { client.end().catch(() => {}); client = undefined; }
    }
  }
  parentPort.postMessage({ id, answer });
});
`;

/**
 * Token refreshes of providers that rotate refresh tokens (Strava), on a thread of their own: the
 * provider retires the refresh token we sent the moment it answers, so from then until the new one
 * is in the database a crash loses the user's grant. On the main thread that span includes every
 * event-loop turn the answer waits behind chunk work (parsing pages, building FIT files); on this
 * mostly idle thread it is the time to read the answer and send one statement. It does not close
 * the window (nothing can: the process may die while the answer is on the wire), it shrinks it.
 */
export class TokenRefreshThread {
  private worker?: Worker;
  private nextId = 1;
  private readonly calls = new Map<number, (answer: ThreadAnswer) => void>();
  /** Resolves when the running thread says it is ready. */
  private ready: Promise<void> = Promise.resolve();

  constructor(private readonly options: TokenRefreshThreadOptions) {}

  async refresh(request: ThreadRefresh): Promise<ThreadAnswer> {
    const worker = this.start();
    // a refresh is sent only once the thread is ready (see SOURCE), or after READY_WAIT_MS
    await this.whenReady();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.calls.set(id, resolve);
      worker.postMessage({ id, request });
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

  /** Starts the thread (and its database connection) ahead of the first refresh. */
  warm(): void {
    this.start();
  }

  /**
   * Stops the thread once the refreshes in flight have their answers (and saves): a shutdown
   * (SIGTERM, a deploy) must not cut a rotation off from its save. `graceMs` bounds the wait.
   */
  async close(graceMs = 30_000): Promise<void> {
    const deadline = Date.now() + graceMs;
    while (this.calls.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(SOURCE, {
      eval: true,
      workerData: {
        databaseUrl: this.options.databaseUrl(),
        key: this.options.key.toString('base64'),
        saveSql: this.options.saveSql,
        pgPath: createRequire(import.meta.url).resolve('pg'),
      },
    });
    worker.unref();
    let markReady!: () => void;
    this.ready = new Promise((resolve) => (markReady = resolve));
    worker.on('message', (message: { id: number; answer: ThreadAnswer } | { ready: true }) => {
      if ('ready' in message) return markReady();
      this.calls.get(message.id)?.(message.answer);
      this.calls.delete(message.id);
    });
    const fail = (message: string) => {
      if (this.worker === worker) this.worker = undefined;
      markReady(); // nobody waits for a thread that is gone
      // the refreshes in flight may have been answered: unreadable, as a dropped connection is
      for (const [id, resolve] of this.calls) {
        resolve({ kind: 'unreachable', name: 'Error', message });
        this.calls.delete(id);
      }
    };
    worker.on('error', (error) => fail(`the token thread failed: ${error.message}`));
    worker.on('exit', () => fail('the token thread stopped'));
    this.worker = worker;
    return worker;
  }
}
