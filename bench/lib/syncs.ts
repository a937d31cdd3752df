import { sql, type Kysely } from 'kysely';
import { KYSELY } from '../../src/database/database.tokens.js';
import type { DB } from '../../src/database/schema.js';
import { ConnectionStoreRepository } from '../../src/modules/connection-store/connection-store.repository.js';
import { SyncStartService } from '../../src/modules/orchestration/sync-start.service.js';
import { benchEnv, FixedDelayConnector, startApp } from './app.js';

/**
 * `count` users, each with a connection and a LAST_YEAR historical sync (12 chunks, 12 jobs),
 * created through the same service path as POST historical-syncs (without HTTP). Returns the chunks.
 */
export async function createYearSyncs(url: string, count: number, prefix = 'bench'): Promise<number> {
  const api = await startApp(benchEnv(url, { ROLE: 'api' }), new FixedDelayConnector());
  try {
    const connections = api.get(ConnectionStoreRepository);
    const syncs = api.get(SyncStartService);
    for (let i = 0; i < count; i++) {
      const connection = await connections.create({
        user_id: `${prefix}-${i}`,
        source_provider: 'fitbit',
        source_external_user_id: 's',
        destination_provider: 'strava',
        destination_external_user_id: 'd',
        timezone: 'UTC',
      });
      await syncs.create(
        { userId: connection.user_id, roles: [] },
        connection.id,
        { range: { preset: 'LAST_YEAR' } },
        { key: `k-${i}`, fingerprint: 'bench', respond: (body) => ({ status: 202, body, headers: {} }) },
      );
    }
    const db = api.get<Kysely<DB>>(KYSELY);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM chunks`.execute(db);
    return rows[0].n;
  } finally {
    await api.close();
  }
}
