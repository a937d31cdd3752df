import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { withSessionLock } from '../../../database/advisory-lock.repository.js';
import { InjectDb } from '../../../database/database.tokens.js';
import type { DB } from '../../../database/schema.js';

/** The session advisory lock that lets one replica at a time sweep. */
export const SWEEP_LOCK_KEY = 4_201_766_311;

/** The sweeps' lock (engine/sweeper.service.ts). */
@Injectable()
export class SweepLockRepository {
  constructor(@InjectDb() private readonly db: Kysely<DB>) {}

  /**
   * Runs `fn` holding the sweep lock: a session advisory lock on a pooled connection of its own, held
   * for the whole sweep (no transaction stays open), released by a process that dies with its
   * connection. `{ held: false }`, without running `fn`, when another replica holds it.
   */
  withSweepLock<T>(fn: () => Promise<T>): Promise<{ held: true; value: T } | { held: false }> {
    return withSessionLock(this.db, SWEEP_LOCK_KEY, () => fn());
  }
}
