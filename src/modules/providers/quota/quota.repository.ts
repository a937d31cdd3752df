import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { retryTransaction } from '../../../database/database-errors.js';
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

/** The one order quota rows are locked in (byte order, the same in JavaScript and in the SQL above). */
const compareKeys = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * No request leaves in the last moments of a window (1 % of it, 1 s at most): one sent then may
 * reach the provider after its window turned, counted there in the next window while ours counted
 * it in this one, and the next window's last requests would meet a 429.
 */
export const boundaryGuardMs = (windowMs: number): number => Math.min(1_000, windowMs / 100);

/**
 * Units of a window's budget never taken (0.5 % of it, rounded: 1 of Strava's 200 or 100, 10 of its
 * 2,000 a day; none of a budget under 100): a request we counted in the last window that the
 * provider counted in this one (a send delayed past the boundary guard on a loaded host) would
 * otherwise meet a 429 with the window's last request.
 */
export const headroom = (limit: number): number => Math.round(limit / 200);

export type AcquireOutcome = { ok: true } | { ok: false; retryAt: Date; windowMs: number };

/** Quota budgets in PostgreSQL, so every worker draws on the same counters. */
@Injectable()
export class QuotaRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  /**
   * Takes one request from every bucket, all or nothing, in one transaction (rows locked in key
   * order, so concurrent acquirers never deadlock). When a bucket is spent (but its `headroom`), or
   * its window is about to turn (`boundaryGuardMs`), says when it frees up.
   */
  acquire(uses: BucketUse[], now = Date.now()): Promise<AcquireOutcome> {
    const sorted = [...uses].sort((a, b) => compareKeys(a.key, b.key));
    return retryTransaction(() =>
      this.db.transaction().execute(async (trx) => {
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
          .orderBy(sql`bucket COLLATE "C"`)
          .forUpdate()
          .execute();
        let retryAt = 0;
        let windowMs = 0;
        const spent = (at: number, u: BucketUse) => {
          if (at > retryAt) [retryAt, windowMs] = [at, u.windowMs];
        };
        const next = sorted.map((u) => {
          const row = rows.find((r) => r.bucket === u.key)!;
          const index = Math.floor(now / u.windowMs);
          const used = row.window_index === index ? row.used : 0;
          const blocked =
            row.blocked_until && row.blocked_until.getTime() > now ? row.blocked_until.getTime() : 0;
          const end = (index + 1) * u.windowMs;
          if (blocked) spent(blocked, u);
          else if (used >= u.limit - headroom(u.limit) || end - now < boundaryGuardMs(u.windowMs))
            spent(end, u);
          return { u, index, used };
        });
        if (retryAt > 0) return { ok: false as const, retryAt: new Date(retryAt), windowMs };
        for (const { u, index, used } of next) {
          await trx
            .updateTable('provider_quota')
            .set({
              window_index: index,
              used: used + 1,
              limit_per_window: u.limit,
              updated_at: new Date(now),
            })
            .where('bucket', '=', u.key)
            .execute();
        }
        return { ok: true as const };
      }),
    );
  }

  /**
   * The provider's own counts (rate-limit headers) win when they are higher than ours. One bucket
   * per statement, in key order (the order acquire locks them in), so it never deadlocks with an
   * acquire or another correction.
   */
  async observe(usage: Array<[BucketUse, number]>, now = Date.now()): Promise<void> {
    const sorted = [...usage].sort((a, b) => compareKeys(a[0].key, b[0].key));
    for (const [use, used] of sorted) {
      await retryTransaction(() =>
        this.db
          .updateTable('provider_quota')
          .set({ used, updated_at: new Date(now) })
          .where('bucket', '=', use.key)
          .where('window_index', '=', Math.floor(now / use.windowMs))
          .where('used', '<', used)
          .execute(),
      );
    }
  }

  /** After a 429: nobody spends from these buckets until `until` (one row at a time, in key order). */
  async block(keys: string[], until: Date): Promise<void> {
    for (const key of [...keys].sort(compareKeys)) {
      await retryTransaction(() =>
        this.db
          .updateTable('provider_quota')
          .set({
            blocked_until: sql`greatest(coalesce(blocked_until, ${until}), ${until})`,
            updated_at: new Date(),
          })
          .where('bucket', '=', key)
          .execute(),
      );
    }
  }
}
