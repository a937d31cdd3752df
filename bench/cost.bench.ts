/**
 * Cost of one 1-year Fitbit -> Strava sync: the CPU-seconds the service and PostgreSQL spend on it
 * (real connectors against the simulators, quotas time-scaled as in bench:quota; the idle
 * background of the same processes measured first and subtracted) and the database bytes it leaves,
 * priced at public cloud list rates, against the PRD's < $1 and this issue's <= $0.001 target.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { databaseBytes, freshDatabase, stopEmbedded } from './lib/database.js';
import { cpuSeconds, postgresCpuSeconds } from './lib/proc.js';
import { startProviderStack, waitForEnd } from './lib/provider-stack.js';
import { printTable, round, writeResult } from './lib/report.js';

const SCALE = Number(process.env.BENCH_TIME_SCALE ?? 0.1);
const IDLE_SECONDS = 20;

/**
 * AWS list prices, us-east-1, Linux/x86, as published on aws.amazon.com/fargate/pricing and
 * aws.amazon.com/rds/postgresql/pricing (unchanged from 2023 through our last check in 2025; this
 * machine has no internet access to re-check them on the run date).
 */
const RATES = {
  source: 'AWS us-east-1 list prices (Fargate Linux/x86; RDS gp3 storage), as published 2023-2025',
  vcpuHour: 0.04048, // Fargate, per vCPU-hour
  gbHour: 0.004445, // Fargate, per GB-hour
  gbPerVcpu: 2, // the smallest Fargate shape (0.25 vCPU, 0.5 GB): memory is billed alongside every vCPU-hour
  storageGbMonth: 0.115, // RDS gp3, per GB-month
};

/** Bytes of the rows this sync left, table by table (excluding indexes and page slack). */
async function rowBytes(url: string, orchestrationId: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ table: string; rows: number; bytes: number }>(
      `
      SELECT 'orchestrations' AS table, count(*)::int AS rows, coalesce(sum(pg_column_size(t.*)), 0)::int AS bytes FROM orchestrations t WHERE id = $1
      UNION ALL SELECT 'chunks', count(*)::int, coalesce(sum(pg_column_size(t.*)), 0)::int FROM chunks t WHERE orchestration_id = $1
      UNION ALL SELECT 'sync_ledger', count(*)::int, coalesce(sum(pg_column_size(t.*)), 0)::int FROM sync_ledger t WHERE orchestration_id = $1
      UNION ALL SELECT 'analytics_events', count(*)::int, coalesce(sum(pg_column_size(t.*)), 0)::int FROM analytics_events t WHERE orchestration_id = $1
      UNION ALL SELECT 'notifications', count(*)::int, coalesce(sum(pg_column_size(t.*)), 0)::int FROM notifications t WHERE orchestration_id = $1
      UNION ALL SELECT 'idempotency_keys (kept 24 h)', count(*)::int, coalesce(sum(pg_column_size(t.*)), 0)::int FROM idempotency_keys t
        WHERE response_body->>'orchestrationId' = $1::text
      UNION ALL SELECT 'pgboss.job (deleted after 7 days)', count(*)::int, coalesce(sum(pg_column_size(t.*)), 0)::int FROM pgboss.job t
        WHERE t.data->>'orchestrationId' = $1::text`,
      [orchestrationId],
    );
    return rows;
  } finally {
    await c.end();
  }
}

