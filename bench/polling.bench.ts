/**
 * Status polling: requests/s and latency of GET /v1/orchestrations/{id}/status with 10,000
 * orchestrations stored, at 100 connections, against GET /health/live of the same server in the
 * same run, and the conditional path (If-None-Match -> 304). The server is the real application in
 * its own process (API role, production logging at info); autocannon runs in this one.
 */
import autocannon from 'autocannon';
import pg from 'pg';
import { signToken } from '../src/common/auth/token.js';
import { BENCH_JWT_SECRET, benchEnv } from './lib/app.js';
import { freshDatabase, stopEmbedded } from './lib/database.js';
import { printTable, round, writeResult } from './lib/report.js';
import { cpuSeconds, postgresCpuSeconds } from './lib/proc.js';
import { spawnService, type ServiceProcess } from './lib/service.js';

const ORCHESTRATIONS = Number(process.env.BENCH_ORCHESTRATIONS ?? 10_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const DURATION = Number(process.env.BENCH_DURATION_SECONDS ?? 20);
const PORT = 3901;

interface Target {
  id: string;
  token: string;
  etag?: string;
}

/** 10,000 users, each with a connection and a 1-year sync in progress at a random chunk. */
async function seed(url: string): Promise<Target[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(
    `
    INSERT INTO connections (user_id, source_provider, source_external_user_id, destination_provider, destination_external_user_id, timezone)
    SELECT 'poll-user-' || i, 'fitbit', 's' || i, 'strava', 'd' || i, 'UTC' FROM generate_series(1, $1::int) i`,
    [ORCHESTRATIONS],
  );
  const { rows } = await c.query<{ id: string; user_id: string }>(`
    INSERT INTO orchestrations (user_id, connection_id, kind, source_provider, destination_provider, range_preset,
      start_date, end_date, status, total_chunks, completed_chunks, estimated_seconds, started_at)
    SELECT user_id, id, 'HISTORICAL', 'fitbit', 'strava', 'LAST_YEAR', DATE '2025-11-01', DATE '2026-10-31',
      'IN_PROGRESS', 12, (random() * 11)::int, 3600, now()
    FROM connections RETURNING id, user_id`);
  await c.query('ANALYZE');
  await c.end();
  return rows.map((r) => ({ id: r.id, token: signToken(BENCH_JWT_SECRET, { sub: r.user_id }) }));
}

/** Reads every orchestration's ETag once (and warms the server). */
async function collectEtags(base: string, targets: Target[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let t = targets[next++]; t; t = targets[next++]) {
      const res = await fetch(`${base}/v1/orchestrations/${t.id}/status`, {
        headers: { authorization: `Bearer ${t.token}` },
      });
      if (res.status !== 200) throw new Error(`status ${res.status} for ${t.id}`);
      t.etag = res.headers.get('etag') ?? undefined;
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
}

async function load(
  title: string,
  server: ServiceProcess,
  targets: Target[] | undefined,
  conditional: boolean,
) {
  const base = server.url;
  let i = 0;
  const cpu = {
    server: cpuSeconds(server.pid),
    postgres: postgresCpuSeconds(),
    loadGenerator: cpuSeconds(process.pid),
  };
  const result = await autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: DURATION,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          if (!targets) return { ...req, path: '/health/live' };
          const t = targets[i++ % targets.length];
          const headers: Record<string, string> = { authorization: `Bearer ${t.token}` };
          if (conditional && t.etag) headers['if-none-match'] = t.etag;
          return { ...req, path: `/v1/orchestrations/${t.id}/status`, headers };
        },
      },
    ],
  });
  const share = (now: number, before: number) => `${round(((now - before) / DURATION) * 100, 0)}%`;
  const serverSeconds = cpuSeconds(server.pid) - cpu.server;
  const expected = conditional ? '3xx' : '2xx';
  const other = result.requests.total - (result[expected] ?? 0);
  return {
    route: title,
    requestsPerSecond: round(result.requests.average, 0),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    unexpectedStatus: other,
    errors: result.errors + result.timeouts,
    // CPU used during the run, in % of one core: where the 2 cores went
    serverCpu: share(cpu.server + serverSeconds, cpu.server),
    serverCpuUsPerRequest: round((serverSeconds / result.requests.total) * 1e6, 0),
    postgresCpu: share(postgresCpuSeconds(), cpu.postgres),
    autocannonCpu: share(cpuSeconds(process.pid), cpu.loadGenerator),
  };
}

async function main() {
  const db = await freshDatabase('polling');
  try {
    console.log(
      `status polling benchmark: ${ORCHESTRATIONS} orchestrations, ${CONNECTIONS} connections, ${DURATION} s per run`,
    );
    const targets = await seed(db.url);
    // shuffled, so consecutive requests hit unrelated rows
    targets.sort(() => Math.random() - 0.5);
    const env = benchEnv(db.url, { ROLE: 'api', LOG_LEVEL: 'info' });
    // the same server without the in-memory rows: every poll reads PostgreSQL
    const uncached = await spawnService({ ...env, STATUS_CACHE_SIZE: '0' }, PORT + 1);
    let direct;
    try {
      await collectEtags(uncached.url, targets);
      direct = await load('status -> 200, STATUS_CACHE_SIZE=0', uncached, targets, false);
    } finally {
      await uncached.stop();
    }
    const server = await spawnService(env, PORT);
    try {
      await collectEtags(server.url, targets);
      await load('warm-up', server, undefined, false);
      const trivial = await load('GET /health/live (trivial)', server, undefined, false);
      const status = await load('GET /v1/orchestrations/{id}/status -> 200', server, targets, false);
      const notModified = await load('same, If-None-Match -> 304', server, targets, true);
      const rows = [trivial, status, notModified, direct];
      printTable('Status polling', rows);
      const ratio = round(status.requestsPerSecond / trivial.requestsPerSecond, 3);
      const checks = {
        ratio: { value: ratio, target: '>= 0.6 x trivial req/s', met: ratio >= 0.6 },
        p99: { value: `${status.p99Ms} ms`, target: '< 50 ms', met: status.p99Ms < 50 },
        conditionalCheaper: {
          value: `${notModified.serverCpuUsPerRequest} vs ${status.serverCpuUsPerRequest} us server CPU per request`,
          target: '304 cheaper than 200',
          met: notModified.serverCpuUsPerRequest < status.serverCpuUsPerRequest,
        },
      };
      for (const [name, c] of Object.entries(checks))
        console.log(`  ${name}: ${c.value} (target ${c.target}): ${c.met ? 'met' : 'NOT met'}`);
      const peakRssMiB = round(server.peakRss() / 2 ** 20, 1);
      console.log(`  server peak RSS ${peakRssMiB} MiB`);
      console.log(
        `  results: ${writeResult('polling', { orchestrations: ORCHESTRATIONS, connections: CONNECTIONS, durationSeconds: DURATION, database: db.server, serverPeakRssMiB: peakRssMiB, rows, checks })}`,
      );
    } finally {
      await server.stop();
    }
  } finally {
    await db.drop();
    await stopEmbedded();
  }
}

await main();
process.exit(0);
