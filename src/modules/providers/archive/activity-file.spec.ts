import { gzipSync } from 'node:zlib';
import { monitoringFit } from '../../../../test/support/archive-files.js';
import { writeFit } from '../../../common/formats/fit.js';
import { writeTcx } from '../../../common/formats/tcx.js';
import { contentId, readActivityFile, type FileSession } from './activity-file.js';

const START = new Date('2025-05-04T06:30:00Z');
const at = (s: number) => new Date(START.getTime() + s * 1000);
const points = Array.from({ length: 31 }, (_, i) => ({
  time: at(i * 60),
  lat: 52.52 + i * 0.001,
  lng: 13.405,
  altitude: 40 + i,
  distance: i * 111,
  heartRate: 120 + i,
}));

/** A FIT file as a watch writes it (the Garmin FIT SDK's encoder). */
const fit = (overrides: Partial<Parameters<typeof writeFit>[0]> = {}) =>
  Buffer.from(
    writeFit({
      sport: 'running',
      subSport: 'generic',
      start: START,
      elapsedSeconds: 1800,
      movingSeconds: 1750,
      distanceMeters: 3330,
      calories: 310,
      averageHeartRate: 135,
      maxHeartRate: 150,
      utcOffsetSeconds: 7200,
      points,
      ...overrides,
    }),
  );

const gpx = (type = 'running') =>
  `<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="Garmin Connect" xmlns="http://www.topografix.com/GPX/1/1"
  xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">
  <trk><name>Morning &amp; river</name><desc>easy</desc><type>${type}</type><trkseg>
${points.map((p) => `    <trkpt lat="${p.lat}" lon="${p.lng}"><ele>${p.altitude}</ele><time>${p.time.toISOString()}</time><extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>${p.heartRate}</gpxtpx:hr></gpxtpx:TrackPointExtension></extensions></trkpt>`).join('\n')}
  </trkseg></trk>
</gpx>`;

function session(result: ReturnType<typeof readActivityFile>): FileSession {
  if (!result || !('session' in result)) throw new Error(`expected a session, got ${JSON.stringify(result)}`);
  return result.session;
}

describe('readActivityFile: the activity files of export archives', () => {
  it('reads a FIT file: sport, start and local offset, totals, and the track with heart rate', () => {
    const s = session(readActivityFile('Garmin/activity_1.fit', fit()));
    expect(s).toMatchObject({
      kind: 'RUN',
      start: '2025-05-04T06:30:00Z',
      end: '2025-05-04T07:00:00Z',
      startUtcOffsetSeconds: 7200,
      elapsedSeconds: 1800,
      movingSeconds: 1750,
      distanceMeters: 3330,
      averageHeartRate: 135,
      maxHeartRate: 150,
      indoor: false,
    });
    expect(s.track).toHaveLength(31);
    expect(s.track![30]).toMatchObject({ time: '2025-05-04T07:00:00Z', heartRate: 150 });
    expect(s.track![30].lat).toBeCloseTo(52.55, 5);
  });

  it('reads gzipped files as Strava’s bulk export ships them (.fit.gz, .gpx.gz)', () => {
    expect(session(readActivityFile('activities/1.fit.gz', gzipSync(fit()))).kind).toBe('RUN');
    expect(session(readActivityFile('activities/2.gpx.gz', gzipSync(gpx('cycling')))).kind).toBe('RIDE');
  });

  it('reads a GPX track: name, notes, kind from its type, distance from the positions, heart rate', () => {
    const s = session(readActivityFile('route.GPX', Buffer.from(gpx())));
    expect(s).toMatchObject({
      kind: 'RUN',
      name: 'Morning & river',
      notes: 'easy',
      start: '2025-05-04T06:30:00Z',
      end: '2025-05-04T07:00:00Z',
      elapsedSeconds: 1800,
      averageHeartRate: 135,
      maxHeartRate: 150,
    });
    expect(s.distanceMeters).toBeGreaterThan(3300);
    expect(s.distanceMeters).toBeLessThan(3400);
  });

  it('reads a TCX file', () => {
    const tcx = writeTcx({
      sport: 'Biking',
      id: START,
      laps: [
        {
          startTime: START,
          totalTimeSeconds: 1800,
          distanceMeters: 12_000,
          calories: 400,
          averageHeartRate: 140,
          maxHeartRate: 160,
          points: points.map(({ altitude, ...p }) => ({ ...p, altitude })),
        },
      ],
    });
    expect(session(readActivityFile('a.tcx', Buffer.from(tcx)))).toMatchObject({
      kind: 'RIDE',
      elapsedSeconds: 1800,
      distanceMeters: 12_000,
      energyKcal: 400,
      maxHeartRate: 160,
    });
  });

  it('says why a broken file is not a workout, and passes over files that are not activity files', () => {
    const whole = fit();
    expect(readActivityFile('cut.fit', whole.subarray(0, whole.length - 40))).toEqual({
      invalid: 'the FIT file is damaged or truncated',
    });
    expect(readActivityFile('x.fit', Buffer.from('hello'))).toEqual({ invalid: 'not a FIT file' });
    expect(readActivityFile('x.gpx', Buffer.from('<gpx><trk>'))).toHaveProperty('invalid');
    expect(readActivityFile('x.gpx', Buffer.from('<gpx></gpx>'))).toEqual({
      invalid: 'the GPX file holds no track',
    });
    expect(readActivityFile('x.fit.gz', Buffer.from('not gzip'))).toHaveProperty('invalid');
    expect(readActivityFile('x.tcx', Buffer.from('<TrainingCenterDatabase/>'))).toHaveProperty('invalid');
    expect(readActivityFile('activities.csv', Buffer.from('a,b'))).toBeUndefined();
    expect(readActivityFile('photo.jpg', Buffer.from([0xff, 0xd8]))).toBeUndefined();
  });

  it('passes over a FIT file that is not an activity (a watch’s monitoring file in a Garmin export)', () => {
    expect(readActivityFile('UploadedFiles_0-_Part1.zip/123_WELLNESS.fit', monitoringFit())).toBeUndefined();
  });

  it('bounds a gzipped file’s inflated size', () => {
    const bomb = gzipSync(Buffer.alloc(5 * 2 ** 20));
    expect(readActivityFile('big.gpx.gz', bomb, 2 ** 20)).toHaveProperty('invalid');
  });

  it('names a file by its content: the same workout in another archive is the same record', () => {
    expect(contentId(fit())).toBe(contentId(fit()));
    expect(contentId(fit())).not.toBe(contentId(fit({ elapsedSeconds: 1801 })));
  });
});
