import type { TestApp } from './app.js';
import { ConnectionStoreRepository } from '../../src/modules/connection-store/connection-store.repository.js';
import type { Connection, ProviderName } from '../../src/database/schema.js';

/** Grants (or removes) PRO through the admin API, as an operator would. */
export async function grantPro(t: TestApp, userId: string, expiresAt?: string): Promise<void> {
  const { default: request } = await import('supertest');
  await request(t.http)
    .put(`/v1/admin/users/${encodeURIComponent(userId)}/entitlement`)
    .set('Authorization', `Bearer ${t.token('ops', ['admin'])}`)
    .send({ tier: 'PRO', ...(expiresAt ? { expiresAt } : {}) })
    .expect(200);
}

/** A connection row written through the repository (the connections API is tested on its own). */
export function createConnection(
  t: TestApp,
  userId: string,
  options: { timezone?: string; source?: ProviderName; destination?: ProviderName } = {},
): Promise<Connection> {
  return t.app.get(ConnectionStoreRepository).create({
    user_id: userId,
    source_provider: options.source ?? 'fitbit',
    source_external_user_id: `${userId}-source`,
    destination_provider: options.destination ?? 'strava',
    destination_external_user_id: `${userId}-destination`,
    timezone: options.timezone ?? 'UTC',
  });
}

/** The chunk jobs pg-boss holds for an orchestration, with their state. */
export async function chunkJobs(
  t: TestApp,
  orchestrationId: string,
): Promise<Array<{ id: string; state: string; group_id: string | null }>> {
  const { sql } = await import('kysely');
  const { rows } = await sql<{ id: string; state: string; group_id: string | null }>`
    SELECT id, state::text AS state, group_id FROM pgboss.job
    WHERE name = 'chunk.process' AND data->>'orchestrationId' = ${orchestrationId}
  `.execute(t.db);
  return rows;
}
