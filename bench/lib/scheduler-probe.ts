import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { DB } from '../../src/database/schema.js';
import { FairShareRepository } from '../../src/modules/chunks/fair-share.repository.js';
import { round } from './report.js';

/**
 * Times the scheduler's statements while a queue drains, every `intervalMs`, each in a transaction
 * that is rolled back (nothing changes): the fair-tag reservation a new sync makes
 * (FairShareRepository.reserve) and the selection a pg-boss worker's fetch makes (the chunk queue's
 * next jobs by priority, then age, FOR UPDATE SKIP LOCKED). Their p50/p99 at 1,000 vs 10,000
 * queued syncs show whether they grow with the queue.
 */
export class SchedulerProbe {
  private readonly db: Kysely<DB>;
  private readonly samples = { reserveMs: [] as number[], fetchMs: [] as number[] };
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(url: string) {
    this.db = new Kysely<DB>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
    });
  }

  start(intervalMs = 250): void {
    this.timer = setInterval(() => void this.sample(), intervalMs);
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const repository = new FairShareRepository(this.db);
    try {
      await this.db
        .transaction()
        .execute(async (trx) => {
          let t = performance.now();
          await repository.reserve(trx, 'scheduler-probe', 1);
          this.samples.reserveMs.push(performance.now() - t);
          t = performance.now();
          await pgBossFetch(trx);
          this.samples.fetchMs.push(performance.now() - t);
          throw new Rollback();
        })
        .catch((error: unknown) => {
          if (!(error instanceof Rollback)) throw error;
        });
    } catch {
      // a sample lost to a busy database is just not counted
    } finally {
      this.busy = false;
    }
  }

  async stop(): Promise<Record<string, { samples: number; p50: number; p99: number }>> {
    clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 20));
    await this.db.destroy();
    const stats = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const at = (q: number) =>
        round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0, 2);
      return { samples: sorted.length, p50: at(0.5), p99: at(0.99) };
    };
    return { reserve: stats(this.samples.reserveMs), fetch: stats(this.samples.fetchMs) };
  }
}

class Rollback extends Error {}

/** The job selection at the heart of pg-boss 12's fetch for the chunk queue (plans.js fetchNextJob). */
async function pgBossFetch(trx: Kysely<DB>): Promise<void> {
  await sql`
    SELECT j.id FROM pgboss.job j
    WHERE j.name = 'chunk.process' AND j.state < 'active' AND NOT j.blocked AND j.start_after <= now()
    ORDER BY j.priority DESC, j.created_on
    LIMIT 8
    FOR UPDATE OF j SKIP LOCKED
  `.execute(trx);
}
