import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTcx } from '../../../common/formats/tcx.js';
import { buildZip } from '../../../../test/support/archive-files.js';
import {
  parseOffset,
  parseTakeoutTime,
  readExerciseJson,
  readUserExercisesCsv,
  takeoutTiming,
  type TakeoutExercise,
} from './fitbit-takeout.js';
import { scanArchive, type ScannedRecord } from './scan-archive.js';

const exercise = (logId: number, startTime: string, extra: object = {}) => ({
  logId,
  activityName: 'Run',
  activityTypeId: 90009,
  startTime,
  duration: 1_800_000,
  activeDuration: 1_750_000,
  distance: 5.2,
  distanceUnit: 'Kilometer',
  calories: 320,
  averageHeartRate: 148,
  hasGps: false,
  ...extra,
});

const USER_EXERCISES = (rows: Array<[string, string]>) =>
  [
    'exercise_id,exercise_start,exercise_end,utc_offset,activity_name,tracker_avg_heart_rate,new_column',
    ...rows.map(([start, offset], i) => `${i},${start},${start},${offset},Run,0,x`),
  ].join('\n');

describe('Google Takeout (Fitbit): exercise-*.json, UserExercises and TCX files', () => {
  it('reads Takeout’s times, offsets and units', () => {
    expect(parseTakeoutTime('03/22/21 21:04:02')).toBe(Date.UTC(2021, 2, 22, 21, 4, 2));
    expect(parseTakeoutTime('2021-03-22T21:04:02')).toBeUndefined();
    expect(parseTakeoutTime('13/22/21 21:04:02')).toBeUndefined();
    expect(parseOffset('+01:00')).toBe(3600);
    expect(parseOffset('-0530')).toBe(-19_800);
    expect(parseOffset('02:00')).toBe(7200);
    expect(parseOffset('3600')).toBe(3600);
    expect(parseOffset('-420')).toBe(-25_200);
    expect(parseOffset('-7')).toBe(-25_200);
    expect(parseOffset('')).toBeUndefined();
    const { exercises, problems } = readExerciseJson(
      JSON.stringify([
        exercise(1, '03/22/21 07:00:00', { distance: 3.1, distanceUnit: 'Mile' }),
        { logId: 2, startTime: 'yesterday' },
      ]),
    );
    expect(exercises).toEqual([
      expect.objectContaining({ logId: '1', name: 'Run', durationMs: 1_800_000, energyKcal: 320 }),
    ]);
    expect(exercises[0].distanceMeters).toBeCloseTo(4988.97, 1);
    expect(problems).toEqual(['activity 2: no logId, startTime or duration']);
    expect(readExerciseJson('{').problems).toEqual(['not JSON']);
  });

  it('decides per archive whether startTime is UTC or the wall clock, from UserExercises', () => {
    const rows = readUserExercisesCsv(
      USER_EXERCISES([
        ['2021-03-22T06:00:00Z', '+01:00'],
        ['2021-07-01T15:00:00Z', '+02:00'],
      ]),
    );
    expect(rows).toEqual([
      { startUtc: Date.UTC(2021, 2, 22, 6), offsetSeconds: 3600 },
      { startUtc: Date.UTC(2021, 6, 1, 15), offsetSeconds: 7200 },
    ]);
    const e = (wall: string): TakeoutExercise => ({
      logId: wall,
      name: 'Run',
      wallClock: parseTakeoutTime(wall)!,
      durationMs: 1000,
    });
    // written as wall-clock time: 07:00 local is 06:00 UTC
    const local = [e('03/22/21 07:00:00'), e('07/01/21 17:00:00'), e('08/01/21 09:00:00')];
    const asLocal = takeoutTiming(local, rows);
    expect(asLocal(local[0])).toEqual({ start: Date.UTC(2021, 2, 22, 6), offsetSeconds: 3600 });
    // an activity UserExercises does not have takes the nearest row's offset
    expect(asLocal(local[2])).toEqual({ start: Date.UTC(2021, 7, 1, 7), offsetSeconds: 7200 });
    // written as UTC
    const utc = [e('03/22/21 06:00:00'), e('07/01/21 15:00:00')];
    expect(takeoutTiming(utc, rows)(utc[1])).toEqual({
      start: Date.UTC(2021, 6, 1, 15),
      offsetSeconds: 7200,
    });
    // nothing to tell by: UTC, offset 0
    expect(takeoutTiming(utc, [])(utc[0])).toEqual({ start: Date.UTC(2021, 2, 22, 6), offsetSeconds: 0 });
  });

  it('scans a Takeout ZIP: the TCX’s track where there is one, the log’s summary otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'takeout-'));
    try {
      const start = new Date('2021-03-22T06:00:00Z');
      const tcx = writeTcx({
        sport: 'Running',
        id: start,
        laps: [
          {
            startTime: start,
            totalTimeSeconds: 1800,
            distanceMeters: 5200,
            calories: 300,
            points: Array.from({ length: 10 }, (_, i) => ({
              time: new Date(start.getTime() + i * 60_000),
              lat: 52.5 + i / 1000,
              lng: 13.4,
              heartRate: 140 + i,
            })),
          },
        ],
      });
      const zip = await buildZip({
        'Takeout/Fitbit/Global Export Data/exercise-0.json': JSON.stringify([
          exercise(111, '03/22/21 07:00:00', { hasGps: true }),
          exercise(222, '07/01/21 17:00:00', { activityName: 'Yoga', distance: 0 }),
        ]),
        'Takeout/Fitbit/Global Export Data/steps-2021-03-22.json': '[]',
        'Takeout/Fitbit/Health Fitness Data_GoogleData/UserExercises_2021-03-22.csv': USER_EXERCISES([
          ['2021-03-22T06:00:00Z', '+01:00'],
          ['2021-07-01T15:00:00Z', '+02:00'],
        ]),
        'Takeout/Fitbit/Activities/111.tcx': tcx,
      });
      const path = join(dir, 'takeout.zip');
      writeFileSync(path, zip);
      const records: ScannedRecord[] = [];
      const result = await scanArchive(path, async (r) => void records.push(r));
      expect(result).toEqual({ format: 'FITBIT_TAKEOUT', problems: [] });
      const sessions = records.map((r) => ('session' in r ? r.session : undefined));
      expect(sessions).toEqual([
        expect.objectContaining({ kind: 'RUN', name: 'Run', start: '2021-03-22T06:00:00Z', indoor: false }),
        expect.objectContaining({
          kind: 'YOGA',
          name: 'Yoga',
          start: '2021-07-01T15:00:00Z',
          startUtcOffsetSeconds: 7200,
          elapsedSeconds: 1800,
          averageHeartRate: 148,
          indoor: true,
        }),
      ]);
      expect(sessions[0]?.track).toHaveLength(10);
      expect(sessions[1]).not.toHaveProperty('distanceMeters');
      expect(records[0].entry).toBe('Takeout/Fitbit/Activities/111.tcx');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
