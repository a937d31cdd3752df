/**
 * What the `bad-records` scenario checks per sync: which source records the simulators failed on
 * purpose (the planted set), what the import report says about them and about the others, the sync's
 * end, its completion push, and what landed at the destination.
 */
import { faultsSeed, isPoisoned } from '../../src/simulators/common/faults.js';
import { sqlRows } from './chaos-cluster.js';
import * as sim from './chaos-faults.js';
import type { User } from './chaos-scenario.js';
import type { ApiCall } from './connect.js';

export interface ReportRow {
  sourceRecordId: string;
  status: string;
  startTime: string | null;
  reason: { code: string; message: string } | null;
}

/** Every row of a sync's import report (GET /v1/orchestrations/{id}/records, all pages). */
export async function importReport(api: ApiCall, orchestrationId: string): Promise<ReportRow[]> {
  const rows: ReportRow[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const res = await api('GET', `/v1/orchestrations/${orchestrationId}/records?limit=100${query}`);
    if (res.status !== 200) throw new Error(`import report of ${orchestrationId}: HTTP ${res.status}`);
    rows.push(...(res.body.items as ReportRow[]));
    cursor = res.body.nextCursor as string | null;
  } while (cursor);
  return rows;
}

export interface Push {
  code: string;
  orchestrationId: string | null;
  deliveries: unknown[];
}

/** The user's notifications (GET /v1/notifications, all pages). */
export async function notifications(api: ApiCall): Promise<Push[]> {
  const items: Push[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const res = await api('GET', `/v1/notifications?limit=100${query}`);
    if (res.status !== 200) throw new Error(`notifications: HTTP ${res.status}`);
    items.push(...(res.body.items as Push[]));
    cursor = res.body.nextCursor as string | null;
  } while (cursor);
  return items;
}

/**
 * The records a user's sync must fail, from the simulators' log of poisoned answers: a source
 * record whose read was poisoned (the key is its id), and one whose destination write was (the key
 * is the write's identity: a Google data point id or a Strava external_id, `<key>.fit`, found in
 * the service's ledger, or a manual Strava activity's start_date_local, matched on the start time).
 * Also the source records the hash says are read-poisoned (`isPoisoned` on the ids the service must
 * read one by one: Google exercises with GPS, Strava activities with a track), as a cross-check.
 */
export async function plantedRecords(input: {
  user: User;
  rows: ReportRow[];
  sourceHits: sim.PoisonHit[];
  destinationHits: sim.PoisonHit[];
  dbUrl: string;
  rate: number;
}) {
  const { user: u, rows } = input;
  const ids = new Set(rows.map((r) => r.sourceRecordId));
  const readHits = input.sourceHits.filter(
    (h) => h.account === u.source.login && sim.RECORD_READS.includes(h.endpoint),
  );
  const planted = new Set(readHits.map((h) => h.key).filter((k) => ids.has(k)));

  const ledger = new Map(
    (
      await sqlRows<{ key: string; id: string }>(
        input.dbUrl,
        `SELECT idempotency_key AS key, source_record_id AS id FROM sync_ledger WHERE connection_id = $1`,
        [u.connectionId],
      )
    ).map((r) => [r.key, r.id]),
  );
  const unmapped: string[] = [];
  for (const h of input.destinationHits.filter((x) => x.account === u.destination.login)) {
    let id: string | undefined;
    if (h.endpoint === 'activities.create' && !Number.isNaN(Date.parse(h.key)))
      id = rows.find((r) => r.startTime && Date.parse(r.startTime) === Date.parse(h.key))?.sourceRecordId;
    else if (sim.RECORD_WRITES.includes(h.endpoint)) id = ledger.get(h.key.replace(/\.fit$/, ''));
    if (id && ids.has(id)) planted.add(id);
    else unmapped.push(`${h.endpoint} ${h.key}`);
  }

  // the cross-check: the hash over the source records that need a read of their own
  const source = await sim.accountContents(u.source.simulator, u.source.login);
  const readOneByOne = new Set<string>(
    u.source.provider === 'fitbit'
      ? (source.dataPoints as any[])
          .filter((p) => p.exercise?.exerciseMetadata?.hasGps === true)
          .map((p) => String(String(p.name).split('/').at(-1)))
      : (source.activities as any[]).filter((a) => a.start_latlng?.length === 2).map((a) => String(a.id)),
  );
  const seed = faultsSeed(u.source.provider === 'fitbit' ? 'google' : 'strava');
  const byHash = [...ids].filter((id) => readOneByOne.has(id) && isPoisoned(id, input.rate, seed));
  const readPlanted = readHits.map((h) => h.key).filter((k) => ids.has(k));
  const hashAgrees =
    byHash.length === new Set(readPlanted).size && byHash.every((id) => readPlanted.includes(id));
  return { planted, unmapped, hashAgrees, byHash: byHash.length, readPlanted: new Set(readPlanted).size };
}

export interface SyncOutcome {
  user: string;
  syncId: string;
  status: string;
  seconds: number | null;
  rows: number;
  planted: number;
  /** Planted records FAILED with PROVIDER_RECORD_ERROR. */
  failedAsPlanted: number;
  /** FAILED records that were not planted, or planted ones FAILED with another code. */
  wrongFailures: string[];
  /** Planted records not FAILED. */
  plantedNotFailed: string[];
  /** Records neither planted nor IMPORTED / SKIPPED_DUPLICATE. */
  othersNotImported: string[];
  unmappedHits: string[];
  hashAgrees: boolean;
  completionPushes: string[];
  /** Destination records, and distinct source records the user's syncs report IMPORTED. */
  destinationRecords: number;
  importedDistinct: number;
}

/** Compares one sync's import report with its planted set. */
export function compare(rows: ReportRow[], planted: Set<string>) {
  const wrongFailures: string[] = [];
  const plantedNotFailed: string[] = [];
  const othersNotImported: string[] = [];
  let failedAsPlanted = 0;
  for (const r of rows) {
    const isPlanted = planted.has(r.sourceRecordId);
    if (isPlanted && r.status === 'FAILED' && r.reason?.code === 'PROVIDER_RECORD_ERROR') failedAsPlanted++;
    else if (r.status === 'FAILED') wrongFailures.push(`${r.sourceRecordId}:${r.reason?.code ?? '?'}`);
    else if (isPlanted) plantedNotFailed.push(`${r.sourceRecordId}:${r.status}`);
    else if (r.status !== 'IMPORTED' && r.status !== 'SKIPPED_DUPLICATE')
      othersNotImported.push(`${r.sourceRecordId}:${r.status}`);
  }
  return { failedAsPlanted, wrongFailures, plantedNotFailed, othersNotImported };
}

/** Orchestration rows (kind, status, seconds from creation to completion), read-only. */
export async function orchestrationTimes(dbUrl: string) {
  const rows = await sqlRows<{ id: string; kind: string; status: string; seconds: number | null }>(
    dbUrl,
    `SELECT id, kind, status,
       extract(epoch FROM (coalesce(completed_at, CASE WHEN status IN ('COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED') THEN updated_at END) - created_at))::float AS seconds
     FROM orchestrations`,
  );
  return new Map(rows.map((r) => [r.id, r]));
}
