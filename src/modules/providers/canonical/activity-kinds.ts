import type { ActivityKind } from './canonical-session.js';

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

export function kindToFit(kind: ActivityKind, indoor: boolean): { sport: string; subSport: string } {
  const fit = KIND_TO_FIT[kind];
  return { sport: fit.sport, subSport: indoor && fit.indoorSubSport ? fit.indoorSubSport : fit.subSport };
}
