import { Encoder, Profile, type Mesg } from '@garmin/fitsdk';
import yazl from 'yazl';
import { writeFit } from '../../src/common/formats/fit.js';

/** A ZIP of these files, built in memory (yazl; deflated unless `store`; names ending in `/` are folders). */
export function buildZip(files: Record<string, Buffer | string>, store = false): Promise<Buffer> {
  const archive = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files))
    if (name.endsWith('/')) archive.addEmptyDirectory(name);
    else archive.addBuffer(Buffer.from(content), name, { compress: !store });
  archive.end();
  const parts: Buffer[] = [];
  return new Promise((resolve, reject) => {
    archive.outputStream.on('data', (part: Buffer) => parts.push(part));
    archive.outputStream.on('end', () => resolve(Buffer.concat(parts)));
    archive.outputStream.on('error', reject);
  });
}

/** A watch's monitoring file (as Garmin exports mix in): a FIT file, but no activity. */
export function monitoringFit(): Buffer {
  const encoder = new Encoder();
  encoder.onMesg(Profile.MesgNum.FILE_ID, {
    type: 'monitoringB',
    manufacturer: 'garmin',
    product: 1,
    serialNumber: 1,
    timeCreated: new Date('2024-03-01T00:00:00Z'),
  } as unknown as Mesg);
  return Buffer.from(encoder.close());
}

/** A 10-minute run without a track, as a FIT file (the Garmin FIT SDK's encoder). */
export function shortFit(start: string): Buffer {
  return Buffer.from(
    writeFit({
      sport: 'running',
      subSport: 'generic',
      start: new Date(start),
      elapsedSeconds: 600,
      movingSeconds: 600,
      distanceMeters: 2000,
      calories: 100,
      utcOffsetSeconds: 0,
      points: [],
    }),
  );
}
