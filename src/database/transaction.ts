import type { Kysely } from 'kysely';
import type { DB } from './schema.js';

/**
 * How a transaction is passed (the one convention, see ARCHITECTURE.md "Transactions"):
 *
 * - A service begins it (`this.db.transaction().execute(async (trx) => …)`) and passes `trx` down.
 * - A repository method takes it as a parameter named `executor`, typed `Executor` (`Kysely<DB>`, which
 *   a `Transaction<DB>` is):
 *   - FIRST and required when the method only makes sense inside the caller's transaction (locks,
 *     writes that must commit with other rows): `lock(executor: Executor, id: string)`;
 *   - LAST with the injected pool as default when it may also run on its own:
 *     `findById(id: string, executor: Executor = this.db)`.
 * - `JobsService.send/insert/cancel` take the transaction last (`trx?: Transaction<DB>`), so a job
 *   commits or rolls back with the rows.
 *
 * No unit-of-work object and no ambient (AsyncLocalStorage) transaction: what runs in a transaction is
 * visible in the call.
 */
export type Executor = Kysely<DB>;
