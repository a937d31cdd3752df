import { Decoder, Encoder, Profile, Stream, type Mesg } from '@garmin/fitsdk';

/** A FIT activity file's content, the subset activities need. Sports are FIT profile names. */
export interface FitActivity {
  sport: string;
  subSport: string;
  start: Date;
  elapsedSeconds: number;
  movingSeconds: number;
  distanceMeters: number;
  calories: number;
  averageHeartRate?: number;
  maxHeartRate?: number;
  /** Offset of local time from UTC at the start, for the activity message's local timestamp. */
  utcOffsetSeconds: number;
  points: Array<{
    time: Date;
    lat?: number;
    lng?: number;
    altitude?: number;
    distance?: number;
    heartRate?: number;
  }>;
}

const TO_SEMICIRCLES = 2 ** 31 / 180;
const FIT_EPOCH_S = 631_065_600; // 1989-12-31T00:00:00Z

/** Encodes an activity as a FIT file (file id, timer events, records, lap, session, activity). */
export function writeFit(a: FitActivity): Uint8Array {
  const end = new Date(a.start.getTime() + a.elapsedSeconds * 1000);
  const totals = {
    startTime: a.start,
    totalElapsedTime: a.elapsedSeconds,
    totalTimerTime: a.movingSeconds,
    totalDistance: a.distanceMeters,
    totalCalories: Math.round(a.calories),
    ...(a.averageHeartRate ? { avgHeartRate: Math.round(a.averageHeartRate) } : {}),
    ...(a.maxHeartRate ? { maxHeartRate: Math.round(a.maxHeartRate) } : {}),
    sport: a.sport,
    subSport: a.subSport,
  };
  const encoder = new Encoder();
  const write = (mesgNum: number, mesg: Record<string, unknown>) => encoder.onMesg(mesgNum, mesg as Mesg);
  write(Profile.MesgNum.FILE_ID, {
    type: 'activity',
    manufacturer: 'development',
    product: 1,
    serialNumber: 1,
    timeCreated: a.start,
  });
  write(Profile.MesgNum.EVENT, { timestamp: a.start, event: 'timer', eventType: 'start' });
  for (const p of a.points) {
    write(Profile.MesgNum.RECORD, {
      timestamp: p.time,
      ...(p.lat !== undefined && p.lng !== undefined
        ? {
            positionLat: Math.round(p.lat * TO_SEMICIRCLES),
            positionLong: Math.round(p.lng * TO_SEMICIRCLES),
          }
        : {}),
      ...(p.altitude !== undefined ? { altitude: p.altitude } : {}),
      ...(p.distance !== undefined ? { distance: p.distance } : {}),
      ...(p.heartRate !== undefined ? { heartRate: Math.round(p.heartRate) } : {}),
    });
  }
  write(Profile.MesgNum.EVENT, { timestamp: end, event: 'timer', eventType: 'stopAll' });
  write(Profile.MesgNum.LAP, { messageIndex: 0, timestamp: end, event: 'lap', eventType: 'stop', ...totals });
  write(Profile.MesgNum.SESSION, {
    messageIndex: 0,
    timestamp: end,
    event: 'session',
    eventType: 'stop',
    firstLapIndex: 0,
    numLaps: 1,
    ...totals,
  });
  write(Profile.MesgNum.ACTIVITY, {
    timestamp: end,
    totalTimerTime: a.movingSeconds,
    numSessions: 1,
    type: 'manual',
    event: 'activity',
    eventType: 'stop',
    localTimestamp: Math.round(end.getTime() / 1000) + a.utcOffsetSeconds - FIT_EPOCH_S,
  });
  return encoder.close();
}

/** Decodes a FIT activity's session and records (for tests and golden files). */
export function readFit(bytes: Uint8Array): {
  session: Record<string, unknown>;
  records: Array<Record<string, unknown>>;
} {
  const decoder = new Decoder(Stream.fromBuffer(bytes));
  if (!decoder.checkIntegrity()) throw new Error('not a valid FIT file');
  const { messages, errors } = decoder.read();
  if (errors.length > 0) throw errors[0];
  return {
    session: (messages.sessionMesgs?.[0] ?? {}) as Record<string, unknown>,
    records: (messages.recordMesgs ?? []) as Array<Record<string, unknown>>,
  };
}
