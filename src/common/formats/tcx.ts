import { XMLParser } from 'fast-xml-parser';

/** Garmin Training Center XML (TCX v2), the subset activities use. */
export type TcxSport = 'Running' | 'Biking' | 'Other';

export interface TcxPoint {
  time: Date;
  lat?: number;
  lng?: number;
  altitude?: number;
  distance?: number;
  heartRate?: number;
}

export interface TcxLap {
  startTime: Date;
  totalTimeSeconds: number;
  distanceMeters: number;
  calories: number;
  averageHeartRate?: number;
  maxHeartRate?: number;
  points: TcxPoint[];
}

export interface TcxActivity {
  sport: TcxSport;
  /** The activity id: its start time. */
  id: Date;
  laps: TcxLap[];
  notes?: string;
  /** The recording device's name (read back from `Creator/Name`). */
  creator?: string;
  /** When writing: the full `Device_t` creator (Name, UnitId, ProductID, Version) the schema requires. */
  device?: TcxDevice;
}

export interface TcxDevice {
  name: string;
  unitId: number;
  productId: number;
  version: { major: number; minor: number; buildMajor?: number; buildMinor?: number };
}

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');
const num = (value: number, digits: number) => String(Math.round(value * 10 ** digits) / 10 ** digits);

function writePoint(p: TcxPoint): string {
  const parts = [`<Time>${iso(p.time)}</Time>`];
  if (p.lat !== undefined && p.lng !== undefined) {
    parts.push(
      `<Position><LatitudeDegrees>${num(p.lat, 7)}</LatitudeDegrees><LongitudeDegrees>${num(p.lng, 7)}</LongitudeDegrees></Position>`,
    );
  }
  if (p.altitude !== undefined) parts.push(`<AltitudeMeters>${num(p.altitude, 1)}</AltitudeMeters>`);
  if (p.distance !== undefined) parts.push(`<DistanceMeters>${num(p.distance, 1)}</DistanceMeters>`);
  if (p.heartRate !== undefined)
    parts.push(`<HeartRateBpm><Value>${Math.round(p.heartRate)}</Value></HeartRateBpm>`);
  return `          <Trackpoint>${parts.join('')}</Trackpoint>`;
}

function writeLap(lap: TcxLap): string {
  const lines = [
    `      <Lap StartTime="${iso(lap.startTime)}">`,
    `        <TotalTimeSeconds>${num(lap.totalTimeSeconds, 1)}</TotalTimeSeconds>`,
    `        <DistanceMeters>${num(lap.distanceMeters, 1)}</DistanceMeters>`,
    `        <Calories>${Math.round(lap.calories)}</Calories>`,
  ];
  if (lap.averageHeartRate)
    lines.push(
      `        <AverageHeartRateBpm><Value>${Math.round(lap.averageHeartRate)}</Value></AverageHeartRateBpm>`,
    );
  if (lap.maxHeartRate)
    lines.push(
      `        <MaximumHeartRateBpm><Value>${Math.round(lap.maxHeartRate)}</Value></MaximumHeartRateBpm>`,
    );
  lines.push('        <Intensity>Active</Intensity>', '        <TriggerMethod>Manual</TriggerMethod>');
  if (lap.points.length > 0) lines.push('        <Track>', ...lap.points.map(writePoint), '        </Track>');
  lines.push('      </Lap>');
  return lines.join('\n');
}

function writeCreator(activity: TcxActivity): string[] {
  const d = activity.device;
  if (!d) {
    return activity.creator
      ? [`      <Creator xsi:type="Device_t"><Name>${escape(activity.creator)}</Name></Creator>`]
      : [];
  }
  const build = [
    ...(d.version.buildMajor !== undefined ? [`<BuildMajor>${d.version.buildMajor}</BuildMajor>`] : []),
    ...(d.version.buildMinor !== undefined ? [`<BuildMinor>${d.version.buildMinor}</BuildMinor>`] : []),
  ].join('');
  return [
    `      <Creator xsi:type="Device_t"><Name>${escape(d.name)}</Name><UnitId>${d.unitId}</UnitId><ProductID>${d.productId}</ProductID><Version><VersionMajor>${d.version.major}</VersionMajor><VersionMinor>${d.version.minor}</VersionMinor>${build}</Version></Creator>`,
  ];
}

export function writeTcx(activity: TcxActivity): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    '  <Activities>',
    `    <Activity Sport="${activity.sport}">`,
    `      <Id>${iso(activity.id)}</Id>`,
    ...activity.laps.map(writeLap),
    ...(activity.notes ? [`      <Notes>${escape(activity.notes)}</Notes>`] : []),
    ...writeCreator(activity),
    '    </Activity>',
    '  </Activities>',
    '</TrainingCenterDatabase>',
    '',
  ].join('\n');
}

export class TcxError extends Error {}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  isArray: (name) => ['Activity', 'Lap', 'Track', 'Trackpoint'].includes(name),
});

type Node = Record<string, unknown>;
const text = (value: unknown): string | undefined =>
  value === undefined || value === null
    ? undefined
    : typeof value === 'object'
      ? text((value as Node)['#text'])
      : String(value);
const number = (value: unknown): number | undefined => {
  const t = text(value);
  if (t === undefined || t.trim() === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
};
const date = (value: unknown, what: string): Date => {
  const d = new Date(text(value) ?? '');
  if (Number.isNaN(d.getTime())) throw new TcxError(`invalid ${what}`);
  return d;
};

/** Parses a TCX document's first activity; throws {@link TcxError} on anything that is not one. */
export function parseTcx(xml: string): TcxActivity {
  let doc: Node;
  try {
    doc = parser.parse(xml, true) as Node;
  } catch (error) {
    throw new TcxError(`not XML: ${(error as Error).message}`);
  }
  const activity = ((doc.TrainingCenterDatabase as Node | undefined)?.Activities as Node | undefined)
    ?.Activity as Node[] | undefined;
  if (!activity?.[0]) throw new TcxError('no Activity in the TCX document');
  const a = activity[0];
  const laps = ((a.Lap as Node[] | undefined) ?? []).map((lap) => ({
    startTime: date(lap['@StartTime'], 'Lap StartTime'),
    totalTimeSeconds: number(lap.TotalTimeSeconds) ?? 0,
    distanceMeters: number(lap.DistanceMeters) ?? 0,
    calories: number(lap.Calories) ?? 0,
    averageHeartRate: number((lap.AverageHeartRateBpm as Node | undefined)?.Value),
    maxHeartRate: number((lap.MaximumHeartRateBpm as Node | undefined)?.Value),
    points: ((lap.Track as Node[] | undefined) ?? []).flatMap((track) =>
      ((track.Trackpoint as Node[] | undefined) ?? []).map((tp) => {
        const position = tp.Position as Node | undefined;
        return {
          time: date(tp.Time, 'Trackpoint Time'),
          lat: number(position?.LatitudeDegrees),
          lng: number(position?.LongitudeDegrees),
          altitude: number(tp.AltitudeMeters),
          distance: number(tp.DistanceMeters),
          heartRate: number((tp.HeartRateBpm as Node | undefined)?.Value),
        };
      }),
    ),
  }));
  if (laps.length === 0) throw new TcxError('the Activity has no Lap');
  const sport = text(a['@Sport']);
  return {
    sport: sport === 'Running' || sport === 'Biking' ? sport : 'Other',
    id: date(a.Id, 'Activity Id'),
    laps,
    notes: text(a.Notes),
    creator: text((a.Creator as Node | undefined)?.Name),
  };
}