async function main() {
  const db = await freshDatabase('cost');
  const stack = await startProviderStack(db.url, SCALE, { api: 3941, google: 4112, strava: 4122 });
  const pid = stack.server.pid;
  const cpu = () => ({ service: cpuSeconds(pid), postgres: postgresCpuSeconds() });
  try {
    console.log(`cost benchmark: one 1-year Fitbit -> Strava sync, quotas time-scaled x${SCALE}`);
    const { connectionId, api } = await stack.connect(`cost-${Date.now().toString(36)}`);

    // what the same processes burn doing nothing (job polling, sweeps, metrics), to subtract
    const idle0 = cpu();
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    const idle1 = cpu();
    const idleRate = {
      service: (idle1.service - idle0.service) / IDLE_SECONDS,
      postgres: (idle1.postgres - idle0.postgres) / IDLE_SECONDS,
    };

    const bytesBefore = await databaseBytes(db.url);
    const before = cpu();
    const started = performance.now();
    const sync = await api(
      'POST',
      `/v1/connections/${connectionId}/historical-syncs`,
      { range: { preset: 'LAST_YEAR' } },
      { 'idempotency-key': randomUUID() },
    );
    const final = await waitForEnd(api, sync.orchestrationId);
    await new Promise((r) => setTimeout(r, 2000)); // the completion notification goes out
    const seconds = (performance.now() - started) / 1000;
    const after = cpu();
    const bytesAfter = await databaseBytes(db.url);

    const measured = { service: after.service - before.service, postgres: after.postgres - before.postgres };
    const marginal = {
      service: Math.max(0, measured.service - idleRate.service * seconds),
      postgres: Math.max(0, measured.postgres - idleRate.postgres * seconds),
    };
    const cpuTotal = marginal.service + marginal.postgres;
    const computeUsd = (cpuTotal / 3600) * (RATES.vcpuHour + RATES.gbPerVcpu * RATES.gbHour);
    const rows = await rowBytes(db.url, sync.orchestrationId);
    const keptBytes = rows
      .filter((r) => !/^(pgboss|idempotency)/.test(r.table))
      .reduce((s, r) => s + r.bytes, 0);
    const storageUsdMonth = (Math.max(keptBytes, 0) / 1e9) * RATES.storageGbMonth;

    printTable('CPU-seconds during the sync', [
      {
        process: 'service (all roles)',
        measured: round(measured.service, 2),
        idlePerSecond: round(idleRate.service, 4),
        marginal: round(marginal.service, 2),
      },
      {
        process: 'PostgreSQL (all backends)',
        measured: round(measured.postgres, 2),
        idlePerSecond: round(idleRate.postgres, 4),
        marginal: round(marginal.postgres, 2),
      },
    ]);
    printTable('Rows this sync left in the database', rows);
    console.log(
      `\n  sync ${final.status} in ${round(seconds, 1)} s (scaled); database ${round(bytesBefore / 1e6, 2)} MB -> ${round(bytesAfter / 1e6, 2)} MB`,
    );
    console.log(
      `  rates: ${RATES.source}: $${RATES.vcpuHour}/vCPU-h + ${RATES.gbPerVcpu} GB x $${RATES.gbHour}/GB-h; storage $${RATES.storageGbMonth}/GB-month`,
    );
    console.log(
      `  compute: ${round(cpuTotal, 2)} CPU-s x $${round((RATES.vcpuHour + RATES.gbPerVcpu * RATES.gbHour) / 3600, 8)}/s = $${computeUsd.toFixed(6)} per 1-year sync (target <= $0.001: ${computeUsd <= 0.001 ? 'met' : 'NOT met'}; PRD < $1)`,
    );
    console.log(`  storage: ${keptBytes} bytes kept = $${storageUsdMonth.toFixed(8)} per month retained`);
    console.log(
      `  results: ${writeResult('cost', { timeScale: SCALE, status: final.status, seconds: round(seconds, 1), idleSeconds: IDLE_SECONDS, cpuSeconds: { measured, idleRate, marginal, total: round(cpuTotal, 3) }, database: { bytesBefore, bytesAfter, rows, keptBytes }, rates: RATES, computeUsd: Number(computeUsd.toFixed(6)), storageUsdPerMonth: Number(storageUsdMonth.toFixed(8)), target: 0.001, met: computeUsd <= 0.001 })}`,
    );
  } finally {
    await stack.close();
    await db.drop();
    await stopEmbedded();
  }
}

await main();
process.exit(0);
