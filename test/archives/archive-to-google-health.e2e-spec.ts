import request from 'supertest';
import { gzipSync } from 'node:zlib';
import { writeFit } from '../../src/common/formats/fit.js';
import { buildZip } from '../support/archive-files.js';
import { scanned, tusUpload } from '../support/archive-upload.js';
import { grantPro } from '../support/fixtures.js';
import {
  consent,
  createSimAccount,
  finished,
  simAccount,
  startProviderStack,
  startSync,
  type ProviderStack,
} from '../support/providers.js';

const gpx = (start: string, n = 10) => `<?xml version="1.0"?>
<gpx version="1.1" creator="Apple Health Export" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
${Array.from(
  { length: n },
  (_, i) =>
    `<trkpt lat="${37.33 + i / 1000}" lon="-122.03"><ele>10</ele><time>${new Date(Date.parse(start) + i * 90_000).toISOString()}</time></trkpt>`,
).join('\n')}
</trkseg></trk></gpx>`;

const fit = (start: string) =>
  Buffer.from(
    writeFit({
      sport: 'cycling',
      subSport: 'generic',
      start: new Date(start),
      elapsedSeconds: 3600,
      movingSeconds: 3500,
      distanceMeters: 25_000,
      calories: 600,
      utcOffsetSeconds: 3600,
      points: Array.from({ length: 20 }, (_, i) => ({
        time: new Date(Date.parse(start) + i * 180_000),
        lat: 47.9 + i / 500,
        lng: 11.2,
        heartRate: 140,
      })),
    }),
  );

describe('export archives into Google Health (Fitbit): Apple Health and Strava’s bulk export', () => {
  let stack: ProviderStack;
  const auth = (user: string) => ({ Authorization: `Bearer ${stack.t.token(user)}` });

  beforeAll(async () => {
    stack = await startProviderStack();
  });
  afterAll(() => stack.close());

  /** Uploads, waits for READY, connects to `<user>-fitbit`, runs ALL_TIME: the finished sync and the landed points. */
  async function importArchive(user: string, files: Record<string, Buffer | string>, format: string) {
    await grantPro(stack.t, user);
    await createSimAccount(stack.sims, 'fitbit', {
      id: `${user}-fitbit`,
      seed: user,
      historyDays: 0,
      timezone: 'America/Los_Angeles',
    });
    const { id } = await tusUpload(stack.t, user, await buildZip(files));
    const archive = await scanned(stack.t, user, id);
    expect(archive).toMatchObject({ status: 'READY', format });
    const connection = await request(stack.t.http)
      .post('/v1/connections')
      .set(auth(user))
      .send({
        source: { provider: 'archive', archiveId: id },
        destination: await consent(stack.t, user, 'fitbit', `${user}-fitbit`),
        timezone: 'America/Los_Angeles',
      })
      .expect(201);
    const sync = await startSync(stack.t, user, connection.body.id, { preset: 'ALL_TIME' });
    const done = await finished(stack.t, user, sync);
    const landed = (await simAccount(stack.sims.google, `${user}-fitbit`)).dataPoints as Array<
      Record<string, any>
    >;
    return { archive, done, landed, sync };
  }

  it('Apple Health: export.xml workouts with their routes, parsed as a stream; names and kinds kept', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [<!ELEMENT HealthData (Record*)>]>
<HealthData locale="en_US">
 <Record type="HKQuantityTypeIdentifierStepCount" sourceName="iPhone" unit="count" startDate="2024-05-01 08:00:00 -0700" endDate="2024-05-01 08:10:00 -0700" value="900"/>
 <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="15" durationUnit="min" sourceName="Apple Watch" startDate="2024-05-01 09:00:00 -0700" endDate="2024-05-01 09:15:00 -0700">
  <WorkoutStatistics type="HKQuantityTypeIdentifierDistanceWalkingRunning" sum="2.5" unit="km"/>
  <WorkoutRoute sourceName="Apple Watch"><FileReference path="/workout-routes/route_2024-05-01_9.00am.gpx"/></WorkoutRoute>
 </Workout>
 <Workout workoutActivityType="HKWorkoutActivityTypeYoga" duration="30" durationUnit="min" sourceName="Apple Watch" startDate="2024-06-02 19:00:00 -0700" endDate="2024-06-02 19:30:00 -0700"/>
</HealthData>`;
    const { archive, done, landed } = await importArchive(
      'arc-cleo',
      {
        'apple_health_export/export.xml': xml,
        'apple_health_export/export_cda.xml': '<junk/>',
        'apple_health_export/workout-routes/route_2024-05-01_9.00am.gpx': gpx('2024-05-01T16:00:00Z'),
      },
      'APPLE_HEALTH',
    );
    expect(archive).toMatchObject({ sessionsFound: 2, firstDate: '2024-05-01', lastDate: '2024-06-02' });
    expect(done.status).toBe('COMPLETED');
    expect(done.records).toEqual({ read: 2, imported: 2, skipped: 0, failed: 0 });
    const byStart = new Map(landed.map((p) => [p.exercise.interval.startTime, p.exercise]));
    expect(byStart.get('2024-05-01T16:00:00Z')).toMatchObject({
      exerciseType: 'RUNNING',
      interval: { startUtcOffset: '-25200s' },
      exerciseMetadata: { hasGps: true },
    });
    const yoga = byStart.get('2024-06-03T02:00:00Z');
    expect(yoga.exerciseType).toBe('YOGA');
    expect(yoga.exerciseMetadata.hasGps ?? false).toBe(false); // false is proto3's default: left out
  });

  it('Strava’s bulk export: names, descriptions and sport types from activities.csv, tracks from its files', async () => {
    const csv = [
      'Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,Distance,Filename,Elapsed Time,Moving Time,Distance',
      '11,"Mar 1, 2024, 7:00:00 AM",Col de la Madeleine,Ride,"Hot, windy",3600,25.0,activities/11.fit.gz,3600.0,3500.0,25000.0',
      '12,"Mar 3, 2024, 6:00:00 PM",Gym,Weight Training,,3600,0,,3600.0,3600.0,0',
    ].join('\n');
    const { done, landed } = await importArchive(
      'arc-dan',
      {
        'export_123/activities.csv': csv,
        'export_123/activities/11.fit.gz': gzipSync(fit('2024-03-01T07:00:00Z')),
        'export_123/profile.csv': 'x',
      },
      'STRAVA_EXPORT',
    );
    expect(done.records).toEqual({ read: 2, imported: 2, skipped: 0, failed: 0 });
    const ride = landed.find((p) => p.exercise.exerciseType === 'BIKING')!.exercise;
    expect(ride).toMatchObject({
      displayName: 'Col de la Madeleine',
      notes: expect.stringContaining('Hot, windy'),
      exerciseMetadata: { hasGps: true },
    });
    const gym = landed.find((p) => p.exercise.displayName === 'Gym')!.exercise;
    expect(gym.exerciseMetadata.hasGps ?? false).toBe(false);
  });
});
