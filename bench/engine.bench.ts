/**
 * Engine overhead: chunks/s end to end (create -> RUNNING -> connector -> COMPLETED, counters,
 * completion, analytics) with a zero-latency in-process connector, against raw pg-boss no-op jobs/s
 * with the same worker settings on the same database in the same run. The ratio is the figure.
 */
import { sql, type Kysely } from 'kysely';
import { PgBoss } from 'pg-boss';
import { loadConfig } from '../src/config/app-config.js';
import { KYSELY } from '../src/database/database.tokens.js';
import { JobName } from '../src/jobs/job-names.js';
import { queueDefinitions } from '../src/jobs/queue-definitions.js';
import type { DB } from '../src/database/schema.js';
import { benchEnv, FixedDelayConnector, startApp } from './lib/app.js';
import { freshDatabase, stopEmbedded } from './lib/database.js';
import { createYearSyncs } from './lib/syncs.js';
import { printTable, round, writeResult } from './lib/report.js';

const SYNCS = Number(process.env.BENCH_SYNCS ?? 150); // x 12 chunks
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** Seconds from the first chunk taken to the last one completed (database clock), so boot is not counted. */
async function drainEngine(url: string, chunks: number): Promise<number> {
  const worker = await startApp(
    benchEnv(url, {
      ROLE: 'worker',
      CHUNK_WORKER_CONCURRENCY: String(CONCURRENCY),
      CHUNK_USER_CONCURRENCY: '4',
      JOBS_POLL_INTERVAL_SECONDS: '0.5',
    }),
    new FixedDelayConnector(),
  );
  const db = worker.get<Kysely<DB>>(KYSELY);
  for (;;) {
    const { rows } = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM chunks WHERE status = 'COMPLETED'`.execute(db);
    if (rows[0].n >= chunks) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const { rows } = await sql<{ seconds: number }>`
    SELECT extract(epoch FROM max(finished_at) - min(started_at))::float8 AS seconds FROM chunks`.execute(db);
  await worker.close();
  return rows[0].seconds;
}

/** Seconds from the first job handed to the handler to the last one completed. */
/**
 * The same queue options (partitioned, retries, expiry, heartbeat, dead-letter queue) and worker
 * options (local and group concurrency, burst, per-job results) as the chunk queue, a no-op handler.
 */
async function drainRawPgBoss(url: string, jobs: number): Promise<number> {
  const env = benchEnv(url, {
    ROLE: 'worker',
    CHUNK_WORKER_CONCURRENCY: String(CONCURRENCY),
    CHUNK_USER_CONCURRENCY: '4',
    JOBS_POLL_INTERVAL_SECONDS: '0.5',
  });
  const chunkQueue = queueDefinitions(loadConfig(env)).find((d) => d.name === JobName.ChunkProcess)!;
  const boss = new PgBoss({
    connectionString: url,
    schema: 'pgboss_raw',
    superviseIntervalSeconds: 2,
    monitorIntervalSeconds: 2,
    queueCacheIntervalSeconds: 2,
    schedule: false,
  });
  boss.on('error', () => undefined);
  await boss.start();
  await boss.createQueue('noop-dead');
  await boss.createQueue('noop', { ...chunkQueue.queue, deadLetter: 'noop-dead' });
  await boss.insert(
    'noop',
    Array.from({ length: jobs }, (_, i) => ({ data: { i }, group: { id: `bench-${i % SYNCS}` } })),
  );
  let done = 0;
  const finished = Promise.withResolvers<void>();
  let started = 0;
  await boss.work('noop', { ...chunkQueue.work, batchSize: 1, perJobResults: true }, async (batch) => {
    started ||= performance.now();
    done += batch.length;
    if (done >= jobs) finished.resolve();
    return batch.map((job) => ({ id: job.id, status: 'completed' as const }));
  });
  await finished.promise;
  const seconds = (performance.now() - started) / 1000;
  await boss.stop({ graceful: false, close: true });
  return seconds;
}

async function measureRound(n: number) {
  const db = await freshDatabase(`engine${n}`);
  try {
    const chunks = await createYearSyncs(db.url, SYNCS);
    // alternate which runs first, so neither gets a warmer cache every time
    let raw: number, engine: number;
    if (n % 2 === 0) {
      raw = await drainRawPgBoss(db.url, chunks);
      engine = await drainEngine(db.url, chunks);
    } else {
      engine = await drainEngine(db.url, chunks);
      raw = await drainRawPgBoss(db.url, chunks);
    }
    return {
      round: n + 1,
      chunks,
      rawSeconds: round(raw),
      rawPerSecond: round(chunks / raw, 1),
      engineSeconds: round(engine),
      enginePerSecond: round(chunks / engine, 1),
      ratio: round(raw / engine, 3),
      server: db.server,
    };
  } finally {
    await db.drop();
  }
}

async function main() {
  try {
    console.log(
      `engine benchmark: ${ROUNDS} rounds of ${SYNCS} LAST_YEAR syncs, worker concurrency ${CONCURRENCY}`,
    );
    const rows = [];
    for (let n = 0; n < ROUNDS; n++) rows.push(await measureRound(n));
    const ratio = [...rows.map((r) => r.ratio)].sort((a, b) => a - b)[Math.floor(rows.length / 2)];
    printTable(
      'Engine overhead (chunks/s end to end vs raw pg-boss no-op jobs/s)',
      rows.map(({ server: _, ...r }) => r),
    );
    console.log(
      `\n  median ratio engine / raw = ${ratio} (target >= 0.5): ${ratio >= 0.5 ? 'met' : 'NOT met'}`,
    );
    console.log(
      `  results: ${writeResult('engine', { syncs: SYNCS, concurrency: CONCURRENCY, database: rows[0].server, rows, ratio, target: 0.5, met: ratio >= 0.5 })}`,
    );
  } finally {
    await stopEmbedded();
  }
}

await main();
process.exit(0);
