import { sqlRows } from './chaos-cluster.js';
import { printTable } from './report.js';

const TERMINAL_CHUNK = ['COMPLETED', 'FAILED', 'CANCELLED'];

type Row = Record<string, any>;

/** Chunk, orchestration and notification figures, read-only from the service's database. */
export async function databaseFigures(url: string) {
  const chunks = await sqlRows<Row>(
    url,
    `SELECT o.kind, c.status, count(*)::int AS n FROM chunks c JOIN orchestrations o ON o.id = c.orchestration_id
     GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  const failedByCause = await sqlRows<Row>(
    url,
    `SELECT o.kind, coalesce(c.last_error->>'code', '(none)') AS code, count(*)::int AS n
     FROM chunks c JOIN orchestrations o ON o.id = c.orchestration_id WHERE c.status = 'FAILED'
     GROUP BY 1, 2 ORDER BY 3 DESC`,
  );
  const orchestrations = await sqlRows<Row>(
    url,
    `SELECT kind, status, coalesce(last_error->>'code', '') AS cause, count(*)::int AS n
     FROM orchestrations GROUP BY 1, 2, 3 ORDER BY 1, 2`,
  );
  const counterMismatches = await sqlRows<Row>(
    url,
    `SELECT o.id FROM orchestrations o
     WHERE o.completed_chunks <> (SELECT count(*) FROM chunks c WHERE c.orchestration_id = o.id AND c.status = 'COMPLETED')
        OR o.failed_chunks <> (SELECT count(*) FROM chunks c WHERE c.orchestration_id = o.id AND c.status = 'FAILED')`,
  );
  const notifications = await sqlRows<Row>(
    url,
    `SELECT o.id, o.status,
       (SELECT count(*)::int FROM notifications n WHERE n.orchestration_id = o.id AND n.code IN ('N-05', 'N-06')) AS n
     FROM orchestrations o WHERE o.kind = 'HISTORICAL'`,
  );
  const reconnectPushes = await sqlRows<Row>(
    url,
    `SELECT user_id, count(*)::int AS n FROM notifications WHERE code::text = 'N-07' GROUP BY 1`,
  ).catch(() => []);
  const records = await sqlRows<Row>(
    url,
    `SELECT coalesce(sum(records_read), 0)::int AS read, coalesce(sum(records_written), 0)::int AS written,
       coalesce(sum(records_skipped), 0)::int AS skipped FROM chunks`,
  );
  const total = chunks.reduce((s, r) => s + r.n, 0);
  const completed = chunks.filter((r) => r.status === 'COMPLETED').reduce((s, r) => s + r.n, 0);
  const lost = chunks.filter((r) => !TERMINAL_CHUNK.includes(r.status)).reduce((s, r) => s + r.n, 0);
  return {
    chunks: { total, completed, lost, byKindAndStatus: chunks },
    chunkSuccessRate: total ? completed / total : 0,
    failedByCause,
    orchestrations,
    failedOrchestrations: orchestrations.filter((r) => r.status === 'FAILED').reduce((s, r) => s + r.n, 0),
    counterMismatches: counterMismatches.length,
    notificationsPerHistoricalSync: histogram(notifications.map((r) => r.n)),
    historicalSyncsWithoutExactlyOneNotification: notifications.filter((r) => r.n !== 1).length,
    historicalSyncs: notifications.length,
    reconnectPushes: Object.fromEntries(reconnectPushes.map((r) => [r.user_id, r.n])),
    records: records[0],
  };
}

function histogram(values: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

export interface Destination {
  provider: 'fitbit' | 'strava';
  /** The simulator's base URL (…/_sim/accounts/<login> lists what landed). */
  simulator: string;
  login: string;
}

/**
 * Copies at the destination: the same session (same start and elapsed time) more than once, or the
 * same external_id more than once, in one destination account. Returns the extra copies.
 */
export async function destinationDuplicates(destinations: Destination[]) {
  let records = 0;
  let duplicates = 0;
  let duplicateExternalIds = 0;
  const accounts: Array<{ login: string; records: number; duplicates: number }> = [];
  for (const d of destinations) {
    const res = await fetch(`${d.simulator}/_sim/accounts/${d.login}`);
    if (!res.ok) throw new Error(`destination ${d.login}: ${res.status}`);
    const body = (await res.json()) as { activities?: Row[]; dataPoints?: Row[] };
    const keys =
      d.provider === 'strava'
        ? (body.activities ?? []).map((a) => `${a.start_date}|${a.elapsed_time}`)
        : (body.dataPoints ?? []).map(
            (p) => `${p.exercise?.interval?.startTime}|${p.exercise?.interval?.endTime}`,
          );
    const externalIds = (body.activities ?? []).map((a) => a.external_id).filter(Boolean);
    const extra = keys.length - new Set(keys).size;
    records += keys.length;
    duplicates += extra;
    duplicateExternalIds += externalIds.length - new Set(externalIds).size;
    accounts.push({ login: d.login, records: keys.length, duplicates: extra });
  }
  return {
    records,
    duplicates,
    duplicateExternalIds,
    accountsWithDuplicates: accounts.filter((a) => a.duplicates > 0),
  };
}

/** The chunk and orchestration tables every chaos scenario prints. */
export function printDatabaseFigures(f: Awaited<ReturnType<typeof databaseFigures>>): void {
  printTable(
    'Chunks (all syncs)',
    f.chunks.byKindAndStatus.map((r) => ({ kind: r.kind, status: r.status, chunks: r.n })),
  );
  if (f.failedByCause.length)
    printTable(
      'Failed chunks by cause',
      f.failedByCause.map((r) => ({ kind: r.kind, code: r.code, chunks: r.n })),
    );
  printTable(
    'Orchestrations',
    f.orchestrations.map((r) => ({ kind: r.kind, status: r.status, cause: r.cause || '—', n: r.n })),
  );
}
