import type { Response } from 'express';
import { scaledMs, windowOf, type SimSettings } from '../common/settings.js';

/** Strava's default per-application limits ([15 min, day]); a deployment with raised limits sets `stravaLimits`. */
export const LIMITS = { overall: [200, 2000], read: [100, 1000] } as const;

interface Counters {
  short: number;
  shortIndex: number;
  daily: number;
  dailyIndex: number;
}

/**
 * Strava's per-application limits: overall 200 requests / 15 min and 2,000 / day; reads ("non-upload")
 * 100 / 15 min and 1,000 / day. Windows reset at :00/:15/:30/:45 and at midnight UTC (shrunk by the
 * time scale). Every request counts, those answered 429 included.
 */
export class StravaQuota {
  private readonly overall = new Map<string, Counters>();
  private readonly read = new Map<string, Counters>();

  constructor(private readonly settings: SimSettings) {}

  /** Counts one request of an application; false when it is over a limit. Sets the headers either way. */
  take(clientId: string, isRead: boolean, res: Response): boolean {
    const now = Date.now();
    const short = windowOf(now, scaledMs(this.settings, 900));
    const day = windowOf(now, scaledMs(this.settings, 86_400));
    const bump = (map: Map<string, Counters>) => {
      const c = map.get(clientId) ?? { short: 0, shortIndex: short.index, daily: 0, dailyIndex: day.index };
      if (c.shortIndex !== short.index) Object.assign(c, { short: 0, shortIndex: short.index });
      if (c.dailyIndex !== day.index) Object.assign(c, { daily: 0, dailyIndex: day.index });
      c.short++;
      c.daily++;
      map.set(clientId, c);
      return c;
    };
    const limits = this.settings.stravaLimits ?? LIMITS;
    const overall = bump(this.overall);
    const read = isRead ? bump(this.read) : this.current(this.read, clientId, short.index, day.index);
    res.set({
      'X-RateLimit-Limit': limits.overall.join(','),
      'X-RateLimit-Usage': `${overall.short},${overall.daily}`,
      'X-ReadRateLimit-Limit': limits.read.join(','),
      'X-ReadRateLimit-Usage': `${read.short},${read.daily}`,
    });
    const overLimit = overall.short > limits.overall[0] || overall.daily > limits.overall[1];
    const overRead = isRead && (read.short > limits.read[0] || read.daily > limits.read[1]);
    return !(overLimit || overRead);
  }

  usage(clientId: string) {
    const now = Date.now();
    const short = windowOf(now, scaledMs(this.settings, 900)).index;
    const day = windowOf(now, scaledMs(this.settings, 86_400)).index;
    return {
      overall: this.current(this.overall, clientId, short, day),
      read: this.current(this.read, clientId, short, day),
    };
  }

  private current(
    map: Map<string, Counters>,
    clientId: string,
    shortIndex: number,
    dailyIndex: number,
  ): Counters {
    const c = map.get(clientId);
    return {
      short: c && c.shortIndex === shortIndex ? c.short : 0,
      shortIndex,
      daily: c && c.dailyIndex === dailyIndex ? c.daily : 0,
      dailyIndex,
    };
  }
}
