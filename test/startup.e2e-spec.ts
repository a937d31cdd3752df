import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { TEST_JWT_SECRET } from './support/app.js';
import { createEmptyTestDatabase, dropTestDatabase } from './support/database.js';
import { freePort, holdPort, kill, spawnTs, waitForOutput } from './support/process.js';
import { signToken } from '../src/common/auth/token.js';
import { migrations } from '../migrations/index.js';

const ready = async (port: number, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`port ${port} not ready within ${timeoutMs} ms`);
};

const exited = (child: {
  exitCode: number | null;
  once: (e: 'exit', f: (code: number | null) => void) => void;
}) =>
  child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise<number | null>((resolve) => child.once('exit', resolve));

describe('startup', () => {
  it('starts an api and a worker process at the same moment on one empty database; migrations run once', async () => {
    const url = await createEmptyTestDatabase();
    const [apiPort, workerPort] = [await freePort(), await freePort()];
    const common = {
      DATABASE_URL: url,
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: 'info',
      SIMULATORS: 'off',
      FITBIT_CLIENT_ID: 'x',
      FITBIT_CLIENT_SECRET: 'x',
      STRAVA_CLIENT_ID: 'x',
      STRAVA_CLIENT_SECRET: 'x',
    };
    const api = spawnTs('src/main.ts', { ...common, ROLE: 'api', PORT: String(apiPort) });
    const worker = spawnTs('src/main.ts', { ...common, ROLE: 'worker', PORT: String(workerPort) });
    try {
      await Promise.all([ready(apiPort), ready(workerPort)]);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query('SELECT name FROM kysely_migration ORDER BY name');
      const { rows: schemas } = await client.query(
        `SELECT schema_name FROM information_schema.schemata WHERE schema_name = 'pgboss'`,
      );
      await client.end();
      expect(rows.map((r) => r.name)).toEqual(Object.keys(migrations));
      expect(schemas).toHaveLength(1);
      // the worker serves operations only; the API serves /v1
      const token = signToken(TEST_JWT_SECRET, { sub: 'someone' });
      const onWorker = await fetch(`http://127.0.0.1:${workerPort}/v1/me/entitlement`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(onWorker.status).toBe(404);
      const onApi = await fetch(`http://127.0.0.1:${apiPort}/v1/me/entitlement`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(onApi.status).toBe(200);
      expect(api.output()).toContain('"role":"api"');
      expect(worker.output()).toContain('Workers started');
    } finally {
      api.kill('SIGTERM');
      worker.kill('SIGTERM');
      expect(await exited(api)).toBe(0);
      expect(await exited(worker)).toBe(0);
      await dropTestDatabase(url);
    }
  });

  it('a busy PORT stops the start at once with one line naming the port and the variable', async () => {
    const held = await holdPort();
    try {
      const child = spawnTs('src/main.ts', {
        PORT: String(held.port),
        JWT_SECRET: TEST_JWT_SECRET,
        LOG_LEVEL: 'error',
      });
      expect(await exited(child)).toBe(1);
      expect(child.output().trim()).toBe(
        `Startup failed: Port ${held.port} (HTTP) is already in use: stop what holds it, or set PORT to another port`,
      );
    } finally {
      await held.close();
    }
  });

  it('stops with one message listing every configuration problem', async () => {
    const bad = spawnTs('src/main.ts', {
      PORT: 'eighty',
      ROLE: 'boss',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://x',
    });
    expect(await exited(bad)).toBe(1);
    const out = bad.output();
    for (const variable of ['PORT', 'ROLE', 'LOG_LEVEL', 'DATABASE_URL']) expect(out).toContain(variable);
    expect(out.match(/Invalid configuration/g)).toHaveLength(1);
  });

  it('with no DATABASE_URL runs its own PostgreSQL, stops it on SIGINT, and reuses the data on the next start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'syncwell-embedded-'));
    chmodSync(dataDir, 0o755);
    const [port, pgPort] = [await freePort(), await freePort()];
    const env = {
      DATA_DIR: dataDir,
      PORT: String(port),
      EMBEDDED_PG_PORT: String(pgPort),
      LOG_LEVEL: 'info',
    };
    const omit = ['DATABASE_URL', 'JWT_SECRET', 'TOKEN_ENCRYPTION_KEY'];
    const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
    try {
      const first = spawnTs('src/main.ts', env, { omit });
      try {
        await ready(port, 90_000);
        expect(first.output()).toContain(`psql -h 127.0.0.1 -p ${pgPort}`);
        expect(existsSync(pidFile)).toBe(true);
        const secret = readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim();
        const admin = signToken(secret, { sub: 'ops', roles: ['admin'] });
        const put = await fetch(`http://127.0.0.1:${port}/v1/admin/users/zoe/entitlement`, {
          method: 'PUT',
          headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ tier: 'PRO' }),
        });
        expect(put.status).toBe(200);
        const postgresPid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
        first.kill('SIGINT');
        expect(await exited(first)).toBe(0);
        expect(existsSync(pidFile)).toBe(false);
        expect(() => process.kill(postgresPid, 0)).toThrow(); // no stray postgres
      } finally {
        await kill(first);
      }

      const second = spawnTs('src/main.ts', env, { omit });
      try {
        await ready(port, 90_000);
        expect(second.output()).not.toContain('Initialising embedded PostgreSQL');
        const secret = readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim();
        const res = await fetch(`http://127.0.0.1:${port}/v1/me/entitlement`, {
          headers: { Authorization: `Bearer ${signToken(secret, { sub: 'zoe' })}` },
        });
        expect(await res.json()).toMatchObject({ tier: 'PRO' });
        second.kill('SIGTERM');
        expect(await exited(second)).toBe(0);
        await waitForOutput(second, 'Stopped', 1000);
      } finally {
        await kill(second);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
