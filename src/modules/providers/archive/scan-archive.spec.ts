import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeFit } from '../../../common/formats/fit.js';
import { buildZip, monitoringFit } from '../../../../test/support/archive-files.js';
import { scanArchive, type ScannedRecord } from './scan-archive.js';
import { ArchiveProblem } from './zip-walk.js';

const fit = (start: string, sport = 'running') =>
  Buffer.from(
    writeFit({
      sport,
      subSport: 'generic',
      start: new Date(start),
      elapsedSeconds: 1200,
      movingSeconds: 1200,
      distanceMeters: 4000,
      calories: 250,
      utcOffsetSeconds: 3600,
      points: [0, 600, 1200].map((s, i) => ({
        time: new Date(Date.parse(start) + s * 1000),
        lat: 48.1 + i / 1000,
        lng: 11.5,
        heartRate: 130 + i,
      })),
    }),
  );

const gpx = (
  start: string,
) => `<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
<trkpt lat="37.33" lon="-122.03"><time>${start}</time></trkpt>
<trkpt lat="37.34" lon="-122.03"><time>${new Date(Date.parse(start) + 900_000).toISOString()}</time></trkpt>
</trkseg></trk></gpx>`;

describe('scanArchive: an export archive, told by its content and read into records', () => {
  let dir: string;
  let n = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'scan-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function scan(files: Record<string, Buffer | string>) {
    const path = join(dir, `${n++}.zip`);
    writeFileSync(path, await buildZip(files));
    const records: ScannedRecord[] = [];
    const result = await scanArchive(path, async (r) => void records.push(r));
    return { ...result, records };
  }
  const sessionOf = (r: ScannedRecord) => ('session' in r ? r.session : undefined);

  it('a ZIP of activity files (Garmin, Suunto, Polar…): nested ZIPs, gzip, a broken file reported', async () => {
    const nested = await buildZip({ '1001_ACTIVITY.fit': fit('2024-03-01T07:00:00Z') });
    const { format, records, problems } = await scan({
      'DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip': nested,
      'rides/2024-03-02.fit.gz': gzipSync(fit('2024-03-02T07:00:00Z', 'cycling')),
      'broken.fit': Buffer.from('nope'),
      'notes.txt': 'hello',
      'DI_CONNECT/monitor/123_WELLNESS.fit': monitoringFit(),
    });
    expect(format).toBe('ACTIVITY_FILES');
    expect(problems).toEqual([]);
    expect(records.map((r) => [r.entry, sessionOf(r)?.kind ?? ('invalid' in r && r.invalid)])).toEqual([
      ['DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip/1001_ACTIVITY.fit', 'RUN'],
      ['rides/2024-03-02.fit.gz', 'RIDE'],
      ['broken.fit', 'not a FIT file'],
    ]);
    // ids come from content: the same file in another archive is the same record
    const again = await scan({ 'elsewhere/x.fit': fit('2024-03-01T07:00:00Z') });
    expect(again.records[0].id).toBe(records[0].id);
  });

  it('a Strava bulk export: the CSV’s names and sports over the files’, manual activities from the CSV', async () => {
    const csv = [
      'Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,Distance,Filename,Elapsed Time,Moving Time,Distance',
      '11,"Mar 1, 2024, 7:00:00 AM",Morning Run,Run,First of spring,1200,4.0,activities/11.fit.gz,1200.0,1200.0,4000.0',
      '12,"Mar 3, 2024, 6:00:00 PM",Gym,Weight Training,,3600,0,,3600.0,3600.0,0',
    ].join('\n');
    const { format, records } = await scan({
      'export_123/activities.csv': csv,
      'export_123/activities/11.fit.gz': gzipSync(fit('2024-03-01T07:00:00Z', 'generic')),
      'export_123/profile.csv': 'x',
    });
    expect(format).toBe('STRAVA_EXPORT');
    expect(records.map(sessionOf)).toEqual([
      expect.objectContaining({
        kind: 'RUN',
        name: 'Morning Run',
        notes: 'First of spring',
        startUtcOffsetSeconds: 3600,
      }),
      expect.objectContaining({ kind: 'STRENGTH', name: 'Gym', start: '2024-03-03T18:00:00Z', indoor: true }),
    ]);
    expect(sessionOf(records[0])?.track).toHaveLength(3);
  });

  it('an Apple Health export: workouts from export.xml with their route files', async () => {
    const xml = `<?xml version="1.0"?><HealthData locale="en_US">
<Workout workoutActivityType="HKWorkoutActivityTypeWalking" duration="15" durationUnit="min" sourceName="Apple Watch" startDate="2024-05-01 09:00:00 -0700" endDate="2024-05-01 09:15:00 -0700">
 <WorkoutRoute><FileReference path="/workout-routes/route_2024-05-01_9.00am.gpx"/></WorkoutRoute>
</Workout>
<Workout workoutActivityType="HKWorkoutActivityTypeYoga" duration="30" durationUnit="min" startDate="2024-05-02 19:00:00 -0700" endDate="2024-05-02 19:30:00 -0700"/>
</HealthData>`;
    const { format, records } = await scan({
      'apple_health_export/export.xml': xml,
      'apple_health_export/export_cda.xml': '<junk/><junk/>',
      'apple_health_export/workout-routes/route_2024-05-01_9.00am.gpx': gpx('2024-05-01T16:00:00Z'),
    });
    expect(format).toBe('APPLE_HEALTH');
    expect(records.map(sessionOf)).toEqual([
      expect.objectContaining({
        kind: 'WALK',
        start: '2024-05-01T16:00:00Z',
        startUtcOffsetSeconds: -25200,
        indoor: false,
      }),
      expect.objectContaining({ kind: 'YOGA', indoor: true }),
    ]);
    expect(sessionOf(records[0])?.track).toHaveLength(2);
  });

  it('refuses an archive with nothing it knows', async () => {
    const error = await scan({ 'photos/a.jpg': 'x', 'readme.txt': 'y' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiveProblem);
    expect(error).toMatchObject({ code: 'UNKNOWN_FORMAT' });
  });
});
