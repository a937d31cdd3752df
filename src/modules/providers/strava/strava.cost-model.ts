import type { ProviderCostModel } from '../cost-model.js';

/**
 * Strava API v3, per application (all users together): 200 requests/15 min and 2,000/day overall;
 * reads 100/15 min and 1,000/day. Uploads and activity creation draw on the overall limit only;
 * a chunk's uploads are confirmed by one activity list (a read), and a sync lists what Strava
 * already holds once (bench:quota: 1.06 x the physical minimum of writes + list pages).
 */
export const stravaCostModel: ProviderCostModel = {
  provider: 'strava',
  buckets: [
    { name: 'overall', limit: 200, windowSeconds: 900, dailyLimit: 2000, scope: 'application' },
    { name: 'read', limit: 100, windowSeconds: 900, dailyLimit: 1000, scope: 'application' },
  ],
  read: {
    pagesPerChunk: (records) => Math.max(1, Math.ceil(records / 200)) + 1,
    perRecord: 1,
    buckets: ['overall', 'read'],
  },
  write: {
    tracked: { requests: 1, buckets: { overall: 1 } }, // POST /uploads
    untracked: { requests: 1, buckets: { overall: 1 } }, // POST /activities
    perChunk: { requests: 1, buckets: { overall: 1, read: 1 } }, // the list confirming its uploads
    perSync: { requests: 1, buckets: { overall: 1, read: 1 } }, // what Strava already holds (duplicates)
  },
  latencySeconds: 0.3,
};
