import type { Response } from 'express';
import { defaultSettings } from '../common/settings.js';
import { StravaQuota } from './strava-quota.js';

/** The headers a request was answered with. */
function fakeResponse() {
  const headers: Record<string, string> = {};
  const res = { set: (h: Record<string, string>) => Object.assign(headers, h) } as unknown as Response;
  return { res, headers };
}

describe('StravaQuota', () => {
  it('enforces the default limits and says them in the headers', () => {
    const quota = new StravaQuota(defaultSettings());
    const { res, headers } = fakeResponse();
    expect(quota.take('app', true, res)).toBe(true);
    expect(headers['X-RateLimit-Limit']).toBe('200,2000');
    expect(headers['X-ReadRateLimit-Limit']).toBe('100,1000');
    expect(headers['X-ReadRateLimit-Usage']).toBe('1,1');
  });

  it('takes a deployment’s raised (or lowered) limits', () => {
    const quota = new StravaQuota(defaultSettings({ stravaLimits: { overall: [5, 50], read: [3, 30] } }));
    const answers = Array.from({ length: 4 }, () => quota.take('app', true, fakeResponse().res));
    expect(answers).toEqual([true, true, true, false]); // the 4th read is over 3 / 15 min
    const { res, headers } = fakeResponse();
    expect(quota.take('app', false, res)).toBe(true); // a write: 5th overall request, still allowed
    expect(headers['X-RateLimit-Limit']).toBe('5,50');
    expect(headers['X-RateLimit-Usage']).toBe('5,5');
    expect(quota.take('app', false, fakeResponse().res)).toBe(false);
  });
});
