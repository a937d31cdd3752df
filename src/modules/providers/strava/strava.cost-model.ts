import type { ProviderCostModel } from '../cost-model.js';

/**
 * Strava API v3, per application (all users together): 200 requests/15 min and 2,000/day overall;
 * reads 100/15 min and 1,000/day. Uploads and activity creation draw on the overall limit only;
 * the upload status poll (usually one, after the ~2 s processing) is a read.
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
    tracked: { requests: 2, buckets: { overall: 2, read: 1 } }, // POST /uploads, then one GET /uploads/{id}
    untracked: { requests: 1, buckets: { overall: 1 } }, // POST /activities
  },
  latencySeconds: 0.3,
};
