import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { InjectDb } from '../../../database/database.tokens.js';
import type { DB, ProviderName } from '../../../database/schema.js';

/** One request's claim on a quota bucket. */
export interface BucketUse {
  key: string;
  provider: ProviderName;
  limit: number;
  /** Window length in real milliseconds (already time-scaled). */
  windowMs: number;
}

export type AcquireOutcome = { ok: true } | { ok: false; retryAt: Date };

/** Quota budgets in PostgreSQL, so every worker draws on the same counters. */
@Injectable()
export class QuotaRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  /**
   * Takes one request from every bucket, all or nothing, in one transaction (rows locked in key
   * order, so concurrent acquirers never deadlock). When a bucket is spent, says when it frees up.
   */
  acquire(uses: BucketUse[], now = Date.now()): Promise<AcquireOutcome> {
    const sorted = [...uses].sort((a, b) => a.key.localeCompare(b.key));
    return this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('provider_quota')
        .values(
          sorted.map((u) => ({
            bucket: u.key,
            provider: u.provider,
            window_index: Math.floor(now / u.windowMs),
            used: 0,
            limit_per_window: u.limit,
            updated_at: new Date(now),
          })),
        )
        .onConflict((oc) => oc.column('bucket').doNothing())
        .execute();
      const rows = await trx
        .selectFrom('provider_quota')
        .selectAll()
        .where(
          'bucket',
          'in',
          sorted.map((u) => u.key),
        )
        .orderBy('bucket')
        .forUpdate()
        .execute();
      let retryAt = 0;
      const next = sorted.map((u) => {
        const row = rows.find((r) => r.bucket === u.key)!;
        const index = Math.floor(now / u.windowMs);
        const used = row.window_index === index ? row.used : 0;
        const blocked =
          row.blocked_until && row.blocked_until.getTime() > now ? row.blocked_until.getTime() : 0;
        if (blocked) retryAt = Math.max(retryAt, blocked);
        else if (used >= u.limit) retryAt = Math.max(retryAt, (index + 1) * u.windowMs);
        return { u, index, used };
      });
      if (retryAt > 0) return { ok: false as const, retryAt: new Date(retryAt) };
      for (const { u, index, used } of next) {
        await trx
          .updateTable('provider_quota')
          .set({ window_index: index, used: used + 1, limit_per_window: u.limit, updated_at: new Date(now) })
          .where('bucket', '=', u.key)
          .execute();
      }
      return { ok: true as const };
    });
  }

  /** The provider's own counts (rate-limit headers) win when they are higher than ours. */
  async observe(usage: Array<[BucketUse, number]>, now = Date.now()): Promise<void> {
    const values = usage.map(
      ([use, used]) => sql`(${use.key}, ${Math.floor(now / use.windowMs)}::bigint, ${used}::int)`,
    );
    await sql`
      UPDATE provider_quota q SET used = greatest(q.used, v.used), updated_at = now()
      FROM (VALUES ${sql.join(values)}) AS v(bucket, window_index, used)
      WHERE q.bucket = v.bucket AND q.window_index = v.window_index AND q.used < v.used
    `.execute(this.db);
  }

  /** After a 429: nobody spends from these buckets until `until`. */
  async block(keys: string[], until: Date): Promise<void> {
    await this.db
      .updateTable('provider_quota')
      .set({
        blocked_until: sql`greatest(coalesce(blocked_until, ${until}), ${until})`,
        updated_at: new Date(),
      })
      .where('bucket', 'in', keys)
      .execute();
  }

  snapshot(provider?: ProviderName) {
    let query = this.db.selectFrom('provider_quota').selectAll();
    if (provider) query = query.where('provider', '=', provider);
    return query.orderBy('bucket').execute();
  }
}
