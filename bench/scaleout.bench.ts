/**
 * Concurrency and scale-out: 1,000 LAST_YEAR orchestrations (12,000 chunks) queued at once, drained
 * by 1, 2 and 4 worker processes (the real application, ROLE=worker, default concurrency) on one
 * PostgreSQL. The provider connector is replaced by one that waits CONNECTOR_DELAY_MS per chunk
 * (provider I/O without providers): time to drain, chunks/s, peak RSS per process, database size,
 * and the scheduler statements' latency while the queue drains (p50/p99, bench/lib/scheduler-probe.ts).
 * BENCH_SYNCS=10000 BENCH_PROCESSES=2 is the 10,000-orchestration (120,000-chunk) run of issue 15.
 */
import pg from 'pg';
import { benchEnv } from './lib/app.js';
import { databaseBytes, freshDatabase, stopEmbedded } from './lib/database.js';
import { printTable, round, writeResult } from './lib/report.js';
import { spawnService, type ServiceProcess } from './lib/service.js';
import { SchedulerProbe } from './lib/scheduler-probe.js';
import { createYearSyncs } from './lib/syncs.js';

const SYNCS = Number(process.env.BENCH_SYNCS ?? 1000);
const DELAY_MS = Number(process.env.BENCH_CONNECTOR_DELAY_MS ?? 50);
const PROCESSES = (process.env.BENCH_PROCESSES ?? '1,2,4').split(',').map(Number);
const MiB = 2 ** 20;

async function drain(workers: number) {
  const db = await freshDatabase(`scale${workers}`);
  try {
    const chunks = await createYearSyncs(db.url, SYNCS, `scale${workers}`);
    const sizeBefore = await databaseBytes(db.url);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    // statistics of the just-filled tables (autovacuum would take up to a minute to gather them;
    // until then PostgreSQL plans the queue's fetch as if it were empty: a sort instead of the index)
    await client.query('ANALYZE');
    const probe = new SchedulerProbe(db.url);
    const started = performance.now();
    probe.start();
    const processes: ServiceProcess[] = [];
    try {
      for (let i = 0; i < workers; i++) {
        const env = benchEnv(db.url, {
          ROLE: 'worker',
          LOG_LEVEL: 'warn',
          BENCH_CONNECTOR_DELAY_MS: String(DELAY_MS),
        });
        processes.push(await spawnService(env, 3931 + i));
      }
      for (;;) {
        const { rows } = await client.query<{ done: number }>(
          `SELECT count(*)::int AS done FROM chunks WHERE status IN ('COMPLETED', 'FAILED')`,
        );
        if (rows[0].done >= chunks) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const wall = (performance.now() - started) / 1000;
      const scheduler = await probe.stop();
      const { rows } = await client.query(`
        SELECT extract(epoch FROM max(finished_at) - min(started_at))::float8 AS seconds,
          count(*) FILTER (WHERE status = 'FAILED')::int AS failed,
          (SELECT count(*)::int FROM orchestrations WHERE status = 'COMPLETED') AS completed_syncs,
          (SELECT count(*)::int FROM notifications) AS notifications
        FROM chunks`);
      const peaks = processes.map((p) => p.peakRss());
      const r = rows[0];
      return {
        workers,
        chunks,
        drainSeconds: round(r.seconds, 1),
        wallSeconds: round(wall, 1),
        chunksPerSecond: round(chunks / r.seconds, 1),
        failedChunks: r.failed,
        completedSyncs: r.completed_syncs,
        notifications: r.notifications,
        peakRssMiB: peaks.map((b) => round(b / MiB, 0)).join('/'),
        maxPeakRssMiB: round(Math.max(...peaks) / MiB, 0),
        reserveP50P99Ms: `${scheduler.reserve.p50} / ${scheduler.reserve.p99}`,
        fetchP50P99Ms: `${scheduler.fetch.p50} / ${scheduler.fetch.p99}`,
        schedulerSamples: scheduler.fetch.samples,
        dbMiBBefore: round(sizeBefore / MiB, 1),
        dbMiBAfter: round((await databaseBytes(db.url)) / MiB, 1),
      };
    } finally {
      await Promise.all(processes.map((p) => p.stop()));
      await client.end();
    }
  } finally {
    await db.drop();
  }
}

async function main() {
  try {
    console.log(
      `scale-out benchmark: ${SYNCS} LAST_YEAR syncs per run, connector ${DELAY_MS} ms a chunk, ${PROCESSES.join('/')} worker processes`,
    );
    const rows = [];
    for (const n of PROCESSES) {
      rows.push(await drain(n));
      console.log(`  ${n} worker process(es): ${rows.at(-1)!.chunksPerSecond} chunks/s`);
    }
    printTable('Scale-out', rows);
    const one = rows.find((r) => r.workers === 1);
    const two = rows.find((r) => r.workers === 2);
    const checks = {
      zeroFailed: {
        value: rows.map((r) => r.failedChunks).join('/'),
        met: rows.every((r) => r.failedChunks === 0 && r.completedSyncs === SYNCS),
      },
      rssUnder300MiB: {
        value: `${Math.max(...rows.map((r) => r.maxPeakRssMiB))} MiB`,
        met: rows.every((r) => r.maxPeakRssMiB < 300),
      },
      growsFrom1To2: {
        value: one && two ? `x${round(two.chunksPerSecond / one.chunksPerSecond, 2)}` : 'n/a',
        met: !!(one && two && two.chunksPerSecond > one.chunksPerSecond),
      },
    };
    for (const [name, c] of Object.entries(checks))
      console.log(`  ${name}: ${c.value}: ${c.met ? 'met' : 'NOT met'}`);
    console.log(
      `  results: ${writeResult('scaleout', { syncs: SYNCS, connectorDelayMs: DELAY_MS, rows, checks })}`,
    );
  } finally {
    await stopEmbedded();
  }
}

await main();
process.exit(0);
