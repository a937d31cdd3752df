import { existsSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { sql } from 'kysely';
import { ArchiveRetentionService } from '../../src/modules/archives/archive-retention.service.js';
import { ArchiveScanService } from '../../src/modules/archives/archive-scan.service.js';
import { buildZip, shortFit } from '../support/archive-files.js';
import { connectArchive, scanned, tusUpload } from '../support/archive-upload.js';
import { grantPro } from '../support/fixtures.js';
import { finished, startProviderStack, startSync, type ProviderStack } from '../support/providers.js';

const fit = shortFit;

describe('an archive’s life: a scan that runs again, retention, deletion with what reads it', () => {
  let stack: ProviderStack;
  const auth = (user: string) => ({ Authorization: `Bearer ${stack.t.token(user)}` });
  const fileOf = (id: string) => {
    const storage = stack.t.config.archives.storage;
    return storage.kind === 'local' ? join(storage.directory, id) : '';
  };

  beforeAll(async () => {
    stack = await startProviderStack();
  });
  afterAll(() => stack.close());

  async function readyArchive(user: string, files: Record<string, Buffer>) {
    await grantPro(stack.t, user);
    const { id } = await tusUpload(stack.t, user, await buildZip(files));
    expect((await scanned(stack.t, user, id)).status).toBe('READY');
    return id;
  }

  it('a scan that runs again (its job retried after a crash) rebuilds the same index, nothing twice', async () => {
    const id = await readyArchive('life-ann', {
      'a.fit': fit('2025-01-01T07:00:00Z'),
      'b.fit': fit('2025-01-02T07:00:00Z'),
      'c/b-again.fit': fit('2025-01-02T07:00:00Z'),
    });
    const before = await stack.t.db
      .selectFrom('archive_sessions')
      .select(['record_id'])
      .where('archive_id', '=', id)
      .orderBy('record_id')
      .execute();
    expect(before).toHaveLength(2); // the same file twice is one workout
    // a scan that died half way: SCANNING again, with a partial index
    await stack.t.db
      .updateTable('archives')
      .set({ status: 'SCANNING', sessions_found: 1 })
      .where('id', '=', id)
      .execute();
    await stack.t.db.deleteFrom('archive_sessions').where('record_id', '=', before[1].record_id).execute();
    await stack.t.app.get(ArchiveScanService).scan(id);
    await stack.t.app.get(ArchiveScanService).scan(id); // and a duplicate delivery of its job: a no-op
    const archive = await scanned(stack.t, 'life-ann', id);
    expect(archive).toMatchObject({ status: 'READY', sessionsFound: 2 });
    const after = await stack.t.db
      .selectFrom('archive_sessions')
      .select(['record_id'])
      .where('archive_id', '=', id)
      .orderBy('record_id')
      .execute();
    expect(after).toEqual(before);
  });

  it('an upload whose last byte was stored while the database failed is scanned on the next HEAD or GET', async () => {
    const id = await readyArchive('life-dee', { 'a.fit': fit('2025-01-01T07:00:00Z') });
    // as if onUploadFinish had failed: the file complete, the archive still UPLOADING
    await stack.t.db
      .updateTable('archives')
      .set({ status: 'UPLOADING', sessions_found: 0 })
      .where('id', '=', id)
      .execute();
    await stack.t.db.deleteFrom('archive_sessions').where('archive_id', '=', id).execute();
    const archive = await scanned(stack.t, 'life-dee', id);
    expect(archive).toMatchObject({ status: 'READY', sessionsFound: 1 });
  });

  it('is kept 30 days after its last sync ended, never while one runs; then deleted with its connection', async () => {
    const user = 'life-bob';
    const id = await readyArchive(user, { 'a.fit': fit('2025-01-01T07:00:00Z') });
    const connection = await connectArchive(stack, user, id);
    expect(connection.status).toBe(201);
    const sync = await startSync(stack.t, user, connection.body.id, { preset: 'ALL_TIME' });
    const done = await finished(stack.t, user, sync);
    const archive = (await request(stack.t.http).get(`/v1/archives/${id}`).set(auth(user)).expect(200)).body;
    const ended = (
      await stack.t.db
        .selectFrom('orchestrations')
        .select('completed_at')
        .where('id', '=', sync)
        .executeTakeFirstOrThrow()
    ).completed_at!;
    expect(done.status).toBe('COMPLETED');
    expect(Date.parse(archive.expiresAt)).toBe(ended.getTime() + 30 * 86_400_000);

    const retention = stack.t.app.get(ArchiveRetentionService);
    // the upload is old, but the sync ended just now: kept
    await stack.t.db
      .updateTable('archives')
      .set({ expires_at: sql<Date>`now() - interval '1 day'` })
      .where('id', '=', id)
      .execute();
    expect(await retention.sweepOnce()).toBe(0);
    // a sync over it running: kept, however old
    await stack.t.db
      .updateTable('orchestrations')
      .set({
        completed_at: sql<Date>`now() - interval '40 days'`,
        updated_at: sql<Date>`now() - interval '40 days'`,
      })
      .where('id', '=', sync)
      .execute();
    const running = await stack.t.db
      .updateTable('orchestrations')
      .set({ status: 'IN_PROGRESS' })
      .where('id', '=', sync)
      .executeTakeFirst();
    expect(running.numUpdatedRows).toBe(1n);
    expect(await retention.sweepOnce()).toBe(0);
    // ended 40 days ago: deleted, its file and its connection with it
    await stack.t.db
      .updateTable('orchestrations')
      .set({ status: 'COMPLETED' })
      .where('id', '=', sync)
      .execute();
    expect(existsSync(fileOf(id))).toBe(true);
    expect(await retention.sweepOnce()).toBe(1);
    await request(stack.t.http).get(`/v1/archives/${id}`).set(auth(user)).expect(404);
    await request(stack.t.http).get(`/v1/connections/${connection.body.id}`).set(auth(user)).expect(404);
    expect(existsSync(fileOf(id))).toBe(false);
  });

  it('DELETE of an archive cancels the syncs reading it and deletes their connection', async () => {
    const user = 'life-cai';
    const id = await readyArchive(user, { 'a.fit': fit('2025-01-01T07:00:00Z') });
    const connection = await connectArchive(stack, user, id);
    expect(connection.status).toBe(201);
    // a long sync, paused so that it is still running when the archive goes
    const sync = await startSync(stack.t, user, connection.body.id, {
      preset: 'CUSTOM',
      startDate: '2016-01-01',
      endDate: '2025-12-31',
    });
    await request(stack.t.http).post(`/v1/orchestrations/${sync}/pause`).set(auth(user)).expect(202);
    await request(stack.t.http).delete(`/v1/archives/${id}`).set(auth(user)).expect(204);
    const o = await request(stack.t.http).get(`/v1/orchestrations/${sync}`).set(auth(user)).expect(200);
    expect(o.body.status).toBe('CANCELLED');
    await request(stack.t.http).get(`/v1/connections/${connection.body.id}`).set(auth(user)).expect(404);
  });
});
