import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { gzipSync } from 'node:zlib';
import { writeFit } from '../../src/common/formats/fit.js';
import { writeTcx } from '../../src/common/formats/tcx.js';
import { buildZip, monitoringFit } from '../support/archive-files.js';
import { connectArchive, scanned, tusUpload } from '../support/archive-upload.js';
import { grantPro } from '../support/fixtures.js';
import {
  expectNoDuplicates,
  finished,
  startProviderStack,
  startSync,
  stravaActivities,
  type ProviderStack,
} from '../support/providers.js';

const track = (start: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    time: new Date(Date.parse(start) + i * 60_000),
    lat: 48.1 + i / 1000,
    lng: 11.5,
    heartRate: 120 + i,
  }));

const fit = (start: string, sport = 'running', points = track(start, 30)) =>
  Buffer.from(
    writeFit({
      sport,
      subSport: 'generic',
      start: new Date(start),
      elapsedSeconds: 1800,
      movingSeconds: 1750,
      distanceMeters: 5000,
      calories: 300,
      utcOffsetSeconds: 3600,
      points,
    }),
  );

const gpx = (start: string, name: string) => `<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="Suunto" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>${name}</name><type>hiking</type><trkseg>
${track(start, 20)
  .map(
    (p) => `<trkpt lat="${p.lat}" lon="${p.lng}"><ele>500</ele><time>${p.time.toISOString()}</time></trkpt>`,
  )
  .join('\n')}
</trkseg></trk></gpx>`;

