import type { GoogleDataPoint } from './google-data.js';

const DURATION = /^-?\d+(\.\d{1,9})?s$/;

/** What dataPoints.create rejects with INVALID_ARGUMENT; undefined when the exercise is acceptable. */
export function validateNewExercise(
  body: Partial<GoogleDataPoint>,
  exerciseTypes: string[],
): string | undefined {
  const x = body.exercise;
  if (!x || typeof x !== 'object') return 'The data point must have an exercise.';
  if (typeof x.displayName !== 'string' || x.displayName.trim() === '')
    return 'exercise.display_name is required.';
  if (!exerciseTypes.includes(x.exerciseType))
    return `Invalid value at 'exercise.exercise_type': ${String(x.exerciseType)}`;
  const i = x.interval;
  if (!i || typeof i !== 'object') return 'exercise.interval is required.';
  for (const field of ['startTime', 'endTime'] as const) {
    if (typeof i[field] !== 'string' || Number.isNaN(Date.parse(i[field])))
      return `Invalid value at 'exercise.interval.${field}'.`;
  }
  for (const field of ['startUtcOffset', 'endUtcOffset'] as const) {
    if (typeof i[field] !== 'string' || !DURATION.test(i[field]))
      return `Invalid value at 'exercise.interval.${field}'.`;
  }
  if (Date.parse(i.startTime) >= Date.parse(i.endTime))
    return 'exercise.interval.start_time must be before end_time.';
  if (!x.metricsSummary || typeof x.metricsSummary !== 'object')
    return 'exercise.metrics_summary is required.';
  if (
    x.activeDuration !== undefined &&
    (typeof x.activeDuration !== 'string' || !DURATION.test(x.activeDuration))
  ) {
    return "Invalid value at 'exercise.active_duration'.";
  }
  return undefined;
}
