import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { InjectDb } from '../../../database/database.tokens.js';
import type { DB, SnapshotActivity } from '../../../database/schema.js';

export interface DestinationSnapshot {
  activities: SnapshotActivity[];
  takenAt: Date;
}

/** A sync's listing of what its destination holds over the sync's range (destination_snapshots). */
@Injectable()
export class DestinationSnapshotsRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  async find(orchestrationId: string): Promise<DestinationSnapshot | undefined> {
    const row = await this.db
      .selectFrom('destination_snapshots')
      .select(['activities', 'taken_at'])
      .where('orchestration_id', '=', orchestrationId)
      .executeTakeFirst();
    return row && { activities: row.activities, takenAt: row.taken_at };
  }

  /** Stores (or replaces) the sync's listing; its time is the database's now. */
  async save(orchestrationId: string, activities: SnapshotActivity[]): Promise<void> {
    const json = JSON.stringify(activities);
    await this.db
      .insertInto('destination_snapshots')
      .values({ orchestration_id: orchestrationId, activities: json })
      .onConflict((oc) =>
        oc.column('orchestration_id').doUpdateSet({ activities: json, taken_at: sql`now()` }),
      )
      .execute();
  }

  /**
   * Runs `fn` holding the sync's snapshot lock (a session advisory lock), so one chunk of a sync
   * lists its destination while the others wait for the result; `held: false` when another
   * process holds it now.
   */
  withLock<T>(
    orchestrationId: string,
    fn: () => Promise<T>,
  ): Promise<{ held: true; value: T } | { held: false }> {
    const key = sql`hashtextextended(${`destination-snapshot:${orchestrationId}`}, 0)`;
    return this.db.connection().execute(async (conn) => {
      const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(${key}) AS locked`.execute(
        conn,
      );
      if (!rows[0].locked) return { held: false as const };
      try {
        return { held: true as const, value: await fn() };
      } finally {
        await sql`SELECT pg_advisory_unlock(${key})`.execute(conn).catch(() => undefined);
      }
    });
  }
}
