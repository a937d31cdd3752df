/**
 * `npm run -s sample-archive [-- <out.zip>]`: writes the sample export archive the README's walkthrough
 * and `npm run demo -- --archive` use (samples/garmin-export.zip): a Garmin Connect-style export
 * with FIT activities in a nested `UploadedFiles` ZIP, a gzipped TCX, a GPX hike, a watch's
 * monitoring file (no workout) and a damaged file. Its content is fixed (dates in spring 2022,
 * fixed ZIP times), so the archive, its size and what it imports are the same on every machine.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Encoder, Profile, type Mesg } from '@garmin/fitsdk';
import yazl from 'yazl';
import { writeFit } from '../src/common/formats/fit.js';
import { writeTcx } from '../src/common/formats/tcx.js';

const MTIME = new Date('2022-07-01T12:00:00Z');
const out = resolve(process.argv[2] ?? 'samples/garmin-export.zip');

/** A loop around Munich's Englischer Garten: `minutes` of points, one a minute. */
function loop(start: Date, minutes: number, metersPerMinute: number, heartRate: number) {
  return Array.from({ length: minutes + 1 }, (_, i) => {
    const angle = (2 * Math.PI * i) / minutes;
    return {
      time: new Date(start.getTime() + i * 60_000),
      lat: 48.155 + 0.01 * Math.sin(angle),
      lng: 11.595 + 0.006 * Math.cos(angle),
      altitude: 515 + 5 * Math.sin(angle * 2),
      distance: i * metersPerMinute,
      heartRate: heartRate + Math.round(8 * Math.sin(angle * 3)),
    };
  });
}

function fit(sport: string, start: string, minutes: number, metersPerMinute: number, heartRate: number) {
  const at = new Date(start);
  return Buffer.from(
    writeFit({
      sport,
      subSport: 'generic',
      start: at,
      elapsedSeconds: minutes * 60,
      movingSeconds: minutes * 60 - 30,
      distanceMeters: minutes * metersPerMinute,
      calories: minutes * 11,
      averageHeartRate: heartRate,
      maxHeartRate: heartRate + 12,
      utcOffsetSeconds: 7200,
      points: loop(at, minutes, metersPerMinute, heartRate),
    }),
  );
}

function monitoring(): Buffer {
  const encoder = new Encoder();
  encoder.onMesg(Profile.MesgNum.FILE_ID, {
    type: 'monitoringB',
    manufacturer: 'garmin',
    product: 1,
    serialNumber: 1,
    timeCreated: MTIME,
  } as unknown as Mesg);
  return Buffer.from(encoder.close());
}

async function zip(files: Record<string, Buffer>, path?: string): Promise<Buffer> {
  const archive = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) archive.addBuffer(content, name, { mtime: MTIME });
  archive.end();
  const parts: Buffer[] = [];
  archive.outputStream.on('data', (part: Buffer) => parts.push(part));
  await new Promise((done) => archive.outputStream.on('end', done));
  const bytes = Buffer.concat(parts);
  if (path) {
    await mkdir(dirname(path), { recursive: true });
    await new Promise<void>((done, fail) =>
      createWriteStream(path)
        .on('error', fail)
        .end(bytes, () => done()),
    );
  }
  return bytes;
}

const uploaded = await zip({
  'Morning_Run_2022-03-06.fit': fit('running', '2022-03-06T07:30:00Z', 42, 190, 148),
  'Lunch_Ride_2022-03-19.fit': fit('cycling', '2022-03-19T11:00:00Z', 95, 450, 132),
  'Tempo_Run_2022-04-10.fit': fit('running', '2022-04-10T16:15:00Z', 35, 215, 162),
});
const tcxStart = new Date('2022-05-01T08:00:00Z');
const tcx = writeTcx({
  sport: 'Running',
  id: tcxStart,
  laps: [
    {
      startTime: tcxStart,
      totalTimeSeconds: 1800,
      distanceMeters: 5400,
      calories: 330,
      averageHeartRate: 145,
      maxHeartRate: 158,
      points: loop(tcxStart, 30, 180, 145),
    },
  ],
});
const hikeStart = new Date('2022-06-11T07:00:00Z');
const gpx = `<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="Garmin Connect" xmlns="http://www.topografix.com/GPX/1/1"
  xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">
  <trk><name>Herzogstand &amp; Heimgarten</name><type>hiking</type><trkseg>
${loop(hikeStart, 240, 50, 118)
  .map(
    (p) =>
      `    <trkpt lat="${p.lat.toFixed(6)}" lon="${p.lng.toFixed(6)}"><ele>${(800 + p.distance / 20).toFixed(1)}</ele><time>${p.time.toISOString()}</time><extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>${p.heartRate}</gpxtpx:hr></gpxtpx:TrackPointExtension></extensions></trkpt>`,
  )
  .join('\n')}
  </trkseg></trk>
</gpx>
`;
await zip(
  {
    'DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip': uploaded,
    'DI_CONNECT/DI-Connect-Fitness/2022-05-01_Easy_Run.tcx.gz': gzipSync(Buffer.from(tcx)),
    'DI_CONNECT/DI-Connect-Fitness/2022-06-11_Hike.gpx': Buffer.from(gpx),
    'DI_CONNECT/DI-Connect-Wellness/2022-03-01_WELLNESS.fit': monitoring(),
    'DI_CONNECT/DI-Connect-Fitness/2022-06-20_Swim.fit': fit(
      'swimming',
      '2022-06-20T06:00:00Z',
      30,
      40,
      128,
    ).subarray(0, 60),
  },
  out,
);
console.log(`wrote ${out}`);