describe('an export archive as a source: uploaded over tus, scanned, imported into Strava', () => {
  let stack: ProviderStack;
  const auth = (user: string) => ({ Authorization: `Bearer ${stack.t.token(user)}` });

  beforeAll(async () => {
    stack = await startProviderStack();
  });
  afterAll(() => stack.close());

  it('a Garmin-style ZIP: an interrupted upload resumes; every workout lands once with its track; a broken file is SKIPPED_INVALID', async () => {
    const user = 'arc-ana';
    await grantPro(stack.t, user);
    const nested = await buildZip({
      '1001_ACTIVITY.fit': fit('2025-03-01T07:00:00Z'),
      '1002_ACTIVITY.fit': fit('2025-03-15T16:30:00Z', 'cycling'),
    });
    const tcx = writeTcx({
      sport: 'Running',
      id: new Date('2025-04-02T06:00:00Z'),
      laps: [
        {
          startTime: new Date('2025-04-02T06:00:00Z'),
          totalTimeSeconds: 840,
          distanceMeters: 3000,
          calories: 200,
          points: track('2025-04-02T06:00:00Z', 15),
        },
      ],
    });
    // incompressible filler so the upload spans several PATCHes
    const filler = randomBytes(300_000);
    const zip = await buildZip({
      'DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip': nested,
      'activities/2025-04-02.tcx.gz': gzipSync(Buffer.from(tcx)),
      'activities/hike.gpx': gpx('2025-05-10T09:00:00Z', 'Alpspitze &amp; back'),
      'activities/broken.fit': fit('2025-05-20T07:00:00Z').subarray(0, 40),
      'DI_CONNECT/monitor/123_WELLNESS.fit': monitoringFit(),
      'photos/IMG_0001.jpg': filler,
    });
    const { id, resumedFrom } = await tusUpload(stack.t, user, zip, {
      filename: 'garmin-export.zip',
      chunkSize: 64 * 1024,
      interruptAt: 64 * 1024,
    });
    expect(resumedFrom).toBeGreaterThanOrEqual(64 * 1024);
    const archive = await scanned(stack.t, user, id);
    expect(archive).toMatchObject({
      id,
      filename: 'garmin-export.zip',
      status: 'READY',
      sizeBytes: zip.length,
      uploadedBytes: zip.length,
      format: 'ACTIVITY_FILES',
      sessionsFound: 4,
      firstDate: '2025-03-01',
      lastDate: '2025-05-10',
    });
    expect(archive.problems).toEqual([
      { entry: 'activities/broken.fit', code: 'INVALID_RECORD', message: expect.any(String) },
    ]);

    const created = await connectArchive(stack, user, id);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      source: { provider: 'archive', externalUserId: id },
      destination: { provider: 'strava' },
      initialSync: null,
    });
    // the estimate counts the archive's records (not a typical account's pace)
    const estimate = await request(stack.t.http)
      .get(`/v1/connections/${created.body.id}/historical-syncs/estimate?preset=ALL_TIME`)
      .set(auth(user))
      .expect(200);
    expect(estimate.body).toMatchObject({
      startDate: '2025-03-01',
      endDate: '2025-05-10',
      estimatedRecords: 5,
    });
    const sync = await startSync(stack.t, user, created.body.id, { preset: 'ALL_TIME' });
    const done = await finished(stack.t, user, sync);
    expect(done.status).toBe('COMPLETED');
    // ALL_TIME spans the archive: its first date to its last (not today)
    expect(done).toMatchObject({ startDate: '2025-03-01', endDate: '2025-05-10' });
    expect(done.records).toEqual({ read: 5, imported: 4, skipped: 1, failed: 0 });

    const landed = await stravaActivities(stack, `${user}-strava`);
    expectNoDuplicates(landed);
    expect(landed.map((a) => [a.start_date, a.sport_type, a.manual]).sort()).toEqual([
      ['2025-03-01T07:00:00Z', 'Run', false],
      ['2025-03-15T16:30:00Z', 'Ride', false],
      ['2025-04-02T06:00:00Z', 'Run', false],
      ['2025-05-10T09:00:00Z', 'Hike', false],
    ]);
    const hike = landed.find((a) => a.sport_type === 'Hike')!;
    expect(hike.name).toBe('Alpspitze & back');
    expect(hike.start_latlng).toHaveLength(2);
    expect(hike.description).toMatch(/Imported by SyncWell from your export archive/);

    const report = await request(stack.t.http)
      .get(`/v1/orchestrations/${sync}/records`)
      .set(auth(user))
      .expect(200);
    const skipped = report.body.items.filter((r: any) => r.status === 'SKIPPED_INVALID');
    expect(skipped).toHaveLength(1);
    expect(skipped[0].reason.code).toBe('INVALID_RECORD');

    // the same archive again: nothing is written twice
    const again = await finished(
      stack.t,
      user,
      await startSync(stack.t, user, created.body.id, { preset: 'ALL_TIME' }),
    );
    expect(again.records.imported).toBe(0);
    expect(await stravaActivities(stack, `${user}-strava`)).toHaveLength(4);

    // deleting the connection deletes the archive
    await request(stack.t.http).delete(`/v1/connections/${created.body.id}`).set(auth(user)).expect(204);
    await request(stack.t.http).get(`/v1/archives/${id}`).set(auth(user)).expect(404);
  });

  it('a Google Takeout of Fitbit: the activity log with its TCX tracks, the zone told from UserExercises', async () => {
    const user = 'arc-fay';
    await grantPro(stack.t, user);
    const tcx = writeTcx({
      sport: 'Running',
      id: new Date('2024-09-14T06:00:00Z'),
      laps: [
        {
          startTime: new Date('2024-09-14T06:00:00Z'),
          totalTimeSeconds: 1740,
          distanceMeters: 5200,
          calories: 330,
          points: track('2024-09-14T06:00:00Z', 30),
        },
      ],
    });
    const activity = (logId: number, startTime: string, name: string, extra: object = {}) => ({
      logId,
      activityName: name,
      startTime,
      duration: 1_800_000,
      activeDuration: 1_740_000,
      calories: 300,
      averageHeartRate: 141,
      ...extra,
    });
    const zip = await buildZip({
      'Takeout/Fitbit/Global Export Data/exercise-0.json': JSON.stringify([
        activity(4001, '09/14/24 08:00:00', 'Run', {
          distance: 5.2,
          distanceUnit: 'Kilometer',
          hasGps: true,
        }),
        activity(4002, '09/20/24 19:30:00', 'Yoga'),
      ]),
      'Takeout/Fitbit/Health Fitness Data_GoogleData/UserExercises_2024-09-14.csv': [
        'exercise_id,exercise_start,exercise_end,utc_offset,activity_name',
        '1,2024-09-14T06:00:00Z,2024-09-14T06:30:00Z,+02:00,Run',
        '2,2024-09-20T17:30:00Z,2024-09-20T18:00:00Z,+02:00,Yoga',
      ].join('\n'),
      'Takeout/Fitbit/Activities/4001.tcx': tcx,
    });
    const { id } = await tusUpload(stack.t, user, zip, { filename: 'takeout-20261006T130645Z-1-001.zip' });
    expect(await scanned(stack.t, user, id)).toMatchObject({
      status: 'READY',
      format: 'FITBIT_TAKEOUT',
      sessionsFound: 2,
      firstDate: '2024-09-14',
      lastDate: '2024-09-20',
      problems: [],
    });
    const created = await connectArchive(stack, user, id);
    expect(created.status).toBe(201);
    const done = await finished(
      stack.t,
      user,
      await startSync(stack.t, user, created.body.id, { preset: 'ALL_TIME' }),
    );
    expect(done.records).toEqual({ read: 2, imported: 2, skipped: 0, failed: 0 });
    const landed = await stravaActivities(stack, `${user}-strava`);
    // startTime was the wall clock here (UserExercises says so): 08:00 at +02:00 is 06:00 UTC
    expect(landed.map((a) => [a.start_date, a.sport_type, a.manual]).sort()).toEqual([
      ['2024-09-14T06:00:00Z', 'Run', false],
      ['2024-09-20T17:30:00Z', 'Yoga', true],
    ]);
    expect(landed.find((a) => a.sport_type === 'Run')!.start_latlng).toHaveLength(2);
  });

  it('the same workout in a re-uploaded archive is the same record (ids from content)', async () => {
    const user = 'arc-ben';
    await grantPro(stack.t, user);
    const one = await buildZip({ 'a/run.fit': fit('2025-02-01T07:00:00Z') });
    const two = await buildZip({ 'elsewhere/renamed.fit': fit('2025-02-01T07:00:00Z') });
    const a = await tusUpload(stack.t, user, one);
    const b = await tusUpload(stack.t, user, two);
    await scanned(stack.t, user, a.id);
    await scanned(stack.t, user, b.id);
    const ids = await stack.t.db
      .selectFrom('archive_sessions')
      .select(['archive_id', 'record_id'])
      .where('archive_id', 'in', [a.id, b.id])
      .execute();
    expect(ids).toHaveLength(2);
    expect(ids[0].record_id).toBe(ids[1].record_id);
    const list = await request(stack.t.http).get('/v1/archives').set(auth(user)).expect(200);
    expect(list.body.items.map((x: any) => x.id)).toEqual([b.id, a.id]);
  });
});
