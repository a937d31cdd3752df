import request from 'supertest';
import type { TestApp } from './app.js';
import { grantPro } from './fixtures.js';

/** POST .../historical-syncs with any body (duplicatePolicy included); the 202's orchestration. */
export async function startSyncWith(t: TestApp, user: string, connectionId: string, body: object) {
  await grantPro(t, user);
  const res = await request(t.http)
    .post(`/v1/connections/${connectionId}/historical-syncs`)
    .set('Authorization', `Bearer ${t.token(user)}`)
    .set('Idempotency-Key', `k-${Math.random()}`)
    .send(body);
  if (res.status !== 202) throw new Error(`sync answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as { orchestrationId: string; duplicatePolicy: string };
}

/** Every row of the import report (GET .../records), page by page. */
export async function report(t: TestApp, user: string, id: string, query: Record<string, string> = {}) {
  const rows: Array<Record<string, any>> = [];
  let cursor: string | undefined;
  do {
    const res = await request(t.http)
      .get(`/v1/orchestrations/${id}/records`)
      .query({ limit: 37, ...query, ...(cursor ? { cursor } : {}) })
      .set('Authorization', `Bearer ${t.token(user)}`)
      .expect(200);
    rows.push(...res.body.items);
    cursor = res.body.nextCursor ?? undefined;
  } while (cursor);
  return rows;
}
