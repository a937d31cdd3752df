import { existsSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp, type TestApp } from '../support/app.js';
import { buildZip, shortFit } from '../support/archive-files.js';
import { scanned, tusUpload } from '../support/archive-upload.js';
import { grantPro } from '../support/fixtures.js';

const fit = shortFit;

describe('archive uploads: limits and bad input each get their answer, never a 5xx or a stuck archive', () => {
  let t: TestApp;
  const auth = (user: string) => ({ Authorization: `Bearer ${t.token(user)}` });
  const tusHeaders = (length: number) => ({
    'Tus-Resumable': '1.0.0',
    'Upload-Length': String(length),
    'Upload-Metadata': `filename ${Buffer.from('x.zip').toString('base64')}`,
  });

  beforeAll(async () => {
    t = await createTestApp({ env: { ARCHIVE_MAX_BYTES: String(5 * 2 ** 20) } });
    await grantPro(t, 'hos-pro');
  });
  afterAll(() => t.close());

  async function failedWith(bytes: Buffer) {
    const { id } = await tusUpload(t, 'hos-pro', bytes);
    const archive = await scanned(t, 'hos-pro', id);
    expect(archive.status).toBe('FAILED');
    expect(archive.format).toBeNull();
    expect(archive.sessionsFound).toBe(0);
    return archive.problems as Array<{ entry: string | null; code: string; message: string }>;
  }

  it('answers 401 without a token, 403 PRO_REQUIRED for a free user, 413 ARCHIVE_TOO_LARGE over the limit; nothing is created', async () => {
    await request(t.http).post('/v1/archives/uploads').set(tusHeaders(100)).expect(401);
    const free = await request(t.http)
      .post('/v1/archives/uploads')
      .set(auth('hos-free'))
      .set(tusHeaders(100))
      .expect(403);
    expect(free.body.code).toBe('PRO_REQUIRED');
    const big = await request(t.http)
      .post('/v1/archives/uploads')
      .set(auth('hos-pro'))
      .set(tusHeaders(5 * 2 ** 20 + 1))
      .expect(413);
    expect(big.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(big.body).toMatchObject({
      code: 'ARCHIVE_TOO_LARGE',
      detail: expect.stringContaining('at most 5 MiB'),
    });
    const noLength = await request(t.http)
      .post('/v1/archives/uploads')
      .set(auth('hos-pro'))
      .set({ 'Tus-Resumable': '1.0.0', 'Upload-Defer-Length': '1' })
      .expect(400);
    expect(noLength.body.code).toBe('MALFORMED_REQUEST');
    const list = await request(t.http).get('/v1/archives').set(auth('hos-pro')).expect(200);
    expect(list.body.items).toEqual([]);
  });

  it('answers the capabilities of the tus server (OPTIONS)', async () => {
    const res = await request(t.http).options('/v1/archives/uploads').set(auth('hos-pro')).expect(204);
    expect(res.headers['tus-version']).toBe('1.0.0');
    expect(res.headers['tus-extension']).toContain('creation');
    expect(res.headers['tus-max-size']).toBe(String(5 * 2 ** 20));
  });

  it('a file that is not a ZIP, a ZIP with nothing we know, a ZIP bomb, a path leaving the archive: FAILED with the problem', async () => {
    expect(await failedWith(Buffer.from('this is not a zip file at all'))).toEqual([
      { entry: null, code: 'NOT_AN_ARCHIVE', message: expect.any(String) },
    ]);
    expect((await failedWith(await buildZip({ 'notes.txt': 'hello', 'photo.jpg': 'x' })))[0].code).toBe(
      'UNKNOWN_FORMAT',
    );
    expect(await failedWith(await buildZip({ 'zeros.gpx': Buffer.alloc(20 * 2 ** 20) }))).toEqual([
      { entry: 'zeros.gpx', code: 'ZIP_BOMB', message: expect.any(String) },
    ]);
    const zip = await buildZip({ 'aa/evil.fit': fit('2025-01-01T07:00:00Z') });
    const evil = Buffer.from(zip.toString('latin1').replaceAll('aa/evil', '../evil'), 'latin1');
    expect((await failedWith(evil))[0].code).toBe('UNSAFE_PATH');
  });

  it('a truncated upload cannot be connected until READY; a FAILED archive never; another user sees 404', async () => {
    const start = await request(t.http)
      .post('/v1/archives/uploads')
      .set(auth('hos-pro'))
      .set(tusHeaders(1000))
      .expect(201);
    expect(start.headers.location).toMatch(/^\/v1\/archives\/uploads\/[0-9a-f-]{36}$/);
    const id = start.headers.location.split('/').pop()!;
    const uploading = await request(t.http).get(`/v1/archives/${id}`).set(auth('hos-pro')).expect(200);
    expect(uploading.body).toMatchObject({ status: 'UPLOADING', sizeBytes: 1000, uploadedBytes: 0 });
    const connect = await request(t.http)
      .post('/v1/connections')
      .set(auth('hos-pro'))
      .send({
        source: { provider: 'archive', archiveId: id },
        destination: {
          provider: 'strava',
          authorizationCode: 'c',
          redirectUri: 'https://x.test/cb',
          state: 's',
        },
      })
      .expect(422);
    expect(connect.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'source.archiveId' })]),
    );
    await request(t.http).get(`/v1/archives/${id}`).set(auth('hos-other')).expect(404);
    await request(t.http)
      .head(`/v1/archives/uploads/${id}`)
      .set(auth('hos-other'))
      .set('Tus-Resumable', '1.0.0')
      .expect(404);
    await request(t.http).delete(`/v1/archives/${id}`).set(auth('hos-other')).expect(404);
    // an archive cannot be a destination, and an archive source needs its id
    const wrongWay = await request(t.http)
      .post('/v1/connections')
      .set(auth('hos-pro'))
      .send({
        source: { provider: 'strava', authorizationCode: 'c', redirectUri: 'https://x.test/cb', state: 's' },
        destination: { provider: 'archive', archiveId: id },
      })
      .expect(422);
    expect(wrongWay.body.code).toBe('VALIDATION_FAILED');
    const noId = await request(t.http)
      .post('/v1/connections')
      .set(auth('hos-pro'))
      .send({
        source: { provider: 'archive' },
        destination: {
          provider: 'strava',
          authorizationCode: 'c',
          redirectUri: 'https://x.test/cb',
          state: 's',
        },
      })
      .expect(422);
    expect(noId.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'source.archiveId' })]),
    );
  });

  it('DELETE removes the archive, its index and its stored file at once', async () => {
    const { id } = await tusUpload(t, 'hos-pro', await buildZip({ 'a.fit': fit('2025-01-01T07:00:00Z') }));
    expect((await scanned(t, 'hos-pro', id)).status).toBe('READY');
    const storage = t.config.archives.storage;
    const file = storage.kind === 'local' ? join(storage.directory, id) : '';
    expect(existsSync(file)).toBe(true);
    await request(t.http).delete(`/v1/archives/${id}`).set(auth('hos-pro')).expect(204);
    await request(t.http).get(`/v1/archives/${id}`).set(auth('hos-pro')).expect(404);
    expect(existsSync(file)).toBe(false);
    const left = await t.db
      .selectFrom('archive_sessions')
      .select('record_id')
      .where('archive_id', '=', id)
      .execute();
    expect(left).toEqual([]);
  });
});
