import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { sql, type Kysely, type Selectable } from 'kysely';
import { InjectDb } from '../../../database/database.tokens.js';
import type { DB, ProviderName, SyncLedgerTable } from '../../../database/schema.js';

export type LedgerEntry = Selectable<SyncLedgerTable>;

export interface LedgerScope {
  connectionId: string;
  orchestrationId: string;
  chunkId: string;
}

/**
 * The idempotency key of a source record at a destination account: the same record always gets the
 * same key there, whatever connection, orchestration or attempt writes it. `sw-` + 32 hex digits
 * fits Google's client-provided ids (4-63 of [a-z0-9-]) and Strava's external_id.
 */
export function recordKey(
  destination: { provider: ProviderName; externalUserId: string },
  source: { provider: ProviderName; id: string },
): string {
  const digest = createHash('sha256')
    .update(`${destination.provider}:${destination.externalUserId}:${source.provider}:${source.id}`)
    .digest('hex');
  return `sw-${digest.slice(0, 32)}`;
}

/**
 * The sync ledger: a claim before every destination write, the destination id after it. Its
 * identity is the record's key at the destination account (recordKey), so a record is written once
 * per destination account whatever connection, orchestration or attempt writes it: deleting and
 * re-creating a connection, or two connections to the same destination, find the earlier entry.
 */
@Injectable()
export class SyncLedgerRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  /**
   * Claims a record for writing. Returns undefined when the claim is new; otherwise the entry as it
   * was before this claim (CLAIMED means an earlier attempt may have written it and not recorded
   * that; its chunk_id says which chunk made that attempt).
   */
  async claim(scope: LedgerScope, sourceRecordId: string, key: string): Promise<LedgerEntry | undefined> {
    const inserted = await this.db
      .insertInto('sync_ledger')
      .values({
        connection_id: scope.connectionId,
        source_record_id: sourceRecordId,
        idempotency_key: key,
        status: 'CLAIMED',
        orchestration_id: scope.orchestrationId,
        chunk_id: scope.chunkId,
        updated_at: new Date(),
      })
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returning('source_record_id')
      .executeTakeFirst();
    if (inserted) return undefined;
    const { rows } = await sql<LedgerEntry>`
      WITH earlier AS (SELECT * FROM sync_ledger WHERE idempotency_key = ${key} FOR UPDATE)
      UPDATE sync_ledger l SET attempts = l.attempts + 1, connection_id = ${scope.connectionId},
        orchestration_id = ${scope.orchestrationId}, chunk_id = ${scope.chunkId}, updated_at = now()
      FROM earlier WHERE l.idempotency_key = earlier.idempotency_key
      RETURNING earlier.*
    `.execute(this.db);
    return rows[0];
  }

  /**
   * Takes back a claim this chunk's run made and whose write never left (held back by a spent
   * request budget): no entry, so the next run writes the record as new. Only a claim nobody has
   * made since (`attempts` 1: every other claim of the key counts one more), so a concurrent run
   * that claimed it again keeps its entry.
   */
  async release(scope: LedgerScope, key: string): Promise<void> {
    await this.db
      .deleteFrom('sync_ledger')
      .where('idempotency_key', '=', key)
      .where('status', '=', 'CLAIMED')
      .where('destination_id', 'is', null)
      .where('chunk_id', '=', scope.chunkId)
      .where('attempts', '=', 1)
      .execute();
  }

  async markWritten(key: string, destinationId: string): Promise<void> {
    await this.db
      .updateTable('sync_ledger')
      .set({ status: 'WRITTEN', destination_id: destinationId, reason: null, updated_at: new Date() })
      .where('idempotency_key', '=', key)
      .execute();
  }

  /** Records why a record was not written (invalid at the source, refused by the destination). */
  async markSkipped(scope: LedgerScope, sourceRecordId: string, key: string, reason: string): Promise<void> {
    await this.db
      .insertInto('sync_ledger')
      .values({
        connection_id: scope.connectionId,
        source_record_id: sourceRecordId,
        idempotency_key: key,
        status: 'SKIPPED',
        reason: reason.slice(0, 1000),
        orchestration_id: scope.orchestrationId,
        chunk_id: scope.chunkId,
        updated_at: new Date(),
      })
      .onConflict((oc) =>
        oc
          .column('idempotency_key')
          .doUpdateSet({ status: 'SKIPPED', reason: reason.slice(0, 1000), updated_at: new Date() })
          .where('sync_ledger.status', '<>', 'WRITTEN'),
      )
      .execute();
  }
}
