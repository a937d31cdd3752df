import type { FileSession } from './activity-file.js';
import {
  kindOfType,
  parseActivityDate,
  readStravaActivitiesCsv,
  stravaExportSession,
} from './strava-export.js';

/** The first columns of a real export's header, duplicates included (order matters). */
const HEADER =
  'Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,Distance,' +
  'Max Heart Rate,Relative Effort,Commute,Activity Private Note,Activity Gear,Filename,Athlete Weight,' +
  'Bike Weight,Elapsed Time,Moving Time,Distance,Max Speed,Average Speed,Elevation Gain,Calories';

const CSV = [
  HEADER,
  '4163856655,"Oct 7, 2020, 2:43:11 PM",Lunch Run,Run,"Hills, then home",1834,5.21,171,40,false,,,activities/4163856655.fit.gz,,,1834.0,1790.0,5213.5,4.1,2.9,41,402',
  '4163856656,"Oct 8, 2020, 6:05:00\u202fAM",Gym,Weight Training,,3600,0,,,false,,,,,,3600.0,3600.0,,,,,250',
  '4163856657,"sometime",Broken,Run,,100,1,,,false,,,,,,,,,,,,',
  '4163856658,"8 Oct 2020, 18:30:00",Evening Ride,Ride,,2400,20.1,,,false,,,activities/4163856658.gpx,,,2400.0,2300.0,20100.0,,,,',
].join('\n');

describe('Strava bulk export: activities.csv', () => {
  it('reads rows by column name: the first Elapsed Time, the Distance in metres, the file', () => {
    const { rows, problems } = readStravaActivitiesCsv(`\ufeff${CSV}`);
    expect(rows.map((r) => r.activityId)).toEqual(['4163856655', '4163856656', '4163856658']);
    expect(rows[0]).toEqual({
      activityId: '4163856655',
      start: '2020-10-07T14:43:11Z',
      name: 'Lunch Run',
      type: 'Run',
      description: 'Hills, then home',
      elapsedSeconds: 1834,
      movingSeconds: 1790,
      distanceMeters: 5213.5,
      maxHeartRate: 171,
      energyKcal: 402,
      filename: 'activities/4163856655.fit.gz',
    });
    expect(rows[1]).toMatchObject({ start: '2020-10-08T06:05:00Z', type: 'Weight Training' });
    expect(rows[1]).not.toHaveProperty('filename');
    expect(rows[2]).toMatchObject({ start: '2020-10-08T18:30:00Z', distanceMeters: 20_100 });
    expect(problems).toEqual([{ line: 4, message: 'unrecognized Activity Date "sometime"' }]);
  });

  it('says so when the file is not an activities.csv', () => {
    expect(readStravaActivitiesCsv('a,b\n1,2').problems[0].message).toMatch(/lacks Activity ID/);
  });

  it('reads the dates exports write, in UTC', () => {
    expect(parseActivityDate('Oct 7, 2020, 12:05:00 AM')).toBe('2020-10-07T00:05:00Z');
    expect(parseActivityDate('Oct 7, 2020, 12:05:00 PM')).toBe('2020-10-07T12:05:00Z');
    expect(parseActivityDate('19 Feb 2022, 10:14:12')).toBe('2022-02-19T10:14:12Z');
    expect(parseActivityDate('2022-02-19 10:14:12')).toBe('2022-02-19T10:14:12Z');
    expect(parseActivityDate('Foo 7, 2020, 1:00:00 PM')).toBeUndefined();
    expect(parseActivityDate('Oct 7, 2020, 13:00:00 PM')).toBeUndefined();
  });

  it('keeps the file’s track and the athlete’s name, description and sport', () => {
    const { rows } = readStravaActivitiesCsv(CSV);
    const file = {
      kind: 'WORKOUT',
      name: 'Run',
      start: '2020-10-07T14:43:11Z',
      end: '2020-10-07T15:13:45Z',
      startUtcOffsetSeconds: 7200,
      endUtcOffsetSeconds: 7200,
      elapsedSeconds: 1834,
      movingSeconds: 1790,
      indoor: false,
      track: [{ time: '2020-10-07T14:43:11Z', lat: 1, lng: 2 }],
    } as FileSession;
    expect(stravaExportSession(rows[0], file)).toMatchObject({
      kind: 'RUN',
      name: 'Lunch Run',
      notes: 'Hills, then home',
      startUtcOffsetSeconds: 7200,
      track: file.track,
    });
    expect(stravaExportSession(rows[1])).toMatchObject({
      kind: 'STRENGTH',
      name: 'Gym',
      start: '2020-10-08T06:05:00Z',
      end: '2020-10-08T07:05:00Z',
      elapsedSeconds: 3600,
      energyKcal: 250,
      indoor: true,
    });
  });

  it('maps the export’s activity types', () => {
    expect(
      ['Run', 'Trail Run', 'Virtual Ride', 'E-Bike Ride', 'Weight Training', 'Yoga', 'Swim', 'Rowing'].map(
        kindOfType,
      ),
    ).toEqual(['RUN', 'RUN', 'RIDE', 'RIDE', 'STRENGTH', 'YOGA', 'SWIM', 'WORKOUT']);
  });
});
