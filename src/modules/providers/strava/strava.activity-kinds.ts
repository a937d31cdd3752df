import type { ActivityKind } from '../canonical/canonical-session.js';

/** Strava `sport_type` <-> kind. Variants collapse (TrailRun is a run); unknown types are OTHER. */
const STRAVA_TO_KIND: Record<string, ActivityKind> = {
  Run: 'RUN',
  TrailRun: 'RUN',
  VirtualRun: 'RUN',
  Ride: 'RIDE',
  MountainBikeRide: 'RIDE',
  GravelRide: 'RIDE',
  EBikeRide: 'RIDE',
  EMountainBikeRide: 'RIDE',
  VirtualRide: 'RIDE',
  Walk: 'WALK',
  Hike: 'HIKE',
  Swim: 'SWIM',
  Yoga: 'YOGA',
  Pilates: 'PILATES',
  WeightTraining: 'STRENGTH',
  HighIntensityIntervalTraining: 'HIIT',
  Workout: 'WORKOUT',
  Crossfit: 'WORKOUT',
};
const KIND_TO_STRAVA: Record<ActivityKind, string> = {
  RUN: 'Run',
  RIDE: 'Ride',
  WALK: 'Walk',
  HIKE: 'Hike',
  SWIM: 'Swim',
  YOGA: 'Yoga',
  PILATES: 'Pilates',
  STRENGTH: 'WeightTraining',
  WEIGHTLIFTING: 'WeightTraining',
  HIIT: 'HighIntensityIntervalTraining',
  WORKOUT: 'Workout',
  OTHER: 'Workout',
};

export const kindFromStrava = (sportType: string | undefined): ActivityKind =>
  STRAVA_TO_KIND[sportType ?? ''] ?? 'OTHER';
export const kindToStrava = (kind: ActivityKind): string => KIND_TO_STRAVA[kind];
