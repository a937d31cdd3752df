import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { withSessionLock } from '../../../database/advisory-lock.repository.js';
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
    return withSessionLock(this.db, `destination-snapshot:${orchestrationId}`, () => fn());
  }
}
