/**
 * Generated export archives for the archive benchmarks (bench:archive-scan, bench:archive): FIT
 * files written with the Garmin FIT SDK's encoder (a 1 Hz track each), an Apple Health export.xml
 * streamed as it is zipped, GPX routes, and incompressible "photos" (as exports carry media).
 */
import { createWriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { writeFit } from '../../src/common/formats/fit.js';

export const DAY = 86_400_000;
// 3,000 days from here end in 2020: every generated workout is in the past (ALL_TIME ends today)
export const T0 = Date.parse('2012-01-01T06:00:00Z');

export function fitFile(i: number): Buffer {
  const start = new Date(T0 + i * DAY);
  return Buffer.from(
    writeFit({
      sport: i % 3 === 0 ? 'cycling' : 'running',
      subSport: 'generic',
      start,
      elapsedSeconds: 1800,
      movingSeconds: 1780,
      distanceMeters: 6000,
      calories: 400,
      utcOffsetSeconds: 3600,
      points: Array.from({ length: 1800 }, (_, s) => ({
        time: new Date(start.getTime() + s * 1000),
        lat: 48 + s / 100_000,
        lng: 11 + (i % 100) / 1000,
        altitude: 500,
        distance: s * 3.3,
        heartRate: 120 + (s % 40),
      })),
    }),
  );
}

export function zipTo(file: string, fill: (zip: yazl.ZipFile) => void): Promise<void> {
  const zip = new yazl.ZipFile();
  fill(zip);
  zip.end();
  return pipeline(zip.outputStream, createWriteStream(file));
}

const healthDate = (ms: number) => {
  const d = new Date(ms + 2 * 3600_000).toISOString();
  return `${d.slice(0, 10)} ${d.slice(11, 19)} +0200`;
};

/** export.xml, generated as it is zipped: heart-rate records, and a workout every so often. */
export function exportXml(targetBytes: number, workoutCount: number): Readable {
  let written = 0;
  let i = 0;
  let workouts = 0;
  const perWorkout = Math.max(1, Math.floor(targetBytes / 230 / workoutCount));
  return Readable.from(
    (function* () {
      yield '<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_US">\n';
      while (written < targetBytes) {
        const at = T0 + i * 60_000;
        const record = `<Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Apple Watch" unit="count/min" value="${60 + (i % 50)}" startDate="${healthDate(at)}" endDate="${healthDate(at)}"/>\n`;
        written += record.length;
        yield record;
        if (++i % perWorkout === 0 && workouts < workoutCount) {
          const start = T0 + workouts * DAY;
          const route =
            workouts % 10 === 0
              ? `<WorkoutRoute><FileReference path="/workout-routes/route_${workouts}.gpx"/></WorkoutRoute>`
              : '';
          yield `<Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="30" durationUnit="min" sourceName="Apple Watch" startDate="${healthDate(start)}" endDate="${healthDate(start + 1_800_000)}"><WorkoutStatistics type="HKQuantityTypeIdentifierDistanceWalkingRunning" sum="5.1" unit="km"/>${route}</Workout>\n`;
          workouts++;
        }
      }
      yield '</HealthData>\n';
    })(),
  );
}

export function gpxRoute(n: number): string {
  const start = T0 + n * DAY;
  const points = Array.from(
    { length: 1800 },
    (_, s) =>
      `<trkpt lat="${48 + s / 100_000}" lon="11"><time>${new Date(start + s * 1000).toISOString()}</time></trkpt>`,
  );
  return `<?xml version="1.0"?><gpx version="1.1"><trk><trkseg>${points.join('')}</trkseg></trk></gpx>`;
}

/** `mb` MiB of incompressible bytes, as a stream (an export's photos and videos). */
export function media(mb: number): Readable {
  let left = mb;
  return Readable.from(
    (function* () {
      while (left-- > 0) yield randomBytes(2 ** 20);
    })(),
  );
}
