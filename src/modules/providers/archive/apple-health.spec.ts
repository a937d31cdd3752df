import { Readable } from 'node:stream';
import {
  appleWorkoutSession,
  kindOfWorkoutType,
  parseHealthDate,
  readAppleHealthWorkouts,
} from './apple-health.js';

/** An export.xml as iOS 16+ writes it: the broken DTD (an ATTLIST without its `>`), records, workouts. */
const EXPORT_XML = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 12 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST VisionPrescription
  type CDATA #REQUIRED
  dateIssued CDATA #REQUIRED
<!ELEMENT Workout ((MetadataEntry|FileReference)*,WorkoutEvent*,WorkoutRoute*)>
]>
<HealthData locale="en_US">
 <ExportDate value="2025-06-01 10:00:00 +0200"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth=""/>
 <Record type="HKQuantityTypeIdentifierHeartRate" unit="count/min" value="61" startDate="2025-05-04 07:00:00 +0200" endDate="2025-05-04 07:00:00 +0200"/>
 <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="29.5" durationUnit="min" sourceName="Apple Watch" creationDate="2025-05-04 09:01:00 +0200" startDate="2025-05-04 08:30:00 +0200" endDate="2025-05-04 09:00:00 +0200">
  <MetadataEntry key="HKIndoorWorkout" value="0"/>
  <MetadataEntry key="HKTimeZone" value="Europe/Berlin"/>
  <WorkoutEvent type="HKWorkoutEventTypePause" date="2025-05-04 08:40:00 +0200"/>
  <WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" startDate="2025-05-04 08:30:00 +0200" endDate="2025-05-04 09:00:00 +0200" sum="312.4" unit="kcal"/>
  <WorkoutStatistics type="HKQuantityTypeIdentifierDistanceWalkingRunning" startDate="2025-05-04 08:30:00 +0200" endDate="2025-05-04 09:00:00 +0200" sum="3.11" unit="mi"/>
  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" startDate="2025-05-04 08:30:00 +0200" endDate="2025-05-04 09:00:00 +0200" average="141.6" minimum="98" maximum="171" unit="count/min"/>
  <WorkoutRoute sourceName="Apple Watch" startDate="2025-05-04 08:30:00 +0200" endDate="2025-05-04 09:00:00 +0200">
   <FileReference path="/workout-routes/route_2025-05-04_8.30am.gpx"/>
  </WorkoutRoute>
 </Workout>
 <Workout workoutActivityType="HKWorkoutActivityTypeTraditionalStrengthTraining" duration="45" durationUnit="min" totalEnergyBurned="210" totalEnergyBurnedUnit="Cal" sourceName="iPhone" startDate="2019-03-02 6:00:00 PM -0800" endDate="2019-03-02 6:45:00 PM -0800">
  <MetadataEntry key="HKIndoorWorkout" value="1"/>
 </Workout>
 <Workout workoutActivityType="HKWorkoutActivityTypeCycling" duration="20" durationUnit="min" totalDistance="8" totalDistanceUnit="km" startDate="2018-07-01 07:00:00 +0100" endDate="2018-07-01 07:20:00 +0100">
  <WorkoutRoute>
   <Location date="2018-07-01 07:00:00 +0100" latitude="51.5" longitude="-0.12" altitude="20"/>
   <Location date="2018-07-01 07:10:00 +0100" latitude="51.52" longitude="-0.12" altitude="22"/>
  </WorkoutRoute>
 </Workout>
 <Workout workoutActivityType="HKWorkoutActivityTypeYoga" duration="30" durationUnit="min" startDate="yesterday" endDate="today"/>
</HealthData>
`;

describe("Apple Health's export.xml", () => {
  it('streams the workouts past the broken DTD: totals from statistics or attributes, units converted, routes', async () => {
    // in small pieces, as a ZIP entry's stream delivers it
    const pieces = EXPORT_XML.match(/[\s\S]{1,97}/g)!;
    const { workouts, problems } = await readAppleHealthWorkouts(Readable.from(pieces));
    expect(workouts).toHaveLength(3);
    expect(workouts[0]).toEqual({
      type: 'HKWorkoutActivityTypeRunning',
      start: '2025-05-04T06:30:00Z',
      startUtcOffsetSeconds: 7200,
      end: '2025-05-04T07:00:00Z',
      endUtcOffsetSeconds: 7200,
      durationSeconds: 1770,
      distanceMeters: 5005.1,
      energyKcal: 312,
      averageHeartRate: 142,
      maxHeartRate: 171,
      indoor: false,
      sourceName: 'Apple Watch',
      routeFile: 'route_2025-05-04_8.30am.gpx',
    });
    expect(workouts[1]).toMatchObject({
      start: '2019-03-03T02:00:00Z',
      startUtcOffsetSeconds: -28800,
      energyKcal: 210,
      indoor: true,
    });
    expect(workouts[2]).toMatchObject({ distanceMeters: 8000 });
    expect(workouts[2].inlineRoute).toEqual([
      { time: '2018-07-01T06:00:00Z', lat: 51.5, lng: -0.12, altitudeMeters: 20 },
      { time: '2018-07-01T06:10:00Z', lat: 51.52, lng: -0.12, altitudeMeters: 22 },
    ]);
    expect(problems.map((p) => p.message)).toContain(
      'a HKWorkoutActivityTypeYoga workout has an unreadable date ("yesterday")',
    );
  });

  it('makes sessions: the route file’s track, or the inline one, or none (indoors)', async () => {
    const { workouts } = await readAppleHealthWorkouts(Readable.from([EXPORT_XML]));
    const track = [{ time: '2025-05-04T06:30:00Z', lat: 52.5, lng: 13.4 }];
    expect(appleWorkoutSession(workouts[0], { track } as never)).toMatchObject({
      kind: 'RUN',
      name: 'Run (Apple Watch)',
      elapsedSeconds: 1800,
      movingSeconds: 1770,
      indoor: false,
      track,
    });
    expect(appleWorkoutSession(workouts[0])).toMatchObject({ indoor: true });
    expect(appleWorkoutSession(workouts[1])).toMatchObject({ kind: 'STRENGTH', indoor: true });
    expect(appleWorkoutSession(workouts[2])).toMatchObject({ kind: 'RIDE', indoor: false });
  });

  it('reads its dates, 12-hour ones too', () => {
    expect(parseHealthDate('2024-01-01 08:00:00 -0700')).toEqual({
      iso: '2024-01-01T15:00:00Z',
      offset: -25200,
    });
    expect(parseHealthDate('2024-01-01 12:30:00\u202fAM +0530')).toEqual({
      iso: '2023-12-31T19:00:00Z',
      offset: 19800,
    });
    expect(parseHealthDate('2024-01-01T08:00:00Z')).toBeUndefined();
  });

  it('maps workout types', () => {
    expect(
      [
        'HKWorkoutActivityTypeRunning',
        'HKWorkoutActivityTypeFunctionalStrengthTraining',
        'HKWorkoutActivityTypeRowing',
      ].map(kindOfWorkoutType),
    ).toEqual(['RUN', 'STRENGTH', 'WORKOUT']);
  });
});
