import type { ActivityKind } from './canonical-session.js';

/** Google Health `exerciseType` <-> kind. Unknown types fall back to OTHER. */
const GOOGLE_TO_KIND: Record<string, ActivityKind> = {
  RUNNING: 'RUN',
  BIKING: 'RIDE',
  WALKING: 'WALK',
  HIKING: 'HIKE',
  SWIMMING: 'SWIM',
  YOGA: 'YOGA',
  PILATES: 'PILATES',
  STRENGTH_TRAINING: 'STRENGTH',
  WEIGHTLIFTING: 'WEIGHTLIFTING',
  HIIT: 'HIIT',
  WORKOUT: 'WORKOUT',
  OTHER: 'OTHER',
};
const KIND_TO_GOOGLE: Record<ActivityKind, string> = {
  RUN: 'RUNNING',
  RIDE: 'BIKING',
  WALK: 'WALKING',
  HIKE: 'HIKING',
  SWIM: 'SWIMMING',
  YOGA: 'YOGA',
  PILATES: 'PILATES',
  STRENGTH: 'STRENGTH_TRAINING',
  WEIGHTLIFTING: 'WEIGHTLIFTING',
  HIIT: 'HIIT',
  WORKOUT: 'WORKOUT',
  OTHER: 'OTHER',
};

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

/** FIT sport / sub-sport for an upload, so the destination files it under the right sport. */
const KIND_TO_FIT: Record<ActivityKind, { sport: string; subSport: string; indoorSubSport?: string }> = {
  RUN: { sport: 'running', subSport: 'generic', indoorSubSport: 'treadmill' },
  RIDE: { sport: 'cycling', subSport: 'generic', indoorSubSport: 'indoorCycling' },
  WALK: { sport: 'walking', subSport: 'generic', indoorSubSport: 'indoorWalking' },
  HIKE: { sport: 'hiking', subSport: 'generic' },
  SWIM: { sport: 'swimming', subSport: 'lapSwimming' },
  YOGA: { sport: 'training', subSport: 'yoga' },
  PILATES: { sport: 'training', subSport: 'pilates' },
  STRENGTH: { sport: 'training', subSport: 'strengthTraining' },
  WEIGHTLIFTING: { sport: 'training', subSport: 'strengthTraining' },
  HIIT: { sport: 'hiit', subSport: 'generic' },
  WORKOUT: { sport: 'training', subSport: 'generic' },
  OTHER: { sport: 'generic', subSport: 'generic' },
};

export const kindFromGoogle = (type: string | undefined): ActivityKind =>
  GOOGLE_TO_KIND[type ?? ''] ?? 'OTHER';
export const kindToGoogle = (kind: ActivityKind): string => KIND_TO_GOOGLE[kind];
export const kindFromStrava = (sportType: string | undefined): ActivityKind =>
  STRAVA_TO_KIND[sportType ?? ''] ?? 'OTHER';
export const kindToStrava = (kind: ActivityKind): string => KIND_TO_STRAVA[kind];
export function kindToFit(kind: ActivityKind, indoor: boolean): { sport: string; subSport: string } {
  const fit = KIND_TO_FIT[kind];
  return { sport: fit.sport, subSport: indoor && fit.indoorSubSport ? fit.indoorSubSport : fit.subSport };
}
