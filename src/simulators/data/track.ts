import { Rng } from '../common/rng.js';
import type { SimSession } from './account.js';

export interface SimTrackPoint {
  time: Date;
  lat?: number;
  lng?: number;
  altitude?: number;
  heartRate: number;
  distance?: number;
}

const EARTH_M_PER_DEG = 111_320;

/**
 * The recorded samples of a session, generated on demand from its seed: a GPS random walk from
 * the athlete's home at the session's pace (outdoor sessions), heart rate around the session's
 * average. Sample spacing grows with duration so a long ride stays under ~1,500 points.
 */
export function generateTrack(
  session: SimSession,
  home: { lat: number; lng: number; altitude: number },
): SimTrackPoint[] {
  const rng = new Rng(session.trackSeed);
  const step = Math.max(5, Math.ceil(session.elapsedSeconds / 1500));
  const points: SimTrackPoint[] = [];
  // equal steps that add up to exactly the session's distance
  const moved = session.distanceMeters / Math.max(1, Math.floor(session.elapsedSeconds / step));
  let lat = home.lat + rng.between(-0.02, 0.02);
  let lng = home.lng + rng.between(-0.02, 0.02);
  let heading = rng.between(0, 2 * Math.PI);
  let altitude = home.altitude + rng.between(-5, 5);
  let distance = 0;
  let hr = session.averageHr - 15;
  const climbPerStep = session.elevationGainMeters / Math.max(1, session.elapsedSeconds / step);
  for (let t = 0; t <= session.elapsedSeconds; t += step) {
    if (t > 0) {
      heading += rng.gaussian(0, 0.25);
      lat += (Math.cos(heading) * moved) / EARTH_M_PER_DEG;
      lng += (Math.sin(heading) * moved) / (EARTH_M_PER_DEG * Math.cos((lat * Math.PI) / 180));
      altitude += Math.sin(t / 600) * climbPerStep * 2 + rng.gaussian(0, 0.3);
      distance += moved;
    }
    hr = Math.max(60, Math.min(session.maxHr, hr + (session.averageHr - hr) * 0.1 + rng.gaussian(0, 2)));
    points.push({
      time: new Date(session.start.getTime() + t * 1000),
      heartRate: Math.round(hr),
      ...(session.hasGps
        ? {
            lat: round(lat, 7),
            lng: round(lng, 7),
            altitude: round(altitude, 1),
            distance: round(distance, 1),
          }
        : {}),
    });
  }
  return points;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
