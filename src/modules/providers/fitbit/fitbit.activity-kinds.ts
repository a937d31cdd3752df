import type { ActivityKind } from '../canonical/canonical-session.js';

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

export const kindFromGoogle = (type: string | undefined): ActivityKind =>
  GOOGLE_TO_KIND[type ?? ''] ?? 'OTHER';
export const kindToGoogle = (kind: ActivityKind): string => KIND_TO_GOOGLE[kind];
